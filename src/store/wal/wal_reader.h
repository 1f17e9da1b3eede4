#pragma once
// WalSegmentReader: reads the records of one segment file in order and says precisely where
// and why it stopped, so recovery can decide between "torn tail" and "corruption"
// (docs/format/wal.md, "Recovery").
//
// Thread-safety: not thread-safe; one reader per thread.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "store/wal/wal_format.h"

namespace weft::store {

class WalSegmentReader {
 public:
  enum class Outcome {
    kRecord,     // *type and *payload are set
    kEnd,        // clean end of file after a whole record
    kTruncated,  // the file ends inside a record (or its header): a torn write
    kCorrupt,    // a record fails its CRC or has an impossible length / type
  };

  // Reads the whole segment into memory. DATA_LOSS if the header is missing or damaged
  // (header_torn() tells whether the file is merely shorter than a header); an unknown
  // format version is also DATA_LOSS, with a message naming it.
  static Result<WalSegmentReader> open(const std::string& path);

  // The next record. After any outcome but kRecord, keeps returning it.
  // `payload` points into the reader's buffer and stays valid while the reader lives.
  Outcome next(wal::RecordType* type, std::string_view* payload);

  // Offset just past the last whole, valid record (or the header): where a damaged tail
  // is cut.
  uint64_t good_offset() const { return good_; }
  uint64_t file_size() const { return data_.size(); }
  // Why next() stopped (empty after kRecord / kEnd).
  const std::string& problem() const { return problem_; }

 private:
  explicit WalSegmentReader(std::string data) : data_(std::move(data)) {}

  std::string data_;
  uint64_t pos_ = 0;
  uint64_t good_ = 0;
  Outcome stopped_ = Outcome::kRecord;
  std::string problem_;
};

// True if `s` (from WalSegmentReader::open) means the file is shorter than a header:
// a segment whose creation was torn by a crash.
bool is_torn_header(const Status& s);

}  // namespace weft::store
