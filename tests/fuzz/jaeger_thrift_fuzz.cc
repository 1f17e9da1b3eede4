// Fuzz target: Jaeger Thrift (src/wire/jaeger_thrift.h, docs/format/jaeger-thrift.md). The
// first byte picks the entry point (0: a bare binary-protocol Batch as POST /api/traces
// takes it; 1: an Agent.emitBatch datagram in the compact protocol, port 6831; 2: the same
// in the binary protocol, port 6832); the rest is the input. Checks, besides no crash / UB /
// leak / read outside the input:
//   * a failed decode has a message and leaves the result as it was (a span put there
//     first is still the only one, nothing counted as rejected);
//   * every decoded span has non-zero trace and span IDs, ends no earlier than it starts,
//     has a resource and a scope, and its links have non-zero IDs; every rejected span has
//     a message (a message whose arguments repeat field 1 holds two batches, each with its
//     own resource: both are decoded);
//   * decoding is deterministic: a second decode gives the same spans (doubles compared
//     bit for bit, so that a NaN tag equals itself).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "wire/jaeger_thrift.h"

using namespace weft;
using namespace weft::model;
using namespace weft::wire;

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "jaeger_thrift_fuzz: %s\n", what);
  std::abort();
}

// Jaeger values are flat (string, double, bool, int64, bytes): doubles bit for bit.
bool same_value(const AnyValue& a, const AnyValue& b) {
  const double* x = a.as_double();
  const double* y = b.as_double();
  if (x && y) return std::memcmp(x, y, sizeof(double)) == 0;
  return a == b;
}
bool same_kvs(const KeyValueList& a, const KeyValueList& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].key != b[i].key || !same_value(a[i].value, b[i].value)) return false;
  return true;
}
bool same(const Span& a, const Span& b) {
  if (a.trace_id != b.trace_id || a.span_id != b.span_id || a.parent_span_id != b.parent_span_id ||
      a.flags != b.flags || a.name != b.name || a.kind != b.kind ||
      a.start_time_unix_nano != b.start_time_unix_nano ||
      a.end_time_unix_nano != b.end_time_unix_nano || !(a.status == b.status) ||
      !same_kvs(a.attributes, b.attributes) ||
      !same_kvs(a.resource->attributes, b.resource->attributes) ||
      a.events.size() != b.events.size() || a.links.size() != b.links.size())
    return false;
  for (size_t i = 0; i < a.events.size(); ++i)
    if (a.events[i].time_unix_nano != b.events[i].time_unix_nano ||
        a.events[i].name != b.events[i].name ||
        !same_kvs(a.events[i].attributes, b.events[i].attributes))
      return false;
  for (size_t i = 0; i < a.links.size(); ++i)
    if (a.links[i].trace_id != b.links[i].trace_id || a.links[i].span_id != b.links[i].span_id ||
        !same_kvs(a.links[i].attributes, b.links[i].attributes))
      return false;
  return true;
}

Status decode(int entry, std::string_view in, DecodeResult* out) {
  switch (entry) {
    case 0:
      return decode_jaeger_thrift_batch(in, out);
    case 1:
      return decode_jaeger_thrift_emit_batch(in, ThriftProtocol::kCompact, out);
    default:
      return decode_jaeger_thrift_emit_batch(in, ThriftProtocol::kBinary, out);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int entry = data[0] % 3;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);

  DecodeResult r;
  Span& sentinel = r.batch.spans.emplace_back();
  sentinel.name = "sentinel";
  Status st = decode(entry, in, &r);
  if (!st.is_ok()) {
    if (st.message().empty()) fail("an error without a message");
    if (r.batch.spans.size() != 1 || r.batch.spans[0].name != "sentinel" || r.rejected_spans != 0 ||
        !r.errors.empty())
      fail("a failed decode changed the result");
    return 0;
  }
  if (r.errors.size() > DecodeResult::kMaxErrors ||
      r.errors.size() > static_cast<size_t>(r.rejected_spans))
    fail("more error messages than rejected spans");
  for (const std::string& e : r.errors)
    if (e.empty()) fail("a rejected span without a message");
  for (size_t i = 1; i < r.batch.spans.size(); ++i) {
    const Span& s = r.batch.spans[i];
    if (s.trace_id.is_zero()) fail("zero trace ID");
    if (s.span_id.is_zero()) fail("zero span ID");
    if (s.end_time_unix_nano < s.start_time_unix_nano) fail("end before start");
    if (!s.resource || !s.scope) fail("no resource or scope");
    for (const SpanLink& l : s.links)
      if (l.trace_id.is_zero() || l.span_id.is_zero()) fail("a link with a zero ID");
  }

  DecodeResult again;
  again.batch.spans.emplace_back().name = "sentinel";
  if (!decode(entry, in, &again).is_ok()) fail("the second decode failed");
  if (again.batch.spans.size() != r.batch.spans.size() || again.rejected_spans != r.rejected_spans)
    fail("decoding is not deterministic");
  for (size_t i = 1; i < r.batch.spans.size(); ++i)
    if (!same(again.batch.spans[i], r.batch.spans[i])) fail("decoding is not deterministic");
  return 0;
}
