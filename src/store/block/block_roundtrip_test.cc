// Block round trip: every model field survives BlockWriter -> BlockReader (scan, get_trace,
// read_page_traces), pages split at whole traces, a 100k-span trace, absent IDs.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "store/block/block_test_traces.h"
#include "store/testing/temp_dir.h"

namespace weft::store {

using namespace weft::model;

namespace {

using namespace testing;

TEST(BlockFileName, RoundTrip) {
  EXPECT_EQ(block_file_name(0x1a2b), "0000000000001a2b.blk");
  uint64_t id = 0;
  EXPECT_TRUE(parse_block_file_name("0000000000001a2b.blk", &id));
  EXPECT_EQ(id, 0x1a2bu);
  EXPECT_TRUE(parse_block_file_name(block_file_name(UINT64_MAX), &id));
  EXPECT_EQ(id, UINT64_MAX);
  EXPECT_FALSE(parse_block_file_name("0000000000001a2b.blk.tmp", &id));
  EXPECT_FALSE(parse_block_file_name("0000000000001A2B.blk", &id));
  EXPECT_FALSE(parse_block_file_name("000000000001a2b.blk", &id));
  EXPECT_FALSE(parse_block_file_name("MANIFEST", &id));
}

TEST(BlockRoundTrip, RichTracesScanAndGet) {
  TempDir dir;
  const std::string path = dir.path() + "/rich.blk";
  std::vector<Trace> want = in_block_order(rich_traces(400));
  BlockWriterOptions o;
  o.id = 42;
  o.level = 1;
  o.page_spans = 64;
  o.max_dict_values_per_key = 16;  // user.id overflows
  BlockMeta m = write_block(path, want, o);
  uint64_t spans = 0;
  for (const Trace& t : want) spans += t.spans.size();
  EXPECT_EQ(m.id, 42u);
  EXPECT_EQ(m.level, 1u);
  EXPECT_EQ(m.spans, spans);
  EXPECT_EQ(m.traces, want.size());

  auto r = open_block(path);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->meta().spans, spans);
  EXPECT_EQ(r->meta().file_bytes, m.file_bytes);
  EXPECT_EQ(r->meta().min_start, m.min_start);
  EXPECT_GT(r->pages(), 10u);
  ASSERT_TRUE(r->verify().is_ok()) << r->verify().to_string();

  size_t i = 0;
  std::map<const Resource*, Resource> seen;  // resource pointers after decoding
  Status s = r->scan([&](Trace&& t) {
    EXPECT_LT(i, want.size());
    if (i < want.size()) {
      EXPECT_TRUE(same_trace(want[i], t));
    }
    for (const Span& sp : t.spans)
      if (sp.resource) seen.emplace(sp.resource.get(), *sp.resource);
    ++i;
    return true;
  });
  ASSERT_TRUE(s.is_ok()) << s.to_string();
  EXPECT_EQ(i, want.size());
  // Interned: one object per distinct resource value.
  std::set<std::string> distinct;
  for (const auto& [p, res] : seen)
    distinct.insert(std::string(res.service_name()) + "/" + std::to_string(res.attributes.size()));
  EXPECT_EQ(seen.size(), distinct.size());

  for (const Trace& t : want) {
    auto got = r->get_trace(t.trace_id);
    ASSERT_TRUE(got.is_ok()) << got.status().to_string();
    ASSERT_TRUE(got->has_value()) << t.trace_id.to_hex();
    EXPECT_TRUE(same_trace(t, **got));
    EXPECT_TRUE(r->may_contain(t.trace_id));
  }
  // Absent IDs: before, between and after the stored ones.
  std::set<TraceId> ids;
  for (const Trace& t : want) ids.insert(t.trace_id);
  for (uint64_t n : {uint64_t{0}, uint64_t{1}, uint64_t{777}, UINT64_MAX - 1, uint64_t{1} << 40}) {
    TraceId id = trace_id(n);
    if (ids.count(id)) continue;
    auto got = r->get_trace(id);
    ASSERT_TRUE(got.is_ok());
    EXPECT_FALSE(got->has_value());
  }
  TraceId between = want[want.size() / 2].trace_id;
  between.bytes[15] ^= 1;
  if (!ids.count(between)) {
    auto got = r->get_trace(between);
    ASSERT_TRUE(got.is_ok());
    EXPECT_FALSE(got->has_value());
  }

  // Many at once: each found trace equals get_trace's, absent ones are skipped, and an ID
  // asked twice is answered twice.
  std::vector<TraceId> asked;
  for (size_t j = want.size(); j-- > 0;)
    if (j % 3 != 1) asked.push_back(want[j].trace_id);  // reversed: not in block order
  asked.push_back(trace_id(777));
  asked.push_back(between);
  asked.push_back(want[5].trace_id);
  std::vector<int> answered(asked.size(), 0);
  Status batch = r->get_traces(asked, [&](size_t at, Trace&& t) {
    ASSERT_LT(at, asked.size());
    ++answered[at];
    EXPECT_EQ(t.trace_id, asked[at]);
    auto one = r->get_trace(asked[at]);
    ASSERT_TRUE(one.is_ok() && one->has_value());
    EXPECT_TRUE(same_trace(**one, t));
  });
  ASSERT_TRUE(batch.is_ok()) << batch.to_string();
  for (size_t j = 0; j < asked.size(); ++j)
    EXPECT_EQ(answered[j], ids.count(asked[j]) ? 1 : 0) << j;

  // Pull form: pages concatenated equal the scan.
  size_t k = 0;
  for (uint32_t p = 0; p < r->pages(); ++p) {
    auto traces = r->read_page_traces(p);
    ASSERT_TRUE(traces.is_ok()) << traces.status().to_string();
    uint64_t page_spans = 0;
    for (const Trace& t : *traces) {
      EXPECT_TRUE(same_trace(want[k++], t));
      page_spans += t.spans.size();
    }
    EXPECT_GE(page_spans, 1u);
  }
  EXPECT_EQ(k, want.size());
  EXPECT_FALSE(r->read_page_traces(r->pages()).is_ok());

  // Scan stops when asked.
  size_t calls = 0;
  ASSERT_TRUE(r->scan([&](Trace&&) { return ++calls < 3; }).is_ok());
  EXPECT_EQ(calls, 3u);
}

TEST(BlockRoundTrip, ResourcePointersShared) {
  TempDir dir;
  const std::string path = dir.path() + "/share.blk";
  auto res = resource("front");
  std::vector<Trace> traces;
  for (uint64_t t = 1; t <= 3; ++t) {
    Trace tr{trace_id(t), {}};
    for (uint64_t i = 1; i <= 3; ++i) {
      Span s = make_span(t, i, i == 1 ? 0 : 1, "front", "GET /", i, 5);
      s.resource = res;
      tr.spans.push_back(s);
    }
    traces.push_back(tr);
  }
  write_block(path, traces);
  auto r = open_block(path);
  ASSERT_TRUE(r);
  std::set<const Resource*> ptrs;
  ASSERT_TRUE(r->scan([&](Trace&& t) {
                 for (const Span& s : t.spans) ptrs.insert(s.resource.get());
                 return true;
               }).is_ok());
  EXPECT_EQ(ptrs.size(), 1u);
}

TEST(BlockRoundTrip, HugeTraceIsOnePage) {
  TempDir dir;
  const std::string path = dir.path() + "/huge.blk";
  std::vector<Trace> traces;
  Trace big{trace_id(5), {}};
  const int n = 100000;
  big.spans.reserve(n);
  for (int i = 0; i < n; ++i) {
    Span s = make_span(5, i + 1, i == 0 ? 0 : (i + 1) / 2, "svc-" + std::to_string(i % 20),
                       "op-" + std::to_string(i % 50), i / 10, 1 + i % 7, SpanKind::kInternal,
                       {{"i", AnyValue(int64_t{i})}, {"s", "v" + std::to_string(i % 3000)}});
    big.spans.push_back(std::move(s));
  }
  traces.push_back(big);
  traces.push_back(Trace{trace_id(4), {make_span(4, 1, 0, "a", "b", 0, 1)}});
  traces.push_back(Trace{trace_id(6), {make_span(6, 1, 0, "a", "b", 0, 1)}});
  BlockWriterOptions o;
  o.page_spans = 1000;
  write_block(path, traces, o);
  auto r = open_block(path);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->pages(), 3u);  // {4}, {5} alone, {6}
  ASSERT_TRUE(r->verify().is_ok());
  auto got = r->get_trace(trace_id(5));
  ASSERT_TRUE(got.is_ok() && got->has_value());
  Trace want = big;
  sort_spans(want);
  EXPECT_TRUE(same_trace(want, **got));
}

TEST(BlockWriter, RejectsBadInput) {
  TempDir dir;
  auto w = BlockWriter::create(dir.path() + "/bad.blk", {});
  ASSERT_TRUE(w.is_ok());
  EXPECT_FALSE((*w)->finish().is_ok());  // nothing added
  EXPECT_FALSE((*w)->add_trace(Trace{trace_id(1), {}}).is_ok());
  ASSERT_TRUE((*w)->add_trace(Trace{trace_id(2), {make_span(2, 1, 0, "a", "b", 0, 1)}}).is_ok());
  EXPECT_FALSE((*w)->add_trace(Trace{trace_id(2), {make_span(2, 1, 0, "a", "b", 0, 1)}}).is_ok());
  EXPECT_FALSE((*w)->add_trace(Trace{trace_id(1), {make_span(1, 1, 0, "a", "b", 0, 1)}}).is_ok());
  EXPECT_FALSE((*w)->add_trace(Trace{trace_id(3), {make_span(4, 1, 0, "a", "b", 0, 1)}}).is_ok());
  EXPECT_EQ((*w)->spans_added(), 1u);
  auto m = (*w)->finish();
  ASSERT_TRUE(m.is_ok());
  EXPECT_EQ(m->traces, 1u);
  EXPECT_GT((*w)->bytes_written(), 0u);
  EXPECT_FALSE(BlockWriter::create("/nonexistent-dir/x.blk", {}).is_ok());
}

TEST(BlockWriter, RefusesATraceAddedTwice) {
  // The same trace ID again at a later start passes the order check; finish() catches it.
  TempDir dir;
  auto w = BlockWriter::create(dir.path() + "/twice.blk", {});
  ASSERT_TRUE(w.is_ok());
  ASSERT_TRUE((*w)->add_trace(Trace{trace_id(5), {make_span(5, 1, 0, "a", "b", 0, 1)}}).is_ok());
  ASSERT_TRUE((*w)->add_trace(Trace{trace_id(5), {make_span(5, 2, 0, "a", "b", 9, 1)}}).is_ok());
  auto m = (*w)->finish();
  ASSERT_FALSE(m.is_ok());
  EXPECT_NE(m.status().message().find("added twice"), std::string::npos) << m.status().to_string();
}

TEST(BlockReader, OpenErrors) {
  TempDir dir;
  auto r = BlockReader::open(dir.path() + "/missing.blk");
  EXPECT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), ResultCode::kIOError);
}

}  // namespace
}  // namespace weft::store
