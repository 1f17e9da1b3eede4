#include "store/block/column_streams.h"

#include <unistd.h>

#include <cerrno>

#include <zstd.h>

#include <algorithm>

#include "store/block/block_format.h"

namespace weft::store::block {
namespace {

// zstd contexts are expensive to create; each thread keeps one of each.
struct ZstdContexts {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_DCtx* d = ZSTD_createDCtx();
  ~ZstdContexts() {
    ZSTD_freeCCtx(c);
    ZSTD_freeDCtx(d);
  }
};
ZstdContexts& contexts() {
  thread_local ZstdContexts ctx;
  return ctx;
}

}  // namespace

void PartitionedWriter::finish(std::string* out) {
  put_varint(*out, parts_.size());
  for (const auto& [p, bytes] : parts_) {
    put_varint(*out, p);
    put_varint(*out, bytes.size());
  }
  for (const auto& [p, bytes] : parts_) out->append(bytes);
  parts_.clear();
}

bool PartitionedReader::init(std::string_view in, uint32_t num_parts) {
  parts_.clear();
  if (in.empty()) return true;  // an empty stream: no parts
  Cursor c(in);
  uint64_t n;
  if (!c.count(&n, 2) || n > num_parts) return false;
  parts_.reserve(n);
  std::vector<uint64_t> lengths;
  lengths.reserve(n);
  uint64_t total = 0;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t p, len;
    if (!c.varint(&p) || !c.varint(&len) || p >= num_parts) return false;
    if (!parts_.empty() && p <= parts_.back().first) return false;
    if (len > in.size() || (total += len) > in.size()) return false;
    parts_.emplace_back(static_cast<uint32_t>(p), Cursor());
    lengths.push_back(len);
  }
  if (total != c.left()) return false;
  std::string_view rest = c.rest();
  for (uint64_t i = 0; i < n; ++i) {
    parts_[i].second = Cursor(rest.substr(0, lengths[i]));
    rest.remove_prefix(lengths[i]);
  }
  return true;
}

Cursor* PartitionedReader::part(uint32_t p) {
  auto it = std::lower_bound(parts_.begin(), parts_.end(), p,
                             [](const auto& e, uint32_t v) { return e.first < v; });
  if (it == parts_.end() || it->first != p) {
    empty_ = Cursor();
    return &empty_;
  }
  return &it->second;
}

bool PartitionedReader::all_consumed() const {
  for (const auto& [p, c] : parts_)
    if (!c.empty()) return false;
  return true;
}

bool zstd_compress(std::string_view raw, int level, std::string* out) {
  out->resize(ZSTD_compressBound(raw.size()));
  size_t n =
      ZSTD_compressCCtx(contexts().c, out->data(), out->size(), raw.data(), raw.size(), level);
  if (ZSTD_isError(n)) {  // only on a too-small buffer, which compressBound rules out
    out->clear();
    return false;
  }
  out->resize(n);
  return n < raw.size();
}

Status zstd_decompress(std::string_view stored, uint64_t raw_length, std::string* out,
                       std::string_view what) {
  if (raw_length > kMaxDecodedBytes)
    return data_loss(std::string(what) + ": decoded size too large");
  unsigned long long size = ZSTD_getFrameContentSize(stored.data(), stored.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size != raw_length)
    return data_loss(std::string(what) + ": not a zstd frame of the recorded size");
  out->resize(raw_length);
  size_t n =
      ZSTD_decompressDCtx(contexts().d, out->data(), out->size(), stored.data(), stored.size());
  if (ZSTD_isError(n) || n != raw_length)
    return data_loss(std::string(what) +
                     ": zstd: " + (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short frame"));
  return Status::ok();
}

}  // namespace weft::store::block
