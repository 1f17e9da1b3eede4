// Core SDK behaviour: spans, attributes of every type, status, events, links, context
// across threads, RpcIds, the processors and their counters. Spans go through the real
// pipeline (Init, a processor, the in-memory exporter).
#include <gtest/gtest.h>

#include <condition_variable>
#include <coroutine>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "weft/span_data.h"
#include "weft/weft.h"

namespace weft {
namespace {

struct Pipeline {
  std::shared_ptr<InMemoryExporter> exporter = std::make_shared<InMemoryExporter>();
  Sdk sdk;
  explicit Pipeline(bool simple = true, std::function<void(Options&)> tweak = {}) {
    Options o;
    o.service_name = "core-test";
    o.exporter = exporter;
    o.simple_processor = simple;
    o.flush_on_signal = false;
    if (tweak) tweak(o);
    sdk = Init(std::move(o));
  }
  std::vector<SpanData> spans() {
    sdk.ForceFlush();
    return exporter->spans();
  }
};

TEST(CoreSpan, NameTimesKindAndParentage) {
  Pipeline p;
  Tracer t = p.sdk.tracer("test-scope", "1.2");
  {
    Span parent = t.StartSpan("parent", SpanKind::kServer);
    Span child = t.StartSpan("child", SpanKind::kClient);
    EXPECT_EQ(child.trace_id(), parent.trace_id());
  }
  auto spans = p.spans();
  ASSERT_EQ(spans.size(), 2u);
  const SpanData& child = spans[0];
  const SpanData& parent = spans[1];
  EXPECT_EQ(child.name, "child");
  EXPECT_EQ(parent.name, "parent");
  EXPECT_EQ(child.kind, SpanKind::kClient);
  EXPECT_EQ(parent.kind, SpanKind::kServer);
  EXPECT_EQ(child.parent_span_id, parent.span_id);
  EXPECT_FALSE(parent.parent_span_id.valid());
  EXPECT_EQ(child.trace_id, parent.trace_id);
  EXPECT_LE(parent.start_ns, child.start_ns);
  EXPECT_LE(child.end_ns, parent.end_ns);
  EXPECT_GT(parent.end_ns, parent.start_ns);
  EXPECT_EQ(parent.scope_name, "test-scope");
  EXPECT_EQ(parent.scope_version, "1.2");
  EXPECT_TRUE(parent.flags & kTraceFlagSampled);
  // The context is restored once both spans ended.
  EXPECT_FALSE(Context::Current().span().valid());
}

// The span clock (weft/clock.h): the end is the start plus the ticks since (or a clock
// read), never before the start.
// Span starts: a clock read, or (within ~1 ms of the thread's last read, where the TSC is
// not the kernel's clock) that read plus the TSC ticks since. Either way in order and
// close to CLOCK_REALTIME, including once the anchor has expired.
TEST(CoreClock, SpanStartsFollowTheSystemClock) {
  detail::CalibrateClock(/*initial=*/true);
  for (int round = 0; round < 3; ++round) {
    const uint64_t before = RealtimeNanos();
    uint64_t tsc1 = 0, tsc2 = 0;
    const uint64_t first = detail::NowNanosAndTsc(&tsc1);
    const uint64_t second = detail::NowNanosAndTsc(&tsc2);
    const uint64_t after = RealtimeNanos();
    EXPECT_LE(first, second + 1'000);  // in order (to the rate error over one anchor)
    EXPECT_GE(first + 1'000'000, before);
    EXPECT_LE(second, after + 1'000'000);
    EXPECT_GE(detail::SpanEndNanos(second, tsc2), second);
    std::this_thread::sleep_for(std::chrono::milliseconds(3));  // past kAnchorTicks
  }
}

TEST(CoreClock, SpanEndIsNeverBeforeItsStart) {
  detail::CalibrateClock(/*initial=*/true);
  uint64_t tsc = 0;
  const uint64_t start = detail::NowNanosAndTsc(&tsc);
  EXPECT_GT(start, 1'600'000'000'000'000'000ull);  // after 2020: wall time, not uptime
  const uint64_t end = detail::SpanEndNanos(start, tsc);
  EXPECT_GE(end, start);
  EXPECT_LE(end, NowNanos() + 1'000'000);  // not ahead of the clock (by more than 1 ms)
  // Without a start tick the end is a clock read; a start in the future clamps it.
  EXPECT_GE(detail::SpanEndNanos(start, 0), start);
  const uint64_t future = NowNanos() + 3'600'000'000'000ull;
  EXPECT_EQ(detail::SpanEndNanos(future, 0), future);
  EXPECT_GE(detail::SpanEndNanos(future, tsc), future);
}

TEST(CoreSpan, AttributesOfEveryType) {
  Pipeline p;
  Value kv(KeyValueList{{"inner", Value(ValueArray{Value(1), Value("x")})}});
  {
    Span s = p.sdk.tracer().StartSpan("attrs");
    const int64_t ints[] = {1, -2, 300};
    const double doubles[] = {0.5, -1e300};
    const bool bools[] = {true, false};
    const std::string_view strs[] = {"a", "", "ccc"};
    s.SetAttribute("s", "text")
        .SetAttribute("i", -42)
        .SetAttribute("u", 7u)
        .SetAttribute("d", 2.5)
        .SetAttribute("b", true)
        .SetAttribute("ia", std::span<const int64_t>(ints))
        .SetAttribute("da", std::span<const double>(doubles))
        .SetAttribute("ba", std::span<const bool>(bools))
        .SetAttribute("sa", std::span<const std::string_view>(strs))
        .SetAttribute("bytes", AttrValue::BytesOf(std::string_view("\0\1\2", 3)))
        .SetAttribute("kv", kv);
  }
  auto spans = p.spans();
  ASSERT_EQ(spans.size(), 1u);
  const SpanData& s = spans[0];
  EXPECT_EQ(s.attribute("s")->as<std::string>(), "text");
  EXPECT_EQ(s.attribute("i")->as<int64_t>(), -42);
  EXPECT_EQ(s.attribute("u")->as<int64_t>(), 7);
  EXPECT_EQ(s.attribute("d")->as<double>(), 2.5);
  EXPECT_EQ(s.attribute("b")->as<bool>(), true);
  EXPECT_EQ(*s.attribute("ia"), Value(ValueArray{Value(1), Value(-2), Value(300)}));
  EXPECT_EQ(*s.attribute("da"), Value(ValueArray{Value(0.5), Value(-1e300)}));
  EXPECT_EQ(*s.attribute("ba"), Value(ValueArray{Value(true), Value(false)}));
  EXPECT_EQ(*s.attribute("sa"), Value(ValueArray{Value("a"), Value(""), Value("ccc")}));
  EXPECT_EQ(s.attribute("bytes")->as<Bytes>().data, std::string("\0\1\2", 3));
  EXPECT_EQ(*s.attribute("kv"), kv);
  EXPECT_EQ(s.dropped_attributes, 0u);
}

TEST(CoreSpan, StatusEventsLinksAndExceptions) {
  Pipeline p;
  SpanContext linked{NewTraceId(), NewSpanId(), kTraceFlagSampled, true, nullptr};
  {
    Span s = p.sdk.tracer().StartSpan("work");
    s.AddEvent("cache.miss", {{"key", "user:1"}, {"attempt", 2}}, 1234);
    s.AddLink(linked, {{"why", "batch"}});
    s.SetStatus(StatusCode::kError, "first");
    s.RecordException(std::runtime_error("boom"));
  }
  {
    Span ok = p.sdk.tracer().StartSpan("ok");
    ok.SetStatus(StatusCode::kOk);
    ok.SetStatus(StatusCode::kError, "ignored: Ok is final");
  }
  auto spans = p.spans();
  ASSERT_EQ(spans.size(), 2u);
  const SpanData& s = spans[0];
  EXPECT_EQ(s.status, StatusCode::kError);
  EXPECT_EQ(s.status_message, "boom");
  ASSERT_EQ(s.events.size(), 2u);
  EXPECT_EQ(s.events[0].name, "cache.miss");
  EXPECT_EQ(s.events[0].time_ns, 1234u);
  EXPECT_EQ(s.events[0].attributes.size(), 2u);
  EXPECT_EQ(s.events[1].name, "exception");
  EXPECT_EQ(s.events[1].attributes[0].second.as<std::string>(), "std::runtime_error");
  ASSERT_EQ(s.links.size(), 1u);
  EXPECT_EQ(s.links[0].trace_id, linked.trace_id);
  EXPECT_EQ(s.links[0].span_id, linked.span_id);
  EXPECT_EQ(s.links[0].attributes[0].first, "why");
  EXPECT_EQ(spans[1].status, StatusCode::kOk);
  EXPECT_EQ(spans[1].status_message, "");
}

TEST(CoreSpan, WhatDoesNotFitIsDroppedAndCounted) {
  Pipeline p(true, [](Options& o) { o.max_span_bytes = 256; });
  {
    Span s = p.sdk.tracer().StartSpan("small");
    for (int i = 0; i < 50; ++i) s.SetAttribute("k" + std::to_string(i), "some value");
    s.AddEvent("e", {{"x", std::string(300, 'x')}});
    s.SetStatus(StatusCode::kError, "err: " + std::string(500, 'm'));
  }
  auto spans = p.spans();
  ASSERT_EQ(spans.size(), 1u);
  // The status survives a full buffer; its message is cut to the room kept for it.
  EXPECT_GT(spans[0].status_message.size(), 16u);
  EXPECT_LT(spans[0].status_message.size(), 70u);
  EXPECT_EQ(spans[0].status_message.substr(0, 5), "err: ");
  EXPECT_GT(spans[0].attributes.size(), 3u);
  EXPECT_EQ(spans[0].attributes.size() + spans[0].dropped_attributes, 50u);
  EXPECT_EQ(spans[0].dropped_events, 1u);
  EXPECT_EQ(spans[0].status, StatusCode::kError);
}

TEST(CoreContext, WrapCarriesTheContextIntoAnotherThread) {
  Pipeline p;
  Tracer t = p.sdk.tracer();
  SpanId parent_id;
  {
    Span parent = t.StartSpan("request");
    parent_id = parent.span_id();
    auto task = Wrap([&] { Span child = t.StartSpan("in-pool"); });
    std::thread(std::move(task)).join();
    // Without Wrap the other thread has no current span: a new trace.
    std::thread([&] { Span orphan = t.StartSpan("orphan"); }).join();
  }
  auto spans = p.spans();
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_EQ(spans[0].name, "in-pool");
  EXPECT_EQ(spans[0].parent_span_id, parent_id);
  EXPECT_EQ(spans[1].name, "orphan");
  EXPECT_FALSE(spans[1].parent_span_id.valid());
  EXPECT_NE(spans[1].trace_id, spans[2].trace_id);
}

// A minimal coroutine that suspends once; the test resumes it on another thread.
struct Task {
  struct promise_type {
    Task get_return_object() {
      return Task{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() { std::terminate(); }
  };
  std::coroutine_handle<promise_type> handle;
};

TEST(CoreContext, WrapResumesACoroutineInTheCapturedContext) {
  Pipeline p;
  Tracer t = p.sdk.tracer();
  std::coroutine_handle<> suspended;
  struct Suspend {
    std::coroutine_handle<>* out;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) noexcept { *out = h; }
    void await_resume() const noexcept {}
  };
  auto body = [&]() -> Task {
    co_await Suspend{&suspended};
    Span after_resume = t.StartSpan("after-resume");  // runs on the other thread
  };
  SpanId parent_id;
  Task task;
  {
    Span parent = t.StartSpan("request");
    parent_id = parent.span_id();
    task = body();
    ASSERT_TRUE(suspended);
    auto resume = Wrap(suspended);  // captures the current context with the handle
    parent.End();
    std::thread(std::move(resume)).join();
  }
  task.handle.destroy();
  auto spans = p.spans();
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[1].name, "after-resume");
  EXPECT_EQ(spans[1].parent_span_id, parent_id);
}

TEST(CoreContext, NonActiveSpansAndExplicitParents) {
  Pipeline p;
  Tracer t = p.sdk.tracer();
  StartOptions detached;
  detached.activate = false;
  Span async = t.StartSpan("async", detached);
  EXPECT_FALSE(Context::Current().span().valid());
  Context ctx = Context().WithSpan(async.span_context());
  StartOptions under;
  under.parent = &ctx;
  { Span child = t.StartSpan("child", under); }
  async.End();
  auto spans = p.spans();
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].parent_span_id, spans[1].span_id);
}

TEST(CoreSampling, UnsampledSpansRecordNothingButKeepTheTrace) {
  Pipeline p(true, [](Options& o) { o.sampler = ParentBasedSampler(AlwaysOffSampler()); });
  Tracer t = p.sdk.tracer();
  {
    Span root = t.StartSpan("root");
    EXPECT_FALSE(root.recording());
    EXPECT_TRUE(Context::Current().span().valid());  // still propagated, unsampled
    EXPECT_FALSE(Context::Current().span().sampled());
    Span child = t.StartSpan("child");
    EXPECT_FALSE(child.recording());
    EXPECT_EQ(child.trace_id(), root.trace_id());
    child.SetAttribute("ignored", 1);
  }
  EXPECT_EQ(p.spans().size(), 0u);
  // A debug-flagged parent forces sampling.
  SpanContext debug_parent{NewTraceId(), NewSpanId(), kTraceFlagDebug | kTraceFlagSampled, true,
                           nullptr};
  Context ctx = Context().WithSpan(debug_parent);
  {
    ContextScope scope(ctx);
    Span s = t.StartSpan("debug");
    EXPECT_TRUE(s.recording());
    EXPECT_TRUE(s.flags() & kTraceFlagDebug);
  }
  EXPECT_EQ(p.spans().size(), 1u);
}

TEST(CoreRpcId, PerRequestNumberingAcrossCallsAndForks) {
  Pipeline p(true, [](Options& o) { o.rpc_ids = true; });
  Tracer t = p.sdk.tracer();
  {
    Span server = t.StartSpan("request", SpanKind::kServer);
    EXPECT_EQ(Context::Current().rpc_id(), "0.1");
    {
      Span db = t.StartSpan("mysql", SpanKind::kClient);
      EXPECT_EQ(Context::Current().rpc_id(), "0.2");
    }
    auto branch_a = Wrap([&] { Span c = t.StartSpan("a", SpanKind::kClient); });
    auto branch_b = Wrap([&] { Span c = t.StartSpan("b", SpanKind::kClient); });
    std::thread tb(std::move(branch_b));  // b runs first but keeps its forked number
    tb.join();
    std::thread ta(std::move(branch_a));
    ta.join();
    { Span cache = t.StartSpan("redis", SpanKind::kClient); }
    {
      Span work = t.StartSpan("render");  // INTERNAL: no number of its own
      EXPECT_EQ(Context::Current().rpc_id(), "0.1");
      Span inner = t.StartSpan("template", SpanKind::kClient);
      EXPECT_EQ(Context::Current().rpc_id(), "0.6");
    }
  }
  auto spans = p.spans();
  std::map<std::string, std::string> ids;
  for (const auto& s : spans) ids[s.name] = s.rpc_id;
  EXPECT_EQ(ids["request"], "0.1");
  EXPECT_EQ(ids["mysql"], "0.2");
  EXPECT_EQ(ids["a"], "0.3");
  EXPECT_EQ(ids["b"], "0.4");
  EXPECT_EQ(ids["redis"], "0.5");
  EXPECT_EQ(ids["render"], "");
  EXPECT_EQ(ids["template"], "0.6");
  for (const auto& s : spans) {
    if (s.name == "render") {
      EXPECT_EQ(s.current_rpc_id, "0.1");
    }
  }
}

TEST(CoreBatch, ExportsEverythingOnFlushAndCountsDropsWhenFull) {
  Pipeline p(false, [](Options& o) {
    o.batch.ring_bytes_per_thread = 16 << 10;
    o.batch.export_interval = std::chrono::milliseconds(10'000);
  });
  Tracer t = p.sdk.tracer();
  for (int i = 0; i < 50; ++i) t.StartSpan("few").SetAttribute("i", i);
  EXPECT_EQ(p.spans().size(), 50u);
  // 16 KiB holds ~100 records: a burst of 20000 overflows unless the exporter keeps up.
  for (int i = 0; i < 20000; ++i) t.StartSpan("burst").SetAttribute("i", i);
  p.sdk.ForceFlush();
  ProcessorStats s = p.sdk.stats().processor;
  EXPECT_EQ(s.ended, 20050u);
  EXPECT_EQ(s.ended, s.exported + s.dropped);
  EXPECT_EQ(p.exporter->size(), s.exported);
}

TEST(CoreBatch, ManyThreadsNoSpanLostWhenTheRingsAreLargeEnough) {
  Pipeline p(false, [](Options& o) { o.batch.ring_bytes_per_thread = 8 << 20; });
  Tracer t = p.sdk.tracer();
  std::vector<std::thread> threads;
  for (int k = 0; k < 4; ++k)
    threads.emplace_back([&, k] {
      for (int i = 0; i < 5000; ++i)
        t.StartSpan("w").SetAttribute("thread", k).SetAttribute("i", i);
    });
  for (auto& th : threads) th.join();
  auto spans = p.spans();
  EXPECT_EQ(spans.size(), 20000u);
  EXPECT_EQ(p.sdk.stats().processor.dropped, 0u);
}

// The batch processor exports spans where they lie in the per-thread rings. An exporter that
// calls ExportBatch::Release() once it has read them (the OTLP exporters, after encoding)
// gives their space back while its request is still in flight; one that does not keeps it
// until Export returns.
class BlockingExporter final : public SpanExporter {
 public:
  explicit BlockingExporter(bool release) : release_(release) {}
  ExportResult Export(const ExportBatch& batch) override {
    std::unique_lock lock(mu_);
    exported_ += batch.spans.size();
    if (release_) batch.Release();
    if (exports_++ == 0) {
      in_export_ = true;
      cv_.notify_all();
      cv_.wait(lock, [&] { return go_; });
    }
    return ExportResult::kSuccess;
  }
  void WaitInExport() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return in_export_; });
  }
  void Go() {
    std::lock_guard lock(mu_);
    go_ = true;
    cv_.notify_all();
  }
  size_t exported() {
    std::lock_guard lock(mu_);
    return exported_;
  }

 private:
  const bool release_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool in_export_ = false, go_ = false;
  int exports_ = 0;
  size_t exported_ = 0;
};

void RingWhileExportInFlight(bool exporter_releases, uint64_t* dropped, size_t* exported) {
  auto exporter = std::make_shared<BlockingExporter>(exporter_releases);
  Options o;
  o.exporter = exporter;
  o.flush_on_signal = false;
  o.batch.ring_bytes_per_thread = 16 << 10;
  o.batch.export_interval = std::chrono::milliseconds(60'000);
  Sdk sdk = Init(std::move(o));
  Tracer t = sdk.tracer();
  // ~1.1 KB records: the 16 KiB ring holds 14, and 3 stay below the wake-up threshold.
  const std::string big(1000, 'x');
  for (int i = 0; i < 3; ++i) t.StartSpan("span").SetAttribute("big", big);
  std::thread flusher([&] { sdk.ForceFlush(); });
  exporter->WaitInExport();  // 3 spans in flight, the exporter blocked
  for (int i = 0; i < 13; ++i) t.StartSpan("span").SetAttribute("big", big);
  *dropped = sdk.stats().processor.dropped;
  exporter->Go();
  flusher.join();
  sdk.ForceFlush();
  *exported = exporter->exported();
}

TEST(CoreBatch, ExportInPlaceReleasedSpansMakeRoomWhileTheRequestIsInFlight) {
  uint64_t dropped;
  size_t exported;
  RingWhileExportInFlight(/*exporter_releases=*/true, &dropped, &exported);
  EXPECT_EQ(dropped, 0u);
  EXPECT_EQ(exported, 16u);
  // Without Release the 3 spans in flight keep their space until Export returns, so not all
  // of the 13 fit (11 do).
  RingWhileExportInFlight(/*exporter_releases=*/false, &dropped, &exported);
  EXPECT_GT(dropped, 0u);
  EXPECT_EQ(exported + dropped, 16u);
}

// Shutdown does not wait past its timeout for an export that hangs: the spans in flight
// and those still in the rings count as dropped, so every span ended is accounted for.
TEST(CoreBatch, ShutdownGivesUpOnAHangingExportAndCountsEverySpan) {
  auto exporter = std::make_shared<BlockingExporter>(/*release=*/true);
  Options o;
  o.exporter = exporter;
  o.flush_on_signal = false;
  o.shutdown_timeout = std::chrono::milliseconds(100);
  o.batch.ring_bytes_per_thread = 16 << 10;
  o.batch.export_interval = std::chrono::milliseconds(60'000);
  Sdk sdk = Init(std::move(o));
  Tracer t = sdk.tracer();
  for (int i = 0; i < 3; ++i) t.StartSpan("in flight");
  std::thread flusher([&] { sdk.ForceFlush(std::chrono::milliseconds(10)); });
  exporter->WaitInExport();  // hangs until Go()
  flusher.join();
  for (int i = 0; i < 5; ++i) t.StartSpan("waiting");
  const auto start = std::chrono::steady_clock::now();
  sdk.Shutdown();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));  // not stuck
  const ProcessorStats s = sdk.stats().processor;
  EXPECT_EQ(s.ended, 8u);
  EXPECT_EQ(s.exported, 0u);
  EXPECT_EQ(s.dropped, 8u);
  exporter->Go();  // the abandoned thread finishes on its own and counts nothing more
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(sdk.stats().processor.dropped, 8u);
  EXPECT_EQ(sdk.stats().processor.exported, 0u);
}

TEST(CoreSdk, ShutdownFlushesAndLaterSpansAreNotRecorded) {
  auto exporter = std::make_shared<InMemoryExporter>();
  Tracer t;
  {
    Options o;
    o.exporter = exporter;
    o.flush_on_signal = false;
    Sdk sdk = Init(std::move(o));
    t = sdk.tracer();
    t.StartSpan("before").End();
    EXPECT_EQ(GetTracer().enabled(), true);
  }
  EXPECT_EQ(exporter->size(), 1u);
  EXPECT_FALSE(GetTracer().enabled());
  t.StartSpan("after").End();  // the old tracer outlives its Sdk: dropped, no crash
  EXPECT_EQ(exporter->size(), 1u);
  EXPECT_EQ(exporter->resource().service_name(), "unknown_service");
}

}  // namespace
}  // namespace weft
