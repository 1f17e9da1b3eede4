#include "metrics/internal/segment_set.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "metrics/batch_aggregate.h"

namespace weft::pipeline::metrics {

namespace {

void add_minute(std::vector<uint64_t>& v, uint64_t minute) {
  if (!v.empty() && v.back() == minute) return;  // the common case: in time order
  auto at = std::lower_bound(v.begin(), v.end(), minute);
  if (at == v.end() || *at != minute) v.insert(at, minute);
}

}  // namespace

void SegmentSet::Extent::add(const BucketRecord& r) {
  auto& slot = r.type == RecordType::kMinute ? max_minute_start : max_ten_start;
  slot = std::max(slot.value_or(0), r.bucket_start_unix_nano);
  if (r.type == RecordType::kMinute)
    min_minute_start = std::min(min_minute_start.value_or(UINT64_MAX), r.bucket_start_unix_nano);
  else
    add_minute(ten_minutes, r.bucket_start_unix_nano - r.bucket_start_unix_nano % kOneMinute);
}

bool SegmentSet::Extent::has_ten_in(uint64_t lo, uint64_t hi) const {
  if (lo >= hi) return false;
  // A minute [m, m + 1 min) may hold a delta in [lo, hi) iff m < hi and m + 1 min > lo.
  auto it = std::lower_bound(ten_minutes.begin(), ten_minutes.end(),
                             lo >= kOneMinute ? lo - kOneMinute + 1 : 0);
  return it != ten_minutes.end() && *it < hi;
}

void SegmentSet::Extent::add(const Extent& e) {
  if (e.max_ten_start) max_ten_start = std::max(max_ten_start.value_or(0), *e.max_ten_start);
  if (e.max_minute_start)
    max_minute_start = std::max(max_minute_start.value_or(0), *e.max_minute_start);
  if (e.min_minute_start)
    min_minute_start = std::min(min_minute_start.value_or(UINT64_MAX), *e.min_minute_start);
  for (uint64_t m : e.ten_minutes) add_minute(ten_minutes, m);
}

Result<std::unique_ptr<SegmentSet>> SegmentSet::open(
    const std::string& dir, uint64_t max_bytes, Loaded* loaded,
    const std::function<void(BucketRecord&&)>& on_record,
    const std::function<void()>& on_segment_end) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return io_error("creating " + dir + ": " + ec.message());
  std::unique_ptr<SegmentSet> set(new SegmentSet(dir, max_bytes));
  WEFT_ASSIGN_OR_RETURN(auto names, list_segments(dir));
  for (const SegmentName& n : names) {
    WEFT_ASSIGN_OR_RETURN(std::string bytes, read_whole_file(n.path));
    Segment seg{n.seq, n.path, {}, bytes.size(), 0};
    SegmentContents c = scan_segment(bytes, [&](BucketRecord&& r) {
      seg.extent.add(r);
      on_record(std::move(r));
    });
    loaded->damaged_bytes += c.damaged_bytes;
    // Reads back stop where this read stopped: they see exactly the records reloaded.
    seg.length = seg.published = bytes.size() - c.damaged_bytes;
    {
      std::lock_guard lock(set->list_mu_);
      set->segments_.push_back(std::move(seg));
    }
    bytes.clear();
    bytes.shrink_to_fit();
    on_segment_end();
    set->next_seq_ = n.seq + 1;
  }
  return set;
}

Status SegmentSet::append(const std::vector<BucketRecord>& records) {
  for (const BucketRecord& r : records) {
    append_record(unwritten_, r);
    unwritten_extent_.add(r);
  }
  if (unwritten_.empty()) return Status::ok();
  if (need_new_segment_ || !writer_ || writer_->size() >= max_bytes_) {
    writer_.reset();
    auto w = SegmentWriter::create(dir_, next_seq_);
    if (!w.is_ok()) {
      need_new_segment_ = true;
      if (unwritten_.size() > kMaxUnwritten) {
        dropped_unwritten_ += unwritten_.size();
        unwritten_.clear();
        unwritten_extent_ = {};
      }
      return w.status();
    }
    {
      std::lock_guard lock(list_mu_);
      segments_.push_back({next_seq_, w->path(), {}, w->size(), 0});
    }
    ++next_seq_;
    writer_.emplace(std::move(*w));
    need_new_segment_ = false;
  }
  Status s = writer_->append(unwritten_);
  if (!s.is_ok()) {
    need_new_segment_ = true;
    if (unwritten_.size() > kMaxUnwritten) {
      dropped_unwritten_ += unwritten_.size();
      unwritten_.clear();
      unwritten_extent_ = {};
    }
    return s;
  }
  {
    std::lock_guard lock(list_mu_);
    segments_.back().extent.add(unwritten_extent_);
    segments_.back().length = writer_->size();
  }
  unwritten_.clear();
  unwritten_extent_ = {};
  return Status::ok();
}

void SegmentSet::drop_expired(uint64_t ten_horizon, uint64_t minute_cutoff) {
  if (!unwritten_.empty()) return;
  auto expired = [&](const Segment& s) {
    if (writer_ && s.seq == writer_->seq()) return false;
    const Extent& e = s.extent;
    if (e.max_ten_start && *e.max_ten_start >= ten_horizon) return false;
    if (e.max_minute_start && *e.max_minute_start + kOneMinute > minute_cutoff) return false;
    return true;
  };
  std::lock_guard lock(list_mu_);
  std::erase_if(segments_, [&](const Segment& s) {
    if (!expired(s)) return false;
    ::unlink(s.path.c_str());  // a failure leaves a file the next open reads and expires again
    return true;
  });
}

std::vector<SegmentSet::Readable> SegmentSet::readable(uint64_t minute_lo, uint64_t minute_hi,
                                                       uint64_t ten_lo, uint64_t ten_hi) const {
  std::vector<Readable> out;
  std::lock_guard lock(list_mu_);
  for (const Segment& s : segments_) {
    const Extent& e = s.extent;
    const bool minutes = minute_lo < minute_hi && e.min_minute_start &&
                         *e.min_minute_start < minute_hi && *e.max_minute_start >= minute_lo;
    if ((minutes || e.has_ten_in(ten_lo, ten_hi)) && s.published > 0)
      out.push_back({s.path, s.published});
  }
  return out;
}

void SegmentSet::publish() {
  std::lock_guard lock(list_mu_);
  for (Segment& s : segments_) s.published = s.length;
}

}  // namespace weft::pipeline::metrics
