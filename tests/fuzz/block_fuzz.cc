// Fuzz target: a block file (docs/format/block.md) of arbitrary bytes. BlockReader::open
// must refuse what it cannot read with a Status, and every reader call on a block that did
// open must return (OK or an error), never crash, hang or allocate without bound.
#include <cstddef>
#include <cstdint>
#include <optional>

#include "fuzz_util.h"
#include "model/query.h"
#include "store/block/block_reader.h"

namespace {

weft::fuzz::InputFile& input() {
  static weft::fuzz::InputFile f;
  return f;
}

weft::model::TraceId fixed_id() {
  weft::model::TraceId id;
  for (size_t i = 0; i < id.bytes.size(); ++i) id.bytes[i] = static_cast<uint8_t>(0x11 * (i + 1));
  return id;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = input().write(data, size);
  auto opened = weft::store::BlockReader::open(path);
  if (!opened.is_ok()) return 0;
  const weft::store::BlockReader& r = **opened;

  (void)r.meta();
  (void)r.pages();
  (void)r.column_bytes();
  (void)r.verify();

  std::optional<weft::model::TraceId> first;
  size_t traces = 0;
  (void)r.scan([&](weft::model::Trace&& t) {
    if (!first) first = t.trace_id;
    return ++traces < 10000;
  });

  (void)r.may_contain(fixed_id());
  (void)r.get_trace(fixed_id());
  if (first) {
    (void)r.may_contain(*first);
    (void)r.get_trace(*first);
  }

  // A search the block's own dictionaries cannot rule out (a service and a tag it holds),
  // so it reads pages, and one that asks for the trace duration and a pseudo-tag.
  auto services = r.services();
  auto keys = r.attribute_keys();
  weft::model::TraceQuery q;
  q.service = services.empty() ? "svc" : services.front();
  if (!keys.empty()) {
    auto values = r.attribute_values(keys.front(), 10);
    q.tags.push_back({keys.front(), values.empty() ? "x" : values.front()});
  } else {
    q.tags.push_back({"http.status_code", "500"});
  }
  q.limit = 5;
  weft::store::BlockSearchState state;
  state.limit = q.limit;
  (void)r.search(q, &state);

  weft::model::TraceQuery by_duration;
  by_duration.order = weft::model::TraceOrder::kLongestFirst;
  by_duration.min_duration_nanos = 1;
  by_duration.tags.push_back({"error", "true"});
  weft::store::BlockSearchState state2;
  state2.limit = 3;
  (void)r.search(by_duration, &state2);

  (void)r.operations(q.service);
  return 0;
}
