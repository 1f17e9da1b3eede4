// BlockReader::open and everything but search: trace by ID, scan, dictionaries, verify.
#include "store/block/block_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>
#include <unordered_map>

#include "common/crc32c.h"
#include "common/file_io.h"
#include "store/block/block_format.h"
#include "store/block/block_reader_impl.h"
#include "store/block/bloom_filter.h"
#include "store/block/column_streams.h"

namespace weft::store {

using namespace weft::model;

using namespace block;

namespace {

Result<Footer> read_footer(int fd, const std::string& path) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return errno_status("stat", path, errno);
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size < kHeaderSize + kTrailerSize)
    return data_loss(path + ": block file truncated (" + std::to_string(size) + " bytes)");
  std::string header;
  WEFT_RETURN_IF_ERROR(pread_exact(fd, path, 0, kHeaderSize, &header));
  if (std::string_view(header).substr(0, 8) != kMagic)
    return data_loss(path + ": not a block file (bad magic)");
  const uint32_t version = coding::decode_fixed32(header.data() + 8);
  if (crc32c::mask(crc32c::value(std::string_view(header).substr(0, 12))) !=
      coding::decode_fixed32(header.data() + 12))
    return data_loss(path + ": block header CRC mismatch");
  if (version != kFormatVersion)
    return data_loss(path + ": unknown block format version " + std::to_string(version));

  std::string trailer;
  WEFT_RETURN_IF_ERROR(pread_exact(fd, path, size - kTrailerSize, kTrailerSize, &trailer));
  const char* t = trailer.data();
  const uint64_t footer_offset = coding::decode_fixed64(t);
  const uint64_t footer_len = coding::decode_fixed64(t + 8);
  const uint64_t footer_raw = coding::decode_fixed64(t + 16);
  const uint32_t footer_crc = coding::decode_fixed32(t + 24);
  const uint32_t trailer_version = coding::decode_fixed32(t + 28);
  if (std::string_view(trailer).substr(32) != kMagic)
    return data_loss(path + ": block trailer missing (truncated or not a block file)");
  if (trailer_version != kFormatVersion)
    return data_loss(path + ": unknown block format version " + std::to_string(trailer_version) +
                     " in trailer");
  const uint64_t body_end = size - kTrailerSize;
  if (footer_offset < kHeaderSize || footer_offset > body_end ||
      footer_len != body_end - footer_offset || footer_raw > kMaxDecodedBytes)
    return data_loss(path + ": block trailer: impossible footer position");
  std::string stored;
  WEFT_RETURN_IF_ERROR(pread_exact(fd, path, footer_offset, footer_len, &stored));
  if (crc32c::mask(crc32c::value(stored)) != footer_crc)
    return data_loss(path + ": block footer CRC mismatch");
  std::string raw;
  Status s = zstd_decompress(stored, footer_raw, &raw, "block footer");
  if (!s.is_ok()) return s.with_prefix(path);
  Result<Footer> f = decode_footer(raw, footer_offset);
  if (!f.is_ok()) return f.status().with_prefix(path);
  f->meta.file_bytes = size;
  return f;
}

constexpr std::string_view kUnknownService = "unknown_service";

}  // namespace

Result<std::shared_ptr<BlockReader>> BlockReader::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_status("opening", path, errno);
  Result<Footer> f = read_footer(fd, path);
  if (!f.is_ok()) {
    ::close(fd);
    return f.status();
  }
  return std::shared_ptr<BlockReader>(
      std::make_shared<BlockReaderImpl>(path, fd, std::move(f).value()));
}

Status BlockReader::get_traces(std::span<const TraceId> ids,
                               const std::function<void(size_t, Trace&&)>& fn) const {
  for (size_t i = 0; i < ids.size(); ++i) {
    WEFT_ASSIGN_OR_RETURN(std::optional<Trace> t, get_trace(ids[i]));
    if (t) fn(i, std::move(*t));
  }
  return Status::ok();
}

namespace block {

BlockReaderImpl::BlockReaderImpl(std::string path, int fd, Footer footer)
    : path_(std::move(path)), fd_(fd), f_(std::move(footer)) {
  for (const PageEntry& p : f_.pages) max_duration_ = std::max(max_duration_, p.max_duration);
  services_ext_ = f_.services;
  for (uint32_t i = 0; i < services_ext_.size(); ++i) service_index_.emplace(services_ext_[i], i);
  uint32_t unknown;
  if (auto it = service_index_.find(kUnknownService); it != service_index_.end()) {
    unknown = it->second;
  } else {
    unknown = static_cast<uint32_t>(services_ext_.size());
    services_ext_.emplace_back(kUnknownService);
  }
  service_of_resource_.push_back(unknown);
  for (uint32_t s : f_.resource_service) service_of_resource_.push_back(s);
  for (uint32_t i = 0; i < f_.span_names.size(); ++i) span_name_index_.emplace(f_.span_names[i], i);
  for (uint32_t i = 0; i < f_.span_slots.size(); ++i)
    span_slots_by_key_[f_.span_slots[i].key].push_back(i);
  for (uint32_t i = 0; i < f_.event_slots.size(); ++i)
    event_slots_by_key_[f_.event_slots[i].key].push_back(i);
  for (uint32_t r = 0; r < f_.resources.size(); ++r)
    for (const KeyValue& kv : f_.resources[r]->attributes) {
      auto& v = resources_by_key_[kv.key];
      if (v.empty() || v.back() != r + 1) v.push_back(r + 1);
    }
}

BlockReaderImpl::~BlockReaderImpl() { ::close(fd_); }

uint32_t BlockReaderImpl::find_service(std::string_view name) const {
  auto it = service_index_.find(name);
  return it == service_index_.end() ? kNoCode : it->second;
}

uint32_t BlockReaderImpl::find_span_name(std::string_view name) const {
  auto it = span_name_index_.find(name);
  return it == span_name_index_.end() ? kNoCode : it->second;
}

bool BlockReaderImpl::may_contain(const TraceId& id) const {
  return f_.trace_bloom.may_contain(hash_trace_id(id));
}

Status BlockReaderImpl::load_all(uint32_t page, PageData* d) const {
  for (int c = 0; c < kNumColumns; ++c) WEFT_RETURN_IF_ERROR(load(page, static_cast<Column>(c), d));
  return Status::ok();
}

void BlockReaderImpl::build_trace(const PageData& d, uint32_t t, Trace* out) const {
  out->trace_id = d.trace_id[t];
  out->spans.resize(d.trace_begin[t + 1] - d.trace_begin[t]);
  for (uint32_t i = d.trace_begin[t]; i < d.trace_begin[t + 1]; ++i)
    build_span(f_, d, t, i, &out->spans[i - d.trace_begin[t]]);
}

Result<std::string> BlockReaderImpl::read_id_chunk(uint32_t c) const {
  const IdIndexChunk& ch = f_.id_index[c];
  std::string bytes;
  WEFT_RETURN_IF_ERROR(pread_exact(fd_, path_, ch.offset, ch.bytes(), &bytes));
  if (crc32c::mask(crc32c::value(bytes)) != ch.crc)
    return data_loss(path_ + ": trace-ID index chunk " + std::to_string(c) + ": CRC mismatch");
  return bytes;
}

std::optional<uint32_t> BlockReaderImpl::id_chunk_of(const TraceId& id) const {
  // The chunk whose range may hold the ID: the last one starting at or before it.
  auto it = std::upper_bound(f_.id_index.begin(), f_.id_index.end(), id,
                             [](const TraceId& v, const IdIndexChunk& ch) { return v < ch.first; });
  if (it == f_.id_index.begin()) return std::nullopt;
  return static_cast<uint32_t>(it - f_.id_index.begin()) - 1;
}

Result<std::optional<uint32_t>> BlockReaderImpl::page_in_chunk(const std::string& bytes,
                                                              uint32_t c,
                                                              const TraceId& id) const {
  // Fixed-size entries: binary search in place.
  size_t lo = 0, hi = f_.id_index[c].entries;
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    const std::string_view key(bytes.data() + mid * kIdIndexEntryBytes, 16);
    if (key < id.as_bytes()) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo == f_.id_index[c].entries ||
      std::string_view(bytes.data() + lo * kIdIndexEntryBytes, 16) != id.as_bytes())
    return std::optional<uint32_t>();
  const uint32_t page = coding::decode_fixed32(bytes.data() + lo * kIdIndexEntryBytes + 16);
  if (page >= f_.pages.size())
    return data_loss(path_ + ": trace-ID index chunk " + std::to_string(c) + " names page " +
                     std::to_string(page) + " of " + std::to_string(f_.pages.size()));
  return std::optional<uint32_t>(page);
}

Result<std::optional<uint32_t>> BlockReaderImpl::page_of(const TraceId& id) const {
  if (!may_contain(id)) return std::optional<uint32_t>();
  std::optional<uint32_t> c = id_chunk_of(id);
  if (!c) return std::optional<uint32_t>();
  WEFT_ASSIGN_OR_RETURN(std::string bytes, read_id_chunk(*c));
  return page_in_chunk(bytes, *c, id);
}

Status BlockReaderImpl::get_traces(std::span<const TraceId> ids,
                                   const std::function<void(size_t, Trace&&)>& fn) const {
  // Sorted by ID, the lookups walk the index chunks in order: each chunk read once.
  std::vector<size_t> order;
  for (size_t i = 0; i < ids.size(); ++i)
    if (may_contain(ids[i])) order.push_back(i);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ids[a] < ids[b]; });
  std::vector<std::pair<uint32_t, size_t>> located;  // (page, index into ids)
  uint32_t chunk = UINT32_MAX;
  std::string bytes;
  for (size_t i : order) {
    std::optional<uint32_t> c = id_chunk_of(ids[i]);
    if (!c) continue;
    if (*c != chunk) {
      WEFT_ASSIGN_OR_RETURN(bytes, read_id_chunk(*c));
      chunk = *c;
    }
    WEFT_ASSIGN_OR_RETURN(std::optional<uint32_t> page, page_in_chunk(bytes, *c, ids[i]));
    if (page) located.emplace_back(*page, i);
  }
  // Each page read and decoded once for all the traces asked of it.
  std::sort(located.begin(), located.end());
  for (size_t at = 0; at < located.size();) {
    const uint32_t page = located[at].first;
    size_t end = at;
    while (end < located.size() && located[end].first == page) ++end;
    PageData d;
    WEFT_RETURN_IF_ERROR(load_all(page, &d));
    std::unordered_map<TraceId, uint32_t, FixedIdHash> row;
    row.reserve(d.trace_id.size());
    for (uint32_t t = 0; t < d.trace_id.size(); ++t) row.emplace(d.trace_id[t], t);
    for (; at < end; ++at) {
      const size_t i = located[at].second;
      auto it = row.find(ids[i]);
      if (it == row.end())
        return data_loss(path_ + ": trace " + ids[i].to_hex() + " is not in page " +
                         std::to_string(page) + ", where the trace-ID index puts it");
      Trace out;
      build_trace(d, it->second, &out);
      fn(i, std::move(out));
    }
  }
  return Status::ok();
}

Result<std::optional<Trace>> BlockReaderImpl::get_trace(const TraceId& id) const {
  WEFT_ASSIGN_OR_RETURN(std::optional<uint32_t> page, page_of(id));
  if (!page) return std::optional<Trace>();
  PageData d;
  WEFT_RETURN_IF_ERROR(load(*page, kColTrace, &d));
  auto t = std::find(d.trace_id.begin(), d.trace_id.end(), id);
  if (t == d.trace_id.end())
    return data_loss(path_ + ": trace " + id.to_hex() + " is not in page " + std::to_string(*page) +
                     ", where the trace-ID index puts it");
  WEFT_RETURN_IF_ERROR(load_all(*page, &d));
  Trace out;
  build_trace(d, static_cast<uint32_t>(t - d.trace_id.begin()), &out);
  return std::optional<Trace>(std::move(out));
}

Status BlockReaderImpl::scan(const std::function<bool(Trace&&)>& fn) const {
  for (uint32_t p = 0; p < f_.pages.size(); ++p) {
    PageData d;
    WEFT_RETURN_IF_ERROR(load_all(p, &d));
    for (uint32_t t = 0; t < d.traces(); ++t) {
      Trace tr;
      build_trace(d, t, &tr);
      if (!fn(std::move(tr))) return Status::ok();
    }
  }
  return Status::ok();
}

Result<std::vector<Trace>> BlockReaderImpl::read_page_traces(uint32_t page) const {
  if (page >= f_.pages.size())
    return invalid_argument(path_ + ": page " + std::to_string(page) + " out of range");
  PageData d;
  WEFT_RETURN_IF_ERROR(load_all(page, &d));
  std::vector<Trace> out(d.traces());
  for (uint32_t t = 0; t < d.traces(); ++t) build_trace(d, t, &out[t]);
  return out;
}

std::vector<std::string> BlockReaderImpl::services() const {
  std::vector<std::string> out = f_.services;
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<OperationInfo> BlockReaderImpl::operations(const std::string& service) const {
  std::set<OperationInfo> all;
  uint32_t svc = kNoCode;
  if (!service.empty()) {
    svc = find_service(service);
    if (svc == kNoCode) return {};
  }
  for (const OperationEntry& op : f_.operations)
    if (svc == kNoCode || op.service == svc)
      all.insert(OperationInfo{f_.span_names[op.name], static_cast<SpanKind>(op.kind)});
  return {all.begin(), all.end()};
}

std::vector<std::string> BlockReaderImpl::attribute_keys() const {
  std::set<std::string_view> keys;
  for (const auto& [k, v] : span_slots_by_key_) keys.insert(k);
  for (const auto& [k, v] : event_slots_by_key_) keys.insert(k);
  for (const auto& [k, v] : resources_by_key_) keys.insert(k);
  return {keys.begin(), keys.end()};
}

std::vector<std::string> BlockReaderImpl::attribute_values(const std::string& key,
                                                           size_t limit) const {
  std::set<std::string> values;
  auto add_slots = [&](const auto& by_key, const std::vector<SlotEntry>& slots) {
    auto it = by_key.find(key);
    if (it == by_key.end()) return;
    for (uint32_t s : it->second) values.insert(slots[s].values.begin(), slots[s].values.end());
  };
  add_slots(span_slots_by_key_, f_.span_slots);
  add_slots(event_slots_by_key_, f_.event_slots);
  if (auto it = resources_by_key_.find(key); it != resources_by_key_.end())
    for (uint32_t r : it->second)
      for (const KeyValue& kv : f_.resources[r - 1]->attributes)
        if (kv.key == key) values.insert(kv.value.to_string());
  std::vector<std::string> out;
  for (const std::string& v : values) {
    if (out.size() >= limit) break;
    out.push_back(v);
  }
  return out;
}

Status BlockReaderImpl::verify() const {
  uint64_t min_start = UINT64_MAX, max_start = 0, max_end = 0;
  // Every trace of the pages, with its page, for the trace-ID index check below.
  std::vector<std::pair<TraceId, uint32_t>> where_is;
  where_is.reserve(f_.meta.traces);
  for (uint32_t p = 0; p < f_.pages.size(); ++p) {
    const PageEntry& pe = f_.pages[p];
    const std::string where = path_ + ": page " + std::to_string(p) + ": ";
    PageData d;
    Status s = load_all(p, &d);
    if (!s.is_ok()) return s.with_prefix(path_);
    // Search skips a page whose value bloom lacks a value: every string value and raw span
    // name must be in it.
    for (uint32_t i = 0; i < d.spans(); ++i)
      if (d.name_code[i] == kNoCode &&
          !pe.raw_bloom.may_contain(hash_key_value(kSpanNameBloomKey, d.name_raw[i])))
        return data_loss(where + "a raw span name is missing from the page's value bloom filter");
    for (const auto& [attrs, slots] :
         {std::pair(&d.attrs, &f_.span_slots), std::pair(&d.event_attrs, &f_.event_slots)})
      for (const DecodedAttr& x : attrs->attrs) {
        const SlotEntry& se = (*slots)[x.slot];
        if (se.type != kTypeString) continue;
        const std::string_view v = x.code == kNoCode ? x.raw : std::string_view(se.values[x.code]);
        if (!pe.raw_bloom.may_contain(hash_key_value(se.key, v)))
          return data_loss(where + "a value of " + se.key +
                           " is missing from the page's value bloom filter");
      }
    uint64_t pmin = UINT64_MAX, pmax = 0, dmin = UINT64_MAX, dmax = 0;
    for (uint32_t t = 0; t < d.traces(); ++t) {
      if (!may_contain(d.trace_id[t]))
        return data_loss(where + "trace " + d.trace_id[t].to_hex() + " not in the bloom filter");
      where_is.emplace_back(d.trace_id[t], p);
      uint64_t start = UINT64_MAX, end = 0;
      for (uint32_t i = d.trace_begin[t]; i < d.trace_begin[t + 1]; ++i) {
        start = std::min(start, d.start[i]);
        end = std::max(end, std::max(d.start[i], d.end[i]));
        if (i > d.trace_begin[t] &&
            !(d.start[i - 1] < d.start[i] ||
              (d.start[i - 1] == d.start[i] && d.span_id[i - 1] < d.span_id[i])))
          return data_loss(where + "spans of trace " + d.trace_id[t].to_hex() +
                           " not sorted by (start, span ID)");
      }
      if (start != d.trace_start[t] || end - start != d.trace_duration[t])
        return data_loss(where + "trace " + d.trace_id[t].to_hex() +
                         ": start/duration disagree with its spans");
      pmin = std::min(pmin, start);
      pmax = std::max(pmax, start);
      dmin = std::min(dmin, end - start);
      dmax = std::max(dmax, end - start);
      max_end = std::max(max_end, end);
    }
    if (pmin != pe.min_start || pmax != pe.max_start)
      return data_loss(where + "trace start range disagrees with the directory");
    if (dmin != pe.min_duration || dmax != pe.max_duration)
      return data_loss(where + "trace duration range disagrees with the directory");
    min_start = std::min(min_start, pmin);
    max_start = std::max(max_start, pmax);
  }
  std::sort(where_is.begin(), where_is.end());
  size_t k = 0;
  for (uint32_t c = 0; c < f_.id_index.size(); ++c) {
    WEFT_ASSIGN_OR_RETURN(std::string bytes, read_id_chunk(c));
    for (uint32_t e = 0; e < f_.id_index[c].entries; ++e, ++k) {
      const char* entry = bytes.data() + e * kIdIndexEntryBytes;
      if (k >= where_is.size() || std::string_view(entry, 16) != where_is[k].first.as_bytes() ||
          coding::decode_fixed32(entry + 16) != where_is[k].second ||
          (e == 0 && f_.id_index[c].first != where_is[k].first))
        return data_loss(path_ + ": trace-ID index chunk " + std::to_string(c) + " entry " +
                         std::to_string(e) + " disagrees with the pages");
    }
  }
  if (k != where_is.size()) return data_loss(path_ + ": trace-ID index misses traces");
  for (const SplitTrace& st : f_.split_traces)
    if (!std::binary_search(where_is.begin(), where_is.end(), std::pair(st.id, uint32_t{0}),
                            [](const auto& a, const auto& b) { return a.first < b.first; }))
      return data_loss(path_ + ": split-trace list names " + st.id.to_hex() +
                       ", which the block does not hold");
  const BlockMeta& m = f_.meta;
  if (min_start != m.min_start || max_start != m.max_start || max_end != m.max_end)
    return data_loss(path_ + ": block time range disagrees with its pages");
  return Status::ok();
}

std::vector<BlockColumnBytes> BlockReaderImpl::column_bytes() const {
  std::vector<BlockColumnBytes> out(kNumStreams);
  for (int s = 0; s < kNumStreams; ++s) out[s].column = kStreamNames[s];
  for (const PageEntry& p : f_.pages)
    for (int s = 0; s < kNumStreams; ++s) {
      out[s].compressed += p.streams[s].stored;
      out[s].uncompressed += p.streams[s].raw;
    }
  return out;
}

}  // namespace block
}  // namespace weft::store
