// BlockWriter: traces -> pages (PageEncoder) -> compressed streams in the file; the
// dictionaries, blooms and page directory go into the footer at finish().
#include "store/block/block_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/crc32c.h"
#include "store/block/block_footer.h"
#include "store/block/bloom_filter.h"
#include "store/block/column_streams.h"
#include "store/block/page_encoder.h"

namespace weft::store {

using namespace weft::model;

namespace {

using namespace block;

class BlockWriterImpl final : public BlockWriter {
 public:
  BlockWriterImpl(std::string path, int fd, const BlockWriterOptions& options)
      : path_(std::move(path)),
        fd_(fd),
        options_(options),
        dicts_(options.max_dict_values_per_key),
        page_(&dicts_) {}
  ~BlockWriterImpl() override {
    if (fd_ >= 0) ::close(fd_);
  }

  Status write_header() {
    std::string h(kMagic);
    coding::put_fixed32(h, kFormatVersion);
    coding::put_fixed32(h, crc32c::mask(crc32c::value(h)));
    return write(h);
  }

  Status add_trace(const Trace& trace) override {
    if (finished_) return invalid_argument("block writer: add_trace after finish");
    if (trace.spans.empty()) return invalid_argument("block writer: trace without spans");
    uint64_t start = UINT64_MAX, end = 0;
    for (const Span& s : trace.spans) {
      if (s.trace_id != trace.trace_id)
        return invalid_argument("block writer: span " + s.span_id.to_hex() + " of trace " +
                                s.trace_id.to_hex() + " in trace " + trace.trace_id.to_hex());
      start = std::min(start, s.start_time_unix_nano);
      end = std::max(end, std::max(s.start_time_unix_nano, s.end_time_unix_nano));
    }
    if (added_traces_ > 0 &&
        !(std::pair(last_start_, last_trace_) < std::pair(start, trace.trace_id)))
      return invalid_argument("block writer: trace " + trace.trace_id.to_hex() + " (start " +
                              std::to_string(start) + ") is not after " + last_trace_.to_hex() +
                              " (start " + std::to_string(last_start_) + ")");
    last_trace_ = trace.trace_id;
    last_start_ = start;
    ++added_traces_;
    trace_hashes_.push_back(hash_trace_id(trace.trace_id));
    meta_.min_start = std::min(meta_.min_start, start);
    meta_.max_start = std::max(meta_.max_start, start);
    meta_.max_end = std::max(meta_.max_end, end);
    meta_.spans += trace.spans.size();
    meta_.traces += 1;
    // A trace that fills a page alone gets a page of its own: trace by ID then reads only it.
    if (page_.traces() > 0 && trace.spans.size() >= options_.page_spans)
      WEFT_RETURN_IF_ERROR(flush_page());
    id_pages_.emplace_back(trace.trace_id, static_cast<uint32_t>(pages_.size()));
    page_.add_trace(trace);
    if (page_.spans() >= options_.page_spans) return flush_page();
    return Status::ok();
  }

  Result<BlockMeta> finish() override {
    if (finished_) return invalid_argument("block writer: finish called twice");
    if (added_traces_ == 0) return invalid_argument("block writer: no traces");
    if (page_.traces() > 0) WEFT_RETURN_IF_ERROR(flush_page());
    finished_ = true;
    Footer f;
    WEFT_RETURN_IF_ERROR(write_id_index(&f.id_index));
    f.meta = meta_;
    f.meta.id = options_.id;
    f.meta.level = options_.level;
    dicts_.fill_footer(&f);
    f.trace_bloom = BloomFilter::build(std::move(trace_hashes_), kTraceBloomBitsPerKey);
    f.pages = std::move(pages_);
    std::sort(split_.begin(), split_.end(),
              [](const SplitTrace& a, const SplitTrace& b) { return a.id < b.id; });
    split_.erase(std::unique(split_.begin(), split_.end(),
                             [](const SplitTrace& a, const SplitTrace& b) { return a.id == b.id; }),
                 split_.end());
    f.split_traces = std::move(split_);
    std::string raw;
    encode_footer(f, &raw);
    std::string stored;
    (void)zstd_compress(raw, options_.zstd_level, &stored);  // a frame even if not smaller
    const uint64_t footer_offset = offset_;
    std::string trailer;
    coding::put_fixed64(trailer, footer_offset);
    coding::put_fixed64(trailer, stored.size());
    coding::put_fixed64(trailer, raw.size());
    coding::put_fixed32(trailer, crc32c::mask(crc32c::value(stored)));
    coding::put_fixed32(trailer, kFormatVersion);
    trailer.append(kMagic);
    WEFT_RETURN_IF_ERROR(write(stored));
    WEFT_RETURN_IF_ERROR(write(trailer));
    if (::fsync(fd_) != 0) return errno_status("fsync", path_, errno);
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return errno_status("close", path_, errno);
    BlockMeta m = f.meta;
    m.file_bytes = offset_;
    return m;
  }

  void mark_split(const TraceId& id, uint64_t start) override { split_.push_back({id, start}); }

  uint64_t bytes_written() const override { return offset_; }
  uint64_t spans_added() const override { return meta_.spans; }

 private:
  Status flush_page() {
    std::array<std::string, kNumStreams> raw;
    PageEntry entry;
    page_.finish(&raw, &entry);
    entry.offset = offset_;
    buf_.clear();
    std::string compressed;
    for (int i = 0; i < kNumStreams; ++i) {
      StreamEntry& se = entry.streams[i];
      se.raw = raw[i].size();
      if (raw[i].empty()) continue;
      std::string_view stored = raw[i];
      se.encoding = kStoredRaw;
      if (zstd_compress(raw[i], options_.zstd_level, &compressed)) {
        se.encoding = kStoredZstd;
        stored = compressed;
      }
      se.stored = stored.size();
      se.crc = crc32c::mask(crc32c::value(stored));
      buf_.append(stored);
    }
    pages_.push_back(entry);
    return write(buf_);
  }

  // The trace-ID index after the pages: (trace ID, page) in ID order, in chunks.
  Status write_id_index(std::vector<IdIndexChunk>* chunks) {
    std::sort(id_pages_.begin(), id_pages_.end());
    for (size_t i = 1; i < id_pages_.size(); ++i)
      if (id_pages_[i - 1].first == id_pages_[i].first)
        return invalid_argument("block writer: trace " + id_pages_[i].first.to_hex() +
                                " added twice");
    for (size_t at = 0; at < id_pages_.size(); at += kIdIndexChunkEntries) {
      const size_t n = std::min<size_t>(kIdIndexChunkEntries, id_pages_.size() - at);
      buf_.clear();
      for (size_t i = at; i < at + n; ++i) {
        buf_.append(id_pages_[i].first.as_bytes());
        coding::put_fixed32(buf_, id_pages_[i].second);
      }
      IdIndexChunk ch;
      ch.first = id_pages_[at].first;
      ch.entries = static_cast<uint32_t>(n);
      ch.crc = crc32c::mask(crc32c::value(buf_));
      ch.offset = offset_;
      chunks->push_back(ch);
      WEFT_RETURN_IF_ERROR(write(buf_));
    }
    std::vector<std::pair<TraceId, uint32_t>>().swap(id_pages_);
    return Status::ok();
  }

  Status write(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return errno_status("writing", path_, errno);
      }
      data.remove_prefix(static_cast<size_t>(n));
      offset_ += static_cast<uint64_t>(n);
    }
    return Status::ok();
  }

  std::string path_;
  int fd_;
  BlockWriterOptions options_;
  BlockDictionaries dicts_;
  PageEncoder page_;
  BlockMeta meta_{.min_start = UINT64_MAX};
  std::vector<PageEntry> pages_;
  std::vector<uint64_t> trace_hashes_;
  std::vector<SplitTrace> split_;
  TraceId last_trace_;
  uint64_t last_start_ = 0;
  std::vector<std::pair<TraceId, uint32_t>> id_pages_;  // every trace's page
  uint64_t added_traces_ = 0;
  uint64_t offset_ = 0;
  bool finished_ = false;
  std::string buf_;
};

}  // namespace

Result<std::unique_ptr<BlockWriter>> BlockWriter::create(const std::string& path,
                                                         const BlockWriterOptions& options) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno_status("creating", path, errno);
  auto w = std::make_unique<BlockWriterImpl>(path, fd, options);
  WEFT_RETURN_IF_ERROR(w->write_header());
  return std::unique_ptr<BlockWriter>(std::move(w));
}

}  // namespace weft::store
