// Fuzz target: the WAL's read side on arbitrary bytes (docs/format/wal.md). The same input
// is taken three ways: as a record payload (zstd + span codec, decode_wal_payload), as span
// codec bytes (decode_span_batch), and as a whole segment file read record by record with
// WalSegmentReader (each good record's payload decoded, as recovery does). Each must end in
// a Status, never a crash, hang or unbounded allocation. A batch that decodes must also
// encode back to bytes that decode to the same encoding (the codec is its own fixpoint).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_util.h"
#include "store/wal/span_codec.h"
#include "store/wal/wal_reader.h"

namespace {

weft::fuzz::InputFile& input() {
  static weft::fuzz::InputFile f;
  return f;
}

void check_fixpoint(const weft::model::SpanBatch& batch) {
  std::string once;
  weft::store::encode_span_batch(batch, &once);
  auto again = weft::store::decode_span_batch(once);
  if (!again.is_ok()) {
    std::fprintf(stderr, "re-encoded batch does not decode: %s\n",
                 again.status().to_string().c_str());
    std::abort();
  }
  std::string twice;
  weft::store::encode_span_batch(*again, &twice);
  if (once != twice) {
    std::fprintf(stderr, "encode(decode(encode(b))) != encode(b) (%zu vs %zu bytes)\n",
                 twice.size(), once.size());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);

  if (auto b = weft::store::decode_wal_payload(bytes); b.is_ok()) check_fixpoint(*b);
  if (auto b = weft::store::decode_span_batch(bytes); b.is_ok()) check_fixpoint(*b);

  auto reader = weft::store::WalSegmentReader::open(input().write(data, size));
  if (!reader.is_ok()) return 0;
  weft::store::wal::RecordType type;
  std::string_view payload;
  while (reader->next(&type, &payload) == weft::store::WalSegmentReader::Outcome::kRecord) {
    if (reader->good_offset() > reader->file_size()) std::abort();
    (void)weft::store::decode_wal_payload(payload);
  }
  if (reader->good_offset() > reader->file_size()) std::abort();
  return 0;
}
