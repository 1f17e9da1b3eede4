#include "store/queue/queue_record.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/coding.h"
#include "common/crc32c.h"
#include "common/file_io.h"
#include "store/wal/span_codec.h"
#include "store/wal/wal_format.h"

namespace weft::store {

using namespace weft::model;

namespace {

// Bytes read per pread: large enough that a slow consumer catching up reads many records
// per system call, small enough to bound the consumer's memory.
constexpr uint64_t kReadChunk = 4ull << 20;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

std::string encode_queue_payload(const SpanBatch& batch) {
  std::string out;
  coding::put_varint64(out, batch.spans.size());
  out.append(encode_wal_payload(batch));
  return out;
}

bool queue_payload_spans(std::string_view payload, uint64_t* spans) {
  return coding::get_varint64(payload, spans);
}

Result<SpanBatch> decode_queue_payload(std::string_view payload) {
  uint64_t spans = 0;
  if (!coding::get_varint64(payload, &spans)) return data_loss("queue record: bad span count");
  WEFT_ASSIGN_OR_RETURN(SpanBatch batch, decode_wal_payload(payload));
  if (batch.spans.size() != spans)
    return data_loss("queue record: holds " + std::to_string(batch.spans.size()) +
                     " spans, header says " + std::to_string(spans));
  return batch;
}

Status read_queue_records(const std::string& path, uint64_t offset, uint64_t end,
                          size_t max_records, std::vector<QueueRecord>* out, std::string* problem) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return errno_status("opening", path, errno);
  std::string buf;  // file bytes [buf_at, buf_at + buf.size())
  uint64_t buf_at = offset;
  size_t taken = 0;
  auto stop = [&](const std::string& why) {
    *problem = why + " at offset " + std::to_string(offset);
    return Status::ok();
  };
  while (taken < max_records && offset < end) {
    if (end - offset < wal::kRecordHeaderSize) return stop("partial record header");
    // Make sure the buffer holds the header, then the whole record.
    auto ensure = [&](uint64_t n) -> Status {
      if (offset >= buf_at && offset + n <= buf_at + buf.size()) return Status::ok();
      buf_at = offset;
      return pread_exact(fd.get(), path, offset, std::min(end - offset, std::max(n, kReadChunk)),
                         &buf);
    };
    WEFT_RETURN_IF_ERROR(ensure(wal::kRecordHeaderSize));
    const char* h = buf.data() + (offset - buf_at);
    uint32_t masked = coding::decode_fixed32(h);
    uint32_t len = coding::decode_fixed32(h + 4);
    auto type = static_cast<uint8_t>(h[8]);
    if (len > wal::kMaxRecordPayload)
      return stop("record length " + std::to_string(len) + " too large");
    uint64_t size = wal::kRecordHeaderSize + uint64_t{len};
    if (size > end - offset) return stop("record of " + std::to_string(len) + " bytes cut short");
    WEFT_RETURN_IF_ERROR(ensure(size));
    h = buf.data() + (offset - buf_at);
    // The same check as WalSegmentReader: CRC of type, length, payload.
    uint32_t crc = crc32c::extend(0, h + 8, 1);
    crc = crc32c::extend(crc, h + 4, 4);
    crc = crc32c::extend(crc, h + wal::kRecordHeaderSize, len);
    if (crc32c::unmask(masked) != crc) return stop("record checksum mismatch");
    if (type != static_cast<uint8_t>(wal::RecordType::kSpanBatch))
      return stop("unknown record type " + std::to_string(type));
    offset += size;
    out->push_back({std::string(h + wal::kRecordHeaderSize, len), offset});
    ++taken;
  }
  return Status::ok();
}

}  // namespace weft::store
