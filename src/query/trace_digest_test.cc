#include "query/trace_digest.h"

#include <gtest/gtest.h>

namespace weft::query {

using namespace weft::model;

namespace {

std::shared_ptr<const Resource> service(const std::string& name) {
  auto r = std::make_shared<Resource>();
  r->attributes.push_back({"service.name", name});
  return r;
}

Span span(uint8_t id, uint8_t parent, uint64_t start, uint64_t end,
          std::shared_ptr<const Resource> res, bool error = false) {
  Span s;
  s.trace_id.bytes[15] = 1;
  s.span_id.bytes[7] = id;
  s.parent_span_id.bytes[7] = parent;
  s.name = "op" + std::to_string(id);
  s.start_time_unix_nano = start;
  s.end_time_unix_nano = end;
  s.resource = std::move(res);
  s.scope = std::make_shared<InstrumentationScope>();
  if (error) s.status.code = SpanStatusCode::kError;
  return s;
}

TEST(DigestTrace, CountsServicesErrorsAndOrphans) {
  auto a = service("a"), b = service("b");
  Trace t;
  t.trace_id.bytes[15] = 1;
  t.spans.push_back(span(1, 0, 100, 900, a));
  t.spans.push_back(span(2, 1, 200, 300, b, true));
  t.spans.push_back(span(3, 9, 250, 1000, b));  // parent 9 is missing: an orphan
  TraceDigest d = digest_trace(t);
  EXPECT_EQ(d.summary.start_unix_nano, 100u);
  EXPECT_EQ(d.summary.end_unix_nano, 1000u);
  EXPECT_EQ(d.summary.root_service, "a");
  EXPECT_EQ(d.summary.root_name, "op1");
  EXPECT_EQ(d.summary.span_count, 3u);
  EXPECT_EQ(d.summary.error_count, 1u);
  EXPECT_EQ(d.orphan_span_count, 1u);
  ASSERT_EQ(d.services.size(), 2u);
  EXPECT_EQ(d.services[0].name, "a");
  EXPECT_EQ(d.services[0].span_count, 1u);
  EXPECT_EQ(d.services[0].error_count, 0u);
  EXPECT_EQ(d.services[1].name, "b");
  EXPECT_EQ(d.services[1].span_count, 2u);
  EXPECT_EQ(d.services[1].error_count, 1u);
}

TEST(DigestTrace, WithoutRootTakesEarliestSpan) {
  Trace t;
  t.spans.push_back(span(2, 7, 50, 60, service("late")));
  t.spans.push_back(span(3, 7, 10, 20, service("early")));
  EXPECT_EQ(digest_trace(t).summary.root_service, "early");
}

}  // namespace
}  // namespace weft::query
