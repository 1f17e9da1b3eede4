#include "store/wal/wal_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "common/coding.h"
#include "common/crc32c.h"

namespace weft::store {
namespace {

constexpr std::string_view kTornHeader = "torn segment header";

Result<std::string> read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_status("opening", path, errno);
  std::string data;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return errno_status("reading", path, err);
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return data;
}

}  // namespace

bool is_torn_header(const Status& s) {
  return s.code() == ResultCode::kDataLoss && s.message().find(kTornHeader) != std::string::npos;
}

Result<WalSegmentReader> WalSegmentReader::open(const std::string& path) {
  WEFT_ASSIGN_OR_RETURN(std::string data, read_file(path));
  if (data.size() < wal::kFileHeaderSize)
    return data_loss(path + ": " + std::string(kTornHeader) + " (" + std::to_string(data.size()) +
                     " bytes)");
  std::string_view h(data.data(), wal::kFileHeaderSize);
  if (h.substr(0, wal::kMagic.size()) != wal::kMagic)
    return data_loss(path + ": not a weft WAL segment (bad magic)");
  uint32_t stored_crc = coding::decode_fixed32(h.data() + 12);
  if (crc32c::unmask(stored_crc) != crc32c::value(h.substr(0, 12)))
    return data_loss(path + ": segment header checksum mismatch");
  uint32_t version = coding::decode_fixed32(h.data() + 8);
  if (version != wal::kFormatVersion)
    return data_loss(path + ": unknown WAL format version " + std::to_string(version) +
                     " (this build reads version " + std::to_string(wal::kFormatVersion) + ")");
  WalSegmentReader r(std::move(data));
  r.pos_ = r.good_ = wal::kFileHeaderSize;
  return r;
}

WalSegmentReader::Outcome WalSegmentReader::next(wal::RecordType* type, std::string_view* payload) {
  if (stopped_ != Outcome::kRecord) return stopped_;
  auto stop = [&](Outcome o, std::string why) {
    stopped_ = o;
    if (o != Outcome::kEnd) problem_ = std::move(why) + " at offset " + std::to_string(pos_);
    return o;
  };
  uint64_t left = data_.size() - pos_;
  if (left == 0) return stop(Outcome::kEnd, "");
  if (left < wal::kRecordHeaderSize) return stop(Outcome::kTruncated, "partial record header");
  const char* h = data_.data() + pos_;
  uint32_t masked = coding::decode_fixed32(h);
  uint32_t len = coding::decode_fixed32(h + 4);
  auto t = static_cast<uint8_t>(h[8]);
  if (t == 0 && masked == 0 && len == 0) return stop(Outcome::kCorrupt, "zeroed bytes");
  if (len > wal::kMaxRecordPayload)
    return stop(Outcome::kCorrupt, "record length " + std::to_string(len) + " too large");
  if (len > left - wal::kRecordHeaderSize)
    return stop(Outcome::kTruncated, "record of " + std::to_string(len) + " bytes cut short");
  uint32_t crc = crc32c::extend(0, h + 8, 1);
  crc = crc32c::extend(crc, h + 4, 4);
  crc = crc32c::extend(crc, h + wal::kRecordHeaderSize, len);
  if (crc32c::unmask(masked) != crc) return stop(Outcome::kCorrupt, "record checksum mismatch");
  if (t != static_cast<uint8_t>(wal::RecordType::kSpanBatch))
    return stop(Outcome::kCorrupt, "unknown record type " + std::to_string(t));
  *type = static_cast<wal::RecordType>(t);
  *payload = std::string_view(h + wal::kRecordHeaderSize, len);
  pos_ += wal::kRecordHeaderSize + len;
  good_ = pos_;
  return Outcome::kRecord;
}

}  // namespace weft::store
