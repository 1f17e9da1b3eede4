// Trace log-line exporter: every line is strict JSON in LOGFORMAT.md's shape (line types,
// RpcIds or span IDs, attribute fields, events as log.* lines), escaping, and the buffering
// contract (whole-line writes, size and age triggers, drops, write errors, fsync on Flush).
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "exporter_test_util.h"
#include "fake_clock.h"
#include "mini_json.h"

namespace weft {
namespace {

using namespace std::chrono_literals;
using testing::Json;
using testing::JsonParser;

class TempFile {
 public:
  TempFile() {
    std::string tmpl = ::testing::TempDir() + "weft_log_XXXXXX";
    const int fd = ::mkstemp(tmpl.data());
    ::close(fd);
    path_ = tmpl;
  }
  ~TempFile() { ::unlink(path_.c_str()); }
  const std::string& path() const { return path_; }
  std::string Read() const {
    std::ifstream in(path_, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  std::string path_;
};

// Parses every line; fails the test on a line that is not a JSON object or a missing '\n'.
std::vector<Json> ParseLines(const std::string& text) {
  std::vector<Json> out;
  if (!text.empty()) {
    EXPECT_EQ(text.back(), '\n') << "the file ends inside a line";
  }
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    Json j;
    const std::string line = text.substr(start, end - start);
    EXPECT_TRUE(JsonParser::Parse(line, &j)) << line;
    EXPECT_EQ(j.type, Json::kObject) << line;
    out.push_back(std::move(j));
    start = end + 1;
  }
  return out;
}

const Json* ByModule(const std::vector<Json>& lines, std::string_view module,
                     std::string_view name_prefix = "") {
  for (const Json& j : lines)
    if (j.str("x_module") == module && j.str("x_name").starts_with(name_prefix)) return &j;
  return nullptr;
}

std::vector<Json> ExportAndRead(const testing::RecordCapture& cap, LogLineExporterOptions o = {}) {
  TempFile f;
  o.path = f.path();
  auto exporter = MakeLogLineExporter(o);
  EXPECT_EQ(exporter->Export(cap.batch()), ExportResult::kSuccess);
  EXPECT_TRUE(exporter->Flush(1s));
  EXPECT_EQ(exporter->stats().exported_spans, cap.records().size());
  return ParseLines(f.Read());
}

TEST(LogLineExporter, LineTypesRpcIdsAndFields) {
  TraceId trace;
  auto cap = testing::Capture(
      [&](Sdk& sdk) {
        Tracer t = sdk.tracer();
        Span server = t.StartSpan("GET /orders", SpanKind::kServer);
        trace = server.trace_id();
        server.SetAttributes({{"url.full", "http://shop/orders?id=1"},
                              {"server.address", "10.0.0.1"},
                              {"server.port", 8080},
                              {"client.address", "10.0.0.9"},
                              {"http.response.status_code", 200},
                              {"http.request.method", "GET"},
                              {"order.id", 42}});
        {
          Span db = t.StartSpan("select order", SpanKind::kClient);
          db.SetAttributes({{"db.system", "mysql"},
                            {"db.namespace", "shop"},
                            {"db.query.text", "select * from orders where id=?"},
                            {"server.address", "db1"},
                            {"server.port", 3306},
                            {"db.instance.id", "main"}});
        }
        t.StartSpan("get session", SpanKind::kClient).SetAttribute("db.system", "redis");
        t.StartSpan("get page", SpanKind::kClient).SetAttribute("db.system", "memcached");
        t.StartSpan("charge", SpanKind::kClient).SetAttribute("http.request.method", "POST");
        t.StartSpan("grpc call", SpanKind::kClient).SetAttribute("rpc.system", "grpc");
        t.StartSpan("publish", SpanKind::kProducer).SetAttribute("messaging.system", "kafka");
      },
      /*rpc_ids=*/true);
  const std::vector<Json> lines = ExportAndRead(*cap);
  ASSERT_EQ(lines.size(), 7u);

  const Json* s = ByModule(lines, "GET /orders");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->str("x_name"), "request.info");
  EXPECT_EQ(s->str("x_trace_id"), trace.hex());
  EXPECT_EQ(s->str("x_rpc_id"), "0.1");
  EXPECT_EQ(s->get("x_span_id"), nullptr);
  EXPECT_EQ(s->get("x_timestamp")->type, Json::kNumber);
  EXPECT_EQ(s->get("x_duration")->type, Json::kNumber);
  EXPECT_NE(s->str("x_timestamp").find('.'), std::string::npos);
  EXPECT_EQ(s->str("x_department"), "exp-test");
  EXPECT_EQ(s->str("x_service"), "exp-test");
  EXPECT_EQ(s->str("x_version"), "1.2.3");
  EXPECT_EQ(s->str("x_action"), "http://shop/orders?id=1");
  EXPECT_EQ(s->str("x_server_ip"), "10.0.0.1:8080");
  EXPECT_EQ(s->str("x_client_ip"), "10.0.0.9");
  EXPECT_EQ(s->get("x_code")->type, Json::kString);
  EXPECT_EQ(s->str("x_code"), "200");
  const Json* extra = s->get("x_extra");
  ASSERT_TRUE(extra);
  EXPECT_EQ(extra->str("order.id"), "42");
  EXPECT_EQ(extra->str("http.request.method"), "GET");  // not in a request.info name
  EXPECT_EQ(extra->get("url.full"), nullptr);           // used for x_action
  EXPECT_EQ(extra->get("server.port"), nullptr);
  // Timestamp and duration agree with the record (microsecond / nanosecond fractions).
  const SpanRecord& sr = *cap->records().back();
  EXPECT_NEAR(std::stod(s->str("x_timestamp")), sr.end_ns / 1e9, 2e-6);
  EXPECT_NEAR(std::stod(s->str("x_duration")), (sr.end_ns - sr.start_ns) / 1e9, 1e-9);

  const Json* db = ByModule(lines, "select order");
  ASSERT_TRUE(db);
  EXPECT_EQ(db->str("x_name"), "mysql.request");
  EXPECT_EQ(db->str("x_rpc_id"), "0.2");
  EXPECT_EQ(db->str("x_host"), "db1:3306");
  EXPECT_EQ(db->str("x_db"), "shop");
  EXPECT_EQ(db->str("x_instance_name"), "main");
  EXPECT_EQ(db->str("x_action"), "select * from orders where id=?");
  EXPECT_EQ(db->get("x_extra"), nullptr);  // everything was used

  EXPECT_EQ(ByModule(lines, "get session")->str("x_name"), "redis.request");
  EXPECT_EQ(ByModule(lines, "get session")->str("x_rpc_id"), "0.3");
  EXPECT_EQ(ByModule(lines, "get page")->str("x_name"), "memcache.request");
  const Json* charge = ByModule(lines, "charge");
  EXPECT_EQ(charge->str("x_name"), "http.post");
  EXPECT_EQ(charge->get("x_extra"), nullptr);  // the method is in the name
  EXPECT_EQ(ByModule(lines, "grpc call")->str("x_name"), "http.post");
  const Json* pub = ByModule(lines, "publish");
  EXPECT_EQ(pub->str("x_name"), "http.request");
  EXPECT_EQ(pub->str("x_rpc_id"), "0.7");
  EXPECT_EQ(pub->get("x_extra")->str("messaging.system"), "kafka");
}

TEST(LogLineExporter, ErrorVariantsAndEventsAsLogLines) {
  auto cap = testing::Capture(
      [&](Sdk& sdk) {
        Tracer t = sdk.tracer();
        Span server = t.StartSpan("handle", SpanKind::kServer);
        server.AddEvent("cache miss", {{"key", "k1"}});
        server.AddEvent("slow", {{"log.level", "error"}, {"ms", 900}});
        server.RecordException("std::runtime_error", "boom");
        Span client = t.StartSpan("fetch", SpanKind::kClient);
        client.SetAttribute("http.request.method", "GET");
        client.SetStatus(StatusCode::kError, "upstream said 503");
      },
      /*rpc_ids=*/true);
  const std::vector<Json> lines = ExportAndRead(*cap);
  ASSERT_EQ(lines.size(), 5u);
  const Json* client = ByModule(lines, "fetch");
  EXPECT_EQ(client->str("x_name"), "http.error");
  EXPECT_EQ(client->str("x_msg"), "upstream said 503");
  EXPECT_EQ(client->get("x_extra")->str("http.request.method"), "GET");  // not in the name

  const Json* server = ByModule(lines, "handle", "request.");
  ASSERT_TRUE(server);
  EXPECT_EQ(server->str("x_name"), "request.error");
  EXPECT_EQ(server->str("x_msg"), "boom");

  const Json* info = ByModule(lines, "handle", "log.info");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->str("x_msg"), "cache miss");
  EXPECT_EQ(info->str("x_rpc_id"), "0.1");  // the span's RpcId
  EXPECT_EQ(info->str("x_trace_id"), server->str("x_trace_id"));
  EXPECT_EQ(info->get("x_extra")->str("key"), "k1");
  EXPECT_EQ(info->get("x_duration"), nullptr);
  const Json* level = ByModule(lines, "handle", "log.error");
  ASSERT_TRUE(level);
  EXPECT_EQ(level->str("x_msg"), "slow");
  EXPECT_EQ(level->get("x_extra")->str("ms"), "900");
  EXPECT_EQ(level->get("x_extra")->get("log.level"), nullptr);
  const Json* ex = ByModule(lines, "handle", "log.exception");
  ASSERT_TRUE(ex);
  EXPECT_EQ(ex->str("x_msg"), "boom");
  EXPECT_EQ(ex->str("x_rpc_id"), "0.1");
  EXPECT_EQ(ex->get("x_extra")->str("exception.type"), "std::runtime_error");
  // Event lines follow their span's line, in event order.
  EXPECT_EQ(lines[1].str("x_name"), "request.error");
  EXPECT_EQ(lines[2].str("x_msg"), "cache miss");
  EXPECT_EQ(lines[4].str("x_name"), "log.exception");
}

TEST(LogLineExporter, SpanIdsWhenThereIsNoRpcId) {
  SpanId server_id, child_id;
  auto cap = testing::Capture([&](Sdk& sdk) {
    Tracer t = sdk.tracer();
    Span server = t.StartSpan("job", SpanKind::kServer);
    server_id = server.span_id();
    Span child = t.StartSpan("step");
    child_id = child.span_id();
    child.AddEvent("note");
  });
  const std::vector<Json> lines = ExportAndRead(*cap);
  ASSERT_EQ(lines.size(), 3u);
  const Json* step = ByModule(lines, "step", "log.info");
  ASSERT_TRUE(step);
  EXPECT_EQ(step->get("x_rpc_id"), nullptr);
  EXPECT_EQ(step->str("x_span_id"), child_id.hex());
  EXPECT_EQ(step->str("x_parent_span_id"), server_id.hex());
  EXPECT_EQ(step->str("x_msg"), "step");
  EXPECT_NE(step->get("x_duration"), nullptr);
  const Json* note = &lines[1];
  EXPECT_EQ(note->str("x_msg"), "note");
  EXPECT_EQ(note->str("x_span_id"), child_id.hex());
  const Json* job = ByModule(lines, "job");
  EXPECT_EQ(job->str("x_name"), "request.info");
  EXPECT_EQ(job->str("x_span_id"), server_id.hex());
  EXPECT_EQ(job->get("x_parent_span_id"), nullptr);  // a root
}

TEST(LogLineExporter, EscapingAndInvalidUtf8) {
  const Value nested(KeyValueList{{"k\"", Value(ValueArray{Value(1), Value("x"), Value(true)})}});
  auto cap = testing::Capture([&](Sdk& sdk) {
    Span s = sdk.tracer().StartSpan("na\"me\n\x01");
    s.SetAttribute("quote\"key", "a\"b\\c\nd\re\tf\x01g\x7f");
    s.SetAttribute("utf8", "\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    s.SetAttribute("bad",
                   "a\xff"
                   "b\xe2\x82"
                   "c\xc0\xaf"
                   "d\xed\xa0\x80"
                   "e");
    s.SetAttribute("raw", AttrValue::BytesOf(std::string_view("\x00\xfb\xff", 3)));
    s.SetAttribute("nan", std::numeric_limits<double>::quiet_NaN());
    s.SetAttribute("pi", 3.25);
    s.SetAttribute("nested", nested);
    s.SetAttribute("dup", 1);
    s.SetAttribute("dup", 2);
  });
  const std::vector<Json> lines = ExportAndRead(*cap);
  ASSERT_EQ(lines.size(), 1u);
  const Json& l = lines[0];
  EXPECT_EQ(l.str("x_module"), "na\"me\n\x01");
  EXPECT_EQ(l.str("x_msg"), "na\"me\n\x01");
  const Json* x = l.get("x_extra");
  ASSERT_TRUE(x);
  EXPECT_EQ(x->str("quote\"key"), "a\"b\\c\nd\re\tf\x01g\x7f");
  EXPECT_EQ(x->str("utf8"), "\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  const std::string r = "\xef\xbf\xbd";  // U+FFFD per invalid byte
  EXPECT_EQ(x->str("bad"), "a" + r + "b" + r + r + "c" + r + r + "d" + r + r + r + "e");
  EXPECT_EQ(x->str("raw"), "APv/");  // base64
  EXPECT_EQ(x->get("nan")->type, Json::kNull);
  EXPECT_EQ(x->str("pi"), "3.25");
  const Json* n = x->get("nested");
  ASSERT_TRUE(n && n->type == Json::kObject);
  ASSERT_EQ(n->get("k\"")->items.size(), 3u);
  EXPECT_EQ(n->get("k\"")->items[1].text, "x");
  EXPECT_EQ(x->str("dup"), "2");  // the last value, once
  int dups = 0;
  for (const auto& [k, v] : x->members) dups += k == "dup";
  EXPECT_EQ(dups, 1);
}

std::shared_ptr<testing::RecordCapture> ManySpans(int n, int events_each = 0) {
  return testing::Capture([&](Sdk& sdk) {
    Tracer t = sdk.tracer();
    for (int i = 0; i < n; ++i) {
      Span s = t.StartSpan("op", SpanKind::kServer);
      s.SetAttribute("i", i);
      for (int e = 0; e < events_each; ++e) s.AddEvent("ev", {{"e", e}});
    }
  });
}

TEST(LogLineExporter, BuffersUntilFlush) {
  auto cap = ManySpans(10);
  TempFile f;
  auto exporter = MakeLogLineExporter({.path = f.path()});
  EXPECT_EQ(exporter->Export(cap->batch()), ExportResult::kSuccess);
  EXPECT_EQ(f.Read(), "");  // nothing written yet
  EXPECT_EQ(exporter->stats().exported_spans, 0u);
  EXPECT_TRUE(exporter->Flush(1s));
  EXPECT_EQ(ParseLines(f.Read()).size(), 10u);
  EXPECT_EQ(exporter->stats().exported_spans, 10u);
}

TEST(LogLineExporter, FullBufferIsWrittenInWholeLines) {
  auto cap = ManySpans(200);
  TempFile f;
  auto exporter = MakeLogLineExporter({.path = f.path(), .buffer_bytes = 2048});
  EXPECT_EQ(exporter->Export(cap->batch()), ExportResult::kSuccess);
  const std::string before = f.Read();
  EXPECT_GT(before.size(), 0u);  // the buffer filled up and was written
  EXPECT_EQ(before.back(), '\n');
  EXPECT_LT(ParseLines(before).size(), 200u);
  EXPECT_GT(exporter->stats().exported_spans, 0u);
  exporter->Shutdown();  // writes the rest
  EXPECT_EQ(ParseLines(f.Read()).size(), 200u);
  EXPECT_EQ(exporter->stats().exported_spans, 200u);
}

TEST(LogLineExporter, LineLongerThanTheBufferIsDroppedAndCounted) {
  auto cap = testing::Capture([&](Sdk& sdk) {
    Tracer t = sdk.tracer();
    t.StartSpan("big").SetAttribute("blob", std::string(1000, 'x'));
    Span ev = t.StartSpan("events");  // fits only line by line
    ev.AddEvent("e1", {{"pad", std::string(250, 'y')}});
    ev.AddEvent("e2", {{"pad", std::string(250, 'z')}});
    ev.End();
    t.StartSpan("small").End();
  });
  TempFile f;
  auto exporter = MakeLogLineExporter({.path = f.path(), .buffer_bytes = 600});
  EXPECT_EQ(exporter->Export(cap->batch()), ExportResult::kFailure);
  EXPECT_TRUE(exporter->Flush(1s));
  const std::vector<Json> lines = ParseLines(f.Read());
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].str("x_module"), "events");
  EXPECT_EQ(lines[1].str("x_msg"), "e1");
  EXPECT_EQ(lines[2].str("x_msg"), "e2");
  EXPECT_EQ(lines[3].str("x_module"), "small");
  EXPECT_EQ(exporter->stats().failed_spans, 1u);
  EXPECT_EQ(exporter->stats().exported_spans, 2u);
}

TEST(LogLineExporter, WriteErrorsCountSpansAsFailed) {
  auto cap = ManySpans(3);
  auto exporter = MakeLogLineExporter({.path = "/dev/full", .fsync_on_flush = false});
  EXPECT_EQ(exporter->Export(cap->batch()), ExportResult::kSuccess);  // buffered
  EXPECT_FALSE(exporter->Flush(1s));
  EXPECT_EQ(exporter->stats().failed_spans, 3u);
  EXPECT_EQ(exporter->stats().exported_spans, 0u);
}

TEST(LogLineExporter, UnopenablePathThrows) {
  EXPECT_THROW(MakeLogLineExporter({.path = "/nonexistent-weft-dir/x.log"}), std::invalid_argument);
}

TEST(LogLineExporter, ConcurrentWritersNeverInterleaveLines) {
  auto cap = ManySpans(50, /*events_each=*/2);
  TempFile f;
  constexpr int kRounds = 40;
  auto run = [&] {
    auto exporter = MakeLogLineExporter({.path = f.path(), .buffer_bytes = 4096});
    for (int i = 0; i < kRounds; ++i) exporter->Export(cap->batch());
    exporter->Shutdown();
  };
  std::thread a(run), b(run);
  a.join();
  b.join();
  const std::vector<Json> lines = ParseLines(f.Read());
  EXPECT_EQ(lines.size(), 2u * kRounds * 50 * 3);
}

TEST(LogLineExporter, LinesAreWrittenWithinTwoSeconds) {
  auto cap = ManySpans(1);
  TempFile f;
  auto clock = std::make_shared<testing::FakeSteadyClock>();
  auto exporter = MakeLogLineExporter({.path = f.path(), .clock = clock});
  exporter->Export(cap->batch());
  // 1 ms short of 2 s: once the flusher has looked at the clock again (it waits in 1 ms
  // slices with this clock), the line must still be in the buffer.
  clock->Advance(1999ms);
  const uint64_t waits = clock->waits();
  ASSERT_TRUE(testing::Eventually([&] { return clock->waits() >= waits + 3; }));
  EXPECT_EQ(f.Read(), "");
  clock->Advance(1ms);  // 2 s: the flusher writes it
  EXPECT_TRUE(testing::Eventually([&] { return !f.Read().empty(); }));
  EXPECT_EQ(ParseLines(f.Read()).size(), 1u);
  EXPECT_EQ(exporter->stats().exported_spans, 1u);
}

TEST(LogLineExporter, ExportWritesLinesOnceTheyAreTwoSecondsOld) {
  auto cap = ManySpans(1);
  TempFile f;
  auto clock = std::make_shared<testing::FakeSteadyClock>();
  auto exporter = MakeLogLineExporter({.path = f.path(), .clock = clock});
  exporter->Export(cap->batch());
  clock->Advance(1999ms);
  exporter->Export(cap->batch());
  // Whatever the flusher does, at 1.999 s nothing is due yet.
  EXPECT_EQ(f.Read(), "");
  clock->Advance(1ms);
  exporter->Export(cap->batch());  // the oldest line is 2 s old: written by this call
  EXPECT_GE(ParseLines(f.Read()).size(), 2u);
  EXPECT_TRUE(exporter->Flush(1s));
  EXPECT_EQ(ParseLines(f.Read()).size(), 3u);
}

}  // namespace
}  // namespace weft
