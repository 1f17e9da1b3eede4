#include "loadgen/batch_cutter.h"

#include <algorithm>
#include <iterator>

#include "common/status.h"

namespace weft::loadgen {

using namespace weft::model;

BatchCutter::BatchCutter(const WorkloadOptions& options, size_t batch_spans, uint64_t max_spans)
    : generator_(options), batch_spans_(batch_spans), max_spans_(max_spans) {
  WEFT_CHECK(batch_spans > 0);
}

bool BatchCutter::next(std::vector<Span>* out) {
  out->clear();
  size_t want = batch_spans_;
  if (max_spans_ != 0) want = static_cast<size_t>(std::min<uint64_t>(want, max_spans_ - emitted_));
  while (out->size() < want) {
    if (pending_at_ == pending_.spans.size()) {
      pending_ = generator_.next_trace();
      pending_at_ = 0;
    }
    const size_t take = std::min(want - out->size(), pending_.spans.size() - pending_at_);
    auto first = pending_.spans.begin() + static_cast<std::ptrdiff_t>(pending_at_);
    out->insert(out->end(), std::make_move_iterator(first),
                std::make_move_iterator(first + static_cast<std::ptrdiff_t>(take)));
    pending_at_ += take;
  }
  emitted_ += out->size();
  return !out->empty();
}

}  // namespace weft::loadgen
