#include "store/wal/wal_writer.h"

#include "common/coding.h"
#include "common/crc32c.h"

namespace weft::store {

std::string encode_segment_header() {
  std::string h(wal::kMagic);
  coding::put_fixed32(h, wal::kFormatVersion);
  coding::put_fixed32(h, crc32c::mask(crc32c::value(h)));
  return h;
}

void encode_record_header(wal::RecordType type, std::string_view payload, char out[9]) {
  // CRC covers type, then length, then payload (the order they are checked in).
  auto len = static_cast<uint32_t>(payload.size());
  char type_len[5];
  type_len[0] = static_cast<char>(type);
  for (int i = 0; i < 4; ++i) type_len[1 + i] = static_cast<char>(len >> (8 * i));
  uint32_t crc = crc32c::extend(0, type_len, 5);
  crc = crc32c::extend(crc, payload.data(), payload.size());
  uint32_t masked = crc32c::mask(crc);
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>(masked >> (8 * i));
  for (int i = 0; i < 4; ++i) out[4 + i] = static_cast<char>(len >> (8 * i));
  out[8] = static_cast<char>(type);
}

Result<std::unique_ptr<WalSegmentWriter>> WalSegmentWriter::create(const WalFileFactory& factory,
                                                                   const std::string& path,
                                                                   uint64_t seq) {
  WEFT_ASSIGN_OR_RETURN(std::unique_ptr<WalFile> file, factory(path));
  std::unique_ptr<WalSegmentWriter> w(new WalSegmentWriter(std::move(file), seq));
  std::string header = encode_segment_header();
  Status s = w->file_->append({header});
  if (!s.is_ok()) {
    (void)w->file_->truncate(0);
    return s;
  }
  w->size_ = header.size();
  return w;
}

Status WalSegmentWriter::append(const std::vector<std::string_view>& payloads,
                                wal::RecordType type) {
  WEFT_CHECK(!broken_);
  std::vector<char> headers(payloads.size() * wal::kRecordHeaderSize);
  std::vector<std::string_view> pieces;
  pieces.reserve(payloads.size() * 2);
  uint64_t bytes = 0;
  for (size_t i = 0; i < payloads.size(); ++i) {
    WEFT_CHECK(payloads[i].size() <= wal::kMaxRecordPayload);
    char* h = &headers[i * wal::kRecordHeaderSize];
    encode_record_header(type, payloads[i], h);
    pieces.emplace_back(h, wal::kRecordHeaderSize);
    pieces.push_back(payloads[i]);
    bytes += wal::kRecordHeaderSize + payloads[i].size();
  }
  Status s = file_->append(pieces);
  if (!s.is_ok()) {
    // Nothing of a failed group may survive: recovery would replay an unacknowledged batch.
    if (!file_->truncate(size_).is_ok()) broken_ = true;
    return s;
  }
  size_ += bytes;
  return Status::ok();
}

Status WalSegmentWriter::truncate_to(uint64_t size) {
  Status s = file_->truncate(size);
  if (!s.is_ok()) {
    broken_ = true;
    return s;
  }
  size_ = size;
  return Status::ok();
}

Status WalSegmentWriter::sync() { return file_->sync(); }
Status WalSegmentWriter::close() { return file_->close(); }

}  // namespace weft::store
