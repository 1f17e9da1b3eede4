#pragma once
// Byte-level helpers of the block format: appending varints / ids to a stream, a
// bounds-checked cursor to read them back, slot-partitioned streams (docs/format/block.md,
// "Partitioned streams"), and zstd compression of one stream.
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/coding.h"
#include "common/ids.h"
#include "common/status.h"

namespace weft::store::block {

using namespace weft::model;

using coding::unzigzag;
using coding::zigzag;

inline void put_varint(std::string& out, uint64_t v) { coding::put_varint64(out, v); }
inline void put_string(std::string& out, std::string_view s) {
  coding::put_varint64(out, s.size());
  out.append(s);
}

// Cursor over decoded stream bytes. Every getter returns false instead of reading past
// the end; the caller turns that into DATA_LOSS.
class Cursor {
 public:
  Cursor() = default;
  explicit Cursor(std::string_view in) : in_(in) {}
  bool empty() const { return in_.empty(); }
  size_t left() const { return in_.size(); }
  std::string_view rest() const { return in_; }
  std::string_view* view() { return &in_; }

  bool varint(uint64_t* v) { return coding::get_varint64(in_, v); }
  bool u32(uint32_t* v) {
    uint64_t x;
    if (!varint(&x) || x > UINT32_MAX) return false;
    *v = static_cast<uint32_t>(x);
    return true;
  }
  bool byte(uint8_t* b) {
    if (in_.empty()) return false;
    *b = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return true;
  }
  bool fixed32(uint32_t* v) { return coding::get_fixed32(in_, v); }
  bool fixed64(uint64_t* v) { return coding::get_fixed64(in_, v); }
  bool bytes(size_t n, std::string_view* out) {
    if (n > in_.size()) return false;
    *out = in_.substr(0, n);
    in_.remove_prefix(n);
    return true;
  }
  bool str(std::string_view* out) {
    uint64_t n;
    return varint(&n) && n <= in_.size() && bytes(n, out);
  }
  bool str(std::string* out) {
    std::string_view v;
    if (!str(&v)) return false;
    out->assign(v);
    return true;
  }
  template <size_t N>
  bool id(FixedId<N>* id) {
    if (in_.size() < N) return false;
    std::memcpy(id->bytes.data(), in_.data(), N);
    in_.remove_prefix(N);
    return true;
  }
  // A count of items each at least `min_bytes` long: more than fit in what is left is
  // corrupt (bounds allocations made from counts).
  bool count(uint64_t* n, size_t min_bytes = 1) {
    return varint(n) && (min_bytes == 0 || *n <= in_.size() / min_bytes);
  }

 private:
  std::string_view in_;
};

// Writer side of a partitioned stream: one byte string per part (a slot), laid out at
// finish() as  varint n_parts | (varint part, varint length){n_parts} | part bytes...
// in ascending part order.
class PartitionedWriter {
 public:
  std::string& part(uint32_t p) { return parts_[p]; }
  bool empty() const { return parts_.empty(); }
  // Appends the encoding to `out` and clears the parts.
  void finish(std::string* out);
  void clear() { parts_.clear(); }

 private:
  std::map<uint32_t, std::string> parts_;
};

// Reader side: a cursor per part. Parts not present read as empty.
class PartitionedReader {
 public:
  // `num_parts`: parts must be < this. False if malformed (lengths not summing to the
  // bytes, parts out of order or out of range).
  bool init(std::string_view in, uint32_t num_parts);
  Cursor* part(uint32_t p);
  // True if every part was read to its end.
  bool all_consumed() const;

 private:
  std::vector<std::pair<uint32_t, Cursor>> parts_;  // ascending part
  Cursor empty_;
};

// Compresses `raw` with zstd at `level` into `*out` (replacing it; one frame with its
// content size). Returns false if the frame is not smaller than `raw` (the caller may then
// store it raw).
bool zstd_compress(std::string_view raw, int level, std::string* out);
// Decompresses a frame that must decode to exactly `raw_length` bytes (at most
// kMaxDecodedBytes). DATA_LOSS otherwise. `what` names the stream in the message.
Status zstd_decompress(std::string_view stored, uint64_t raw_length, std::string* out,
                       std::string_view what);

}  // namespace weft::store::block
