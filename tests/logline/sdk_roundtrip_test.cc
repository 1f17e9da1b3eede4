// Round trip: a trace written by the C++ SDK's log-line exporter (weft_logline_sdk_writer,
// built on the SDK only) reads back through src/ingest/logline's TraceAssembler with the
// same trace ID, the same tree, kinds, names, services, RpcIds, attributes, events and
// statuses — and, where the lines carry span IDs (x_span_id), the same span IDs. What the
// log format cannot carry is listed in docs/format/logline.md ("Round trip with the SDK").
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "logline/trace_assembler.h"

namespace weft::logline {

using namespace weft::model;

namespace {

namespace fs = std::filesystem;

struct Expected {
  std::string name;
  std::string kind;
  std::string span_id;
};

struct RoundTrip {
  std::string trace_id;
  std::vector<Expected> expected;
  std::vector<Span> spans;
  AssemblerStats stats;
};

std::vector<std::string> read_lines(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

RoundTrip run(const std::string& scheme) {
  RoundTrip rt;
  const fs::path dir = fs::path(::testing::TempDir()) /
                       ("weft_logline_rt_" + scheme + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string cmd = std::string(WEFT_SDK_LOG_WRITER) + " " + scheme + " " + dir.string();
  const int rc = std::system(cmd.c_str());
  EXPECT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0) << cmd;
  for (const std::string& l : read_lines(dir / "expected.tsv")) {
    std::istringstream f(l);
    std::string a, b, c;
    std::getline(f, a, '\t');
    std::getline(f, b, '\t');
    std::getline(f, c, '\t');
    if (a == "trace")
      rt.trace_id = b;
    else
      rt.expected.push_back({a, b, c});
  }
  // The two services' files, read interleaved (as a tailer would), then emitted.
  TraceAssembler assembler({}, [&](SpanBatch b, std::vector<uint64_t>) {
    for (Span& s : b.spans) rt.spans.push_back(std::move(s));
  });
  const auto front = read_lines(dir / "frontend.log");
  const auto back = read_lines(dir / "inventory.log");
  EXPECT_FALSE(front.empty());
  EXPECT_FALSE(back.empty());
  for (size_t i = 0; i < std::max(front.size(), back.size()); ++i) {
    if (i < back.size()) {
      LineStatus st = assembler.add_line(back[i], (dir / "inventory.log").string(), 0);
      EXPECT_TRUE(st.ok()) << st.status.to_string() << "\n" << back[i];
    }
    if (i < front.size()) {
      LineStatus st = assembler.add_line(front[i], (dir / "frontend.log").string(), 0);
      EXPECT_TRUE(st.ok()) << st.status.to_string() << "\n" << front[i];
    }
  }
  assembler.flush_all();
  rt.stats = assembler.stats();
  fs::remove_all(dir);
  return rt;
}

const Span* find(const std::vector<Span>& spans, std::string_view name, SpanKind kind) {
  for (const Span& s : spans)
    if (s.name == name && s.kind == kind) return &s;
  return nullptr;
}
const AnyValue* attr(const Span& s, std::string_view key) {
  return find_attribute(s.attributes, key);
}
std::string str(const Span& s, std::string_view key) {
  const AnyValue* v = attr(s, key);
  return v && v->as_string() ? *v->as_string() : "<none>";
}

std::string attr_str_or(const KeyValueList& attrs, std::string_view key) {
  const AnyValue* v = find_attribute(attrs, key);
  return v && v->as_string() ? *v->as_string() : "<none>";
}

// What every scheme must give back.
void check_common(const RoundTrip& rt) {
  ASSERT_EQ(rt.trace_id.size(), 32u);
  ASSERT_EQ(rt.expected.size(), 6u);
  ASSERT_EQ(rt.spans.size(), 6u) << "no placeholder, nothing lost, nothing doubled";
  EXPECT_EQ(rt.stats.lines_rejected, 0u);
  EXPECT_EQ(rt.stats.placeholders_emitted, 0u);
  for (const Span& s : rt.spans) {
    EXPECT_EQ(s.trace_id.to_hex(), rt.trace_id) << s.name;  // 32 hex: used as is
    EXPECT_EQ(attr(s, "weft.log.trace_id"), nullptr);
    EXPECT_EQ(attr(s, "weft.rpcid.missing"), nullptr) << s.name;
    EXPECT_EQ(attr_str_or(s.resource->attributes, "service.version"), "1.2.3");
  }
  const Span* checkout = find(rt.spans, "checkout", SpanKind::kServer);
  const Span* select = find(rt.spans, "SELECT orders", SpanKind::kClient);
  const Span* call = find(rt.spans, "reserve", SpanKind::kClient);
  const Span* reserve = find(rt.spans, "reserve", SpanKind::kServer);
  const Span* stock = find(rt.spans, "GET stock", SpanKind::kClient);
  const Span* price = find(rt.spans, "compute price", SpanKind::kInternal);
  ASSERT_TRUE(checkout && select && call && reserve && stock && price);
  // The tree.
  EXPECT_TRUE(checkout->is_root());
  EXPECT_EQ(select->parent_span_id, checkout->span_id);
  EXPECT_EQ(call->parent_span_id, checkout->span_id);
  EXPECT_EQ(reserve->parent_span_id, call->span_id);
  EXPECT_EQ(stock->parent_span_id, reserve->span_id);
  EXPECT_EQ(price->parent_span_id, reserve->span_id);
  // Services.
  EXPECT_EQ(checkout->service_name(), "frontend");
  EXPECT_EQ(select->service_name(), "frontend");
  EXPECT_EQ(call->service_name(), "frontend");
  EXPECT_EQ(reserve->service_name(), "inventory");
  EXPECT_EQ(stock->service_name(), "inventory");
  EXPECT_EQ(price->service_name(), "inventory");
  // Attributes (x_extra and the mapped fields).
  ASSERT_NE(attr(*checkout, "order.id"), nullptr);
  EXPECT_EQ(*attr(*checkout, "order.id")->as_int(), 42);
  ASSERT_NE(attr(*checkout, "cart.total"), nullptr);
  EXPECT_DOUBLE_EQ(*attr(*checkout, "cart.total")->as_double(), 99.5);
  ASSERT_NE(attr(*checkout, "vip"), nullptr);
  EXPECT_TRUE(*attr(*checkout, "vip")->as_bool());
  EXPECT_EQ(str(*select, "db.system"), "mysql");
  EXPECT_EQ(str(*select, "db.statement"), "select * from orders where id = ?");
  EXPECT_EQ(str(*select, "db.name"), "shop");
  EXPECT_EQ(str(*select, "server.address"), "10.0.0.7");
  ASSERT_NE(attr(*select, "server.port"), nullptr);
  EXPECT_EQ(*attr(*select, "server.port")->as_int(), 3306);
  EXPECT_EQ(str(*select, "peer.service"), "mysql:10.0.0.7:3306/shop");
  EXPECT_EQ(str(*call, "http.request.method"), "POST");
  EXPECT_EQ(str(*call, "http.url"), "http://inventory/reserve");  // url.full, renamed
  EXPECT_EQ(str(*stock, "db.system"), "redis");
  EXPECT_EQ(str(*stock, "peer.service"), "redis:10.0.0.9:6379");
  // Events and statuses.
  ASSERT_EQ(checkout->events.size(), 1u);
  EXPECT_EQ(checkout->events[0].name, "cart loaded");
  const AnyValue* items = find_attribute(checkout->events[0].attributes, "items");
  ASSERT_NE(items, nullptr);
  EXPECT_EQ(*items->as_int(), 3);
  EXPECT_EQ(checkout->status.code, SpanStatusCode::kUnset);
  EXPECT_EQ(price->status.code, SpanStatusCode::kError);
  EXPECT_EQ(price->status.message, "no price");
  ASSERT_EQ(price->events.size(), 1u);
  EXPECT_EQ(price->events[0].name, "exception");
  EXPECT_EQ(*find_attribute(price->events[0].attributes, "exception.message")->as_string(),
            "no price");
  // Spans whose lines carry x_span_id keep the SDK's span IDs.
  for (const Expected& e : rt.expected) {
    if (e.kind != "internal") continue;
    EXPECT_EQ(price->span_id.to_hex(), e.span_id);
  }
}

TEST(SdkLogRoundTrip, PerRequestRpcIds) {
  RoundTrip rt = run("per-request");
  check_common(rt);
  std::map<std::string, std::string> rpc;
  for (const Span& s : rt.spans) rpc[s.name + "/" + span_kind_name(s.kind)] = s.rpc_id;
  EXPECT_EQ(rpc["checkout/server"], "0.1");
  EXPECT_EQ(rpc["SELECT orders/client"], "0.2");
  EXPECT_EQ(rpc["reserve/client"], "0.3");
  EXPECT_EQ(rpc["reserve/server"], "0.3.1");
  EXPECT_EQ(rpc["GET stock/client"], "0.3.2");
  EXPECT_EQ(rpc["compute price/internal"], "0.3.1");  // the active span's RpcId (the SDK's)
}

TEST(SdkLogRoundTrip, PerCallRpcIds) {
  RoundTrip rt = run("per-call");
  check_common(rt);
  std::map<std::string, std::string> rpc;
  for (const Span& s : rt.spans) rpc[s.name + "/" + span_kind_name(s.kind)] = s.rpc_id;
  EXPECT_EQ(rpc["checkout/server"], "0");
  EXPECT_EQ(rpc["SELECT orders/client"], "0.1");
  EXPECT_EQ(rpc["reserve/client"], "0.2");
  EXPECT_EQ(rpc["reserve/server"], "0.2");
  EXPECT_EQ(rpc["GET stock/client"], "0.2.1");
}

TEST(SdkLogRoundTrip, SpanIdsWithoutRpcIds) {
  RoundTrip rt = run("none");
  check_common(rt);
  // Every line carries x_span_id / x_parent_span_id: every span ID comes back as is.
  for (const Expected& e : rt.expected) {
    SCOPED_TRACE(e.name + " " + e.kind);
    const Span* s = nullptr;
    for (const Span& sp : rt.spans)
      if (sp.name == e.name && span_kind_name(sp.kind) == e.kind) s = &sp;
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->span_id.to_hex(), e.span_id);
    EXPECT_TRUE(s->rpc_id.empty());
  }
}

}  // namespace
}  // namespace weft::logline
