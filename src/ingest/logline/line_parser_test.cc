// LineParser: every field of LOGFORMAT.md's table (with and without the x_ prefix), every
// line type, typed unknown fields and x_extra, IDs and hashing, and every rejection.
#include "logline/line_parser.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <cstring>
#include <set>
#include <string>

#include "logline/line_ids.h"
#include "logline/logline_test_util.h"
#include "logline/rpc_id.h"

namespace weft::logline {

using namespace weft::model;

namespace {

using testing::attr;
using testing::attr_int;
using testing::attr_str;
using testing::kExampleException;
using testing::kExampleMysql;
using testing::kExampleRequest;
using testing::line;
using testing::parse_ok;
using testing::parse_status;

constexpr uint64_t kSec = 1'000'000'000;

TEST(LineParser, ExampleRequestLine) {
  LogLine l = parse_ok(kExampleRequest, "/var/log/app/trace.log");
  EXPECT_EQ(l.role, LineRole::kServer);
  EXPECT_EQ(l.type, "request.info");
  EXPECT_FALSE(l.error);
  EXPECT_EQ(l.trace_id_original, "123jiojfdsao");
  bool hashed = false;
  EXPECT_EQ(l.trace_id, trace_id_from_text("123jiojfdsao", &hashed));
  EXPECT_TRUE(hashed);
  EXPECT_EQ(l.rpc_id, "0.1");
  EXPECT_EQ(l.rpc, (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(l.end_ns, 1506480162 * kSec);
  EXPECT_EQ(l.start_ns, 1506480162 * kSec - 21'000'000);
  EXPECT_EQ(l.service, "tal_client_frontend");
  EXPECT_EQ(l.version, "php-baseserver-4.0");
  EXPECT_EQ(l.name, "js_game1_start");
  EXPECT_EQ(attr_str(l.attributes, "log.type"), "request.info");
  EXPECT_EQ(attr_str(l.attributes, "http.url"),
            "http://testapi.example.com/v3/user/getinfo?id=9527");
  EXPECT_EQ(attr_str(l.attributes, "server.address"), "192.168.1.1");
  EXPECT_EQ(attr_int(l.attributes, "server.port"), 80);
  EXPECT_EQ(attr_str(l.attributes, "client.address"), "192.168.1.123");
  EXPECT_EQ(attr_str(l.attributes, "log.code"), "200");
  EXPECT_EQ(attr_int(l.attributes, "http.status_code"), 200);
  EXPECT_EQ(attr_str(l.attributes, "log.file.path"), "/var/log/app/trace.log");
  EXPECT_EQ(attr_str(l.attributes, "weft.log.trace_id"), "123jiojfdsao");
  EXPECT_EQ(attr(l.attributes, "peer.service"), nullptr);  // SERVER spans name no peer
  EXPECT_TRUE(l.events.empty());
}

TEST(LineParser, ExampleMysqlLine) {
  LogLine l = parse_ok(kExampleMysql);
  EXPECT_EQ(l.role, LineRole::kClient);
  EXPECT_EQ(l.prefix, "mysql");
  EXPECT_EQ(l.rpc_id, "0.2");
  EXPECT_EQ(l.end_ns - l.start_ns, 24'000'000u);
  EXPECT_EQ(l.name, "js_game1_round_sigup");
  EXPECT_EQ(l.version, "php-4");
  EXPECT_EQ(attr_str(l.attributes, "db.statement"), "select * from t where id=1");
  EXPECT_EQ(attr_str(l.attributes, "db.system"), "mysql");
  EXPECT_EQ(attr_str(l.attributes, "db.instance.id"), "default");
  EXPECT_EQ(attr_str(l.attributes, "db.name"), "tal_game_round");
  EXPECT_EQ(attr_str(l.attributes, "server.address"), "12.123.23.1");
  EXPECT_EQ(attr_int(l.attributes, "server.port"), 3306);
  EXPECT_EQ(attr_str(l.attributes, "peer.service"), "mysql:12.123.23.1:3306/tal_game_round");
  EXPECT_EQ(attr_str(l.attributes, "log.code"), "1");
  EXPECT_EQ(attr(l.attributes, "http.status_code"), nullptr);
  EXPECT_EQ(attr_str(l.attributes, "log.msg"), "ok");
}

TEST(LineParser, ExampleExceptionLine) {
  LogLine l = parse_ok(kExampleException);
  EXPECT_EQ(l.role, LineRole::kEvent);
  EXPECT_TRUE(l.error);
  EXPECT_EQ(l.name, "exception");
  EXPECT_EQ(l.message, "exception: call stack");
  EXPECT_EQ(l.service, "");  // no department, no service field
  EXPECT_EQ(l.start_ns, l.end_ns);
  EXPECT_EQ(attr_str(l.attributes, "exception.message"), "exception: call stack");
  EXPECT_EQ(attr_str(l.attributes, "exception.stacktrace"), "x.php(123) gotError");
  EXPECT_EQ(attr_str(l.attributes, "code.filepath"), "userinfo.php");
  EXPECT_EQ(attr_int(l.attributes, "code.lineno"), 232);
  EXPECT_EQ(attr_str(l.attributes, "log.module"), "game1_round_win");
  EXPECT_EQ(attr_str(l.attributes, "log.code"), "hy20001");
  EXPECT_EQ(attr(l.attributes, "log.level"), nullptr);
}

struct TypeCase {
  const char* type;
  LineRole role;
  bool error;
  const char* name;  // expected name (the x_msg is "hello", no x_module)
};

TEST(LineParser, EveryLineType) {
  const TypeCase cases[] = {
      {"request.info", LineRole::kServer, false, "request.info"},
      {"request.error", LineRole::kServer, true, "request.error"},
      {"mysql.connect", LineRole::kConnect, false, "mysql.connect"},
      {"mysql.request", LineRole::kClient, false, "mysql.request"},
      {"mysql.error", LineRole::kClient, true, "mysql.error"},
      {"redis.request", LineRole::kClient, false, "redis.request"},
      {"redis.connect", LineRole::kConnect, false, "redis.connect"},
      {"memcache.request", LineRole::kClient, false, "memcache.request"},
      {"http.get", LineRole::kClient, false, "http.get"},
      {"http.post", LineRole::kClient, false, "http.post"},
      {"http.error", LineRole::kClient, true, "http.error"},
      {"mongo.connect", LineRole::kConnect, false, "mongo.connect"},
      {"log.debug", LineRole::kEvent, false, "hello"},
      {"log.trace", LineRole::kEvent, false, "hello"},
      {"log.notice", LineRole::kEvent, false, "hello"},
      {"log.info", LineRole::kEvent, false, "hello"},
      {"log.error", LineRole::kEvent, true, "hello"},
      {"log.alarm", LineRole::kEvent, true, "hello"},
      {"log.exception", LineRole::kEvent, true, "exception"},
      {"metric.count", LineRole::kEvent, false, "metric.count"},
      {"metric.counter", LineRole::kEvent, false, "metric.counter"},
      {"metrix.count", LineRole::kEvent, false, "metrix.count"},
      {"cache.lookup", LineRole::kEvent, false, "hello"},
      {"queue.error", LineRole::kEvent, true, "hello"},
      {"MYSQL.Request", LineRole::kClient, false, "MYSQL.Request"},
  };
  for (const TypeCase& c : cases) {
    SCOPED_TRACE(c.type);
    LogLine l = parse_ok(line(c.type, "t1", "0.2", "svc", 1700000000, R"(,"x_msg":"hello")"));
    EXPECT_EQ(l.role, c.role);
    EXPECT_EQ(l.error, c.error);
    EXPECT_EQ(l.name, c.name);
    EXPECT_EQ(attr_str(l.attributes, "log.type"), c.type);
    if (l.role == LineRole::kEvent && std::string_view(c.type).starts_with("log.") &&
        std::string_view(c.type) != "log.exception") {
      EXPECT_EQ(attr_str(l.attributes, "log.level"), std::string(c.type).substr(4));
    }
    if (l.error && l.role != LineRole::kEvent) {
      EXPECT_EQ(l.message, "hello");
    }
  }
  // Client specifics.
  EXPECT_EQ(attr_str(parse_ok(line("memcache.request", "t", "0.2", "s")).attributes, "db.system"),
            "memcached");
  EXPECT_EQ(attr_str(parse_ok(line("redis.request", "t", "0.2", "s")).attributes, "db.system"),
            "redis");
  EXPECT_EQ(attr_str(parse_ok(line("http.get", "t", "0.2", "s")).attributes, "http.request.method"),
            "GET");
  EXPECT_EQ(attr(parse_ok(line("http.error", "t", "0.2", "s")).attributes, "http.request.method"),
            nullptr);
  LogLine http = parse_ok(line("http.post", "t", "0.2", "s", 1,
                               R"(,"x_action":"https://api.example.com:8443/v1/x?y=1")"));
  EXPECT_EQ(attr_str(http.attributes, "http.url"), "https://api.example.com:8443/v1/x?y=1");
  EXPECT_EQ(attr_str(http.attributes, "peer.service"), "http:api.example.com:8443");
  EXPECT_EQ(attr_str(parse_ok(line("redis.request", "t", "0.2", "s", 1,
                                   R"(,"x_host":"10.0.0.5:6379","x_action":"GET k")"))
                         .attributes,
                     "peer.service"),
            "redis:10.0.0.5:6379");
  EXPECT_EQ(
      attr_str(
          parse_ok(line("redis.request", "t", "0.2", "s", 1, R"(,"x_action":"GET k")")).attributes,
          "db.statement"),
      "GET k");
  EXPECT_EQ(attr_str(parse_ok(line("mysql.connect", "t", "0.2", "s")).attributes, "peer.service"),
            "mysql");
  // A line without x_name is an event named by its message, else "log".
  LogLine untyped = parse_ok(R"({"x_trace_id":"t","x_rpc_id":"0.1","x_timestamp":5})");
  EXPECT_EQ(untyped.role, LineRole::kEvent);
  EXPECT_EQ(untyped.name, "log");
}

TEST(LineParser, ServerNameFallsBackToTheUrlPath) {
  EXPECT_EQ(parse_ok(line("request.info", "t", "0.1", "s", 1,
                          R"(,"x_action":"http://h.example/v3/user/getinfo?id=9527")"))
                .name,
            "/v3/user/getinfo");
  EXPECT_EQ(parse_ok(line("request.info", "t", "0.1", "s", 1, R"(,"x_action":"/a/b?c")")).name,
            "/a/b");
  EXPECT_EQ(parse_ok(line("request.info", "t", "0.1", "s", 1, R"(,"x_action":"http://h")")).name,
            "/");
  EXPECT_EQ(parse_ok(line("request.info", "t", "0.1", "s", 1, R"(,"x_action":"cron:job")")).name,
            "request.info");
  EXPECT_EQ(parse_ok(line("request.info", "t", "0.1", "s", 1,
                          R"(,"x_action":"/a","x_module":"app_mod_fn")"))
                .name,
            "app_mod_fn");
}

// Every field of the table, bare, gives what the x_ spelling gives.
TEST(LineParser, EveryFieldWithAndWithoutPrefix) {
  const std::vector<std::pair<std::string, std::string>> fields = {
      {"name", R"("mysql.request")"},
      {"trace_id", R"("abc")"},
      {"rpc_id", R"("0.2")"},
      {"timestamp", "1700000000.25"},
      {"duration", "0.5"},
      {"department", R"("dept")"},
      {"version", R"("v9")"},
      {"module", R"("m_f")"},
      {"action", R"("select 1")"},
      {"param", R"("id=1")"},
      {"server_ip", R"("10.1.1.1:3306")"},
      {"client_ip", R"("10.2.2.2")"},
      {"host", R"("db.example:3306")"},
      {"instance_name", R"("inst")"},
      {"db", R"("users")"},
      {"code", R"("0")"},
      {"msg", R"("fine")"},
      {"backtrace", R"x("a.php(1)")x"},
      {"file", R"("a.php")"},
      {"line", R"("7")"},
      {"uid", R"("u42")"},
      {"pid", R"("1234")"},
      {"source", R"("web")"},
      {"user_agent", R"("curl/8")"},
      {"response", R"("{\"ok\":true}")"},
      {"response_len", "12"},
      {"dns_duration", "0.003"},
      {"extra", R"({"k":"v"})"},
  };
  auto make = [&](bool prefixed) {
    std::string s = "{";
    for (const auto& [k, v] : fields) {
      if (s.size() > 1) s += ",";
      s += "\"" + std::string(prefixed ? "x_" : "") + k + "\":" + v;
    }
    return s + "}";
  };
  LogLine a = parse_ok(make(true));
  LogLine b = parse_ok(make(false));
  EXPECT_EQ(a.trace_id, b.trace_id);
  EXPECT_EQ(a.rpc_id, b.rpc_id);
  EXPECT_EQ(a.role, LineRole::kClient);
  EXPECT_EQ(a.role, b.role);
  EXPECT_EQ(a.start_ns, b.start_ns);
  EXPECT_EQ(a.end_ns, b.end_ns);
  EXPECT_EQ(a.end_ns, 1700000000 * kSec + 250'000'000);
  EXPECT_EQ(a.end_ns - a.start_ns, 500'000'000u);
  EXPECT_EQ(a.service, "dept");
  EXPECT_EQ(a.version, "v9");
  EXPECT_EQ(a.name, "m_f");
  EXPECT_EQ(a.attributes, b.attributes);
  EXPECT_EQ(a.events, b.events);
  const KeyValueList& at = a.attributes;
  EXPECT_EQ(attr_str(at, "db.statement"), "select 1");
  EXPECT_EQ(attr_str(at, "log.param"), "id=1");
  EXPECT_EQ(attr_str(at, "network.peer.address"), "10.1.1.1");
  EXPECT_EQ(attr_int(at, "network.peer.port"), 3306);
  EXPECT_EQ(attr_str(at, "client.address"), "10.2.2.2");
  EXPECT_EQ(attr_str(at, "server.address"), "db.example");
  EXPECT_EQ(attr_int(at, "server.port"), 3306);
  EXPECT_EQ(attr_str(at, "db.instance.id"), "inst");
  EXPECT_EQ(attr_str(at, "db.name"), "users");
  EXPECT_EQ(attr_str(at, "log.code"), "0");
  EXPECT_EQ(attr_str(at, "log.msg"), "fine");
  EXPECT_EQ(attr_str(at, "enduser.id"), "u42");
  EXPECT_EQ(attr_int(at, "process.pid"), 1234);
  EXPECT_EQ(attr_str(at, "log.source"), "web");
  EXPECT_EQ(attr_str(at, "user_agent.original"), "curl/8");
  EXPECT_EQ(attr_str(at, "log.response"), R"({"ok":true})");
  EXPECT_EQ(attr_int(at, "http.response.body.size"), 12);
  ASSERT_NE(attr(at, "log.dns_duration"), nullptr);
  EXPECT_DOUBLE_EQ(*attr(at, "log.dns_duration")->as_double(), 0.003);
  EXPECT_EQ(attr_str(at, "k"), "v");
  EXPECT_EQ(attr_str(at, "peer.service"), "mysql:db.example:3306/users");
  // x_backtrace / x_file / x_line on a span line: an `exception` event at its end.
  ASSERT_EQ(a.events.size(), 1u);
  EXPECT_EQ(a.events[0].name, "exception");
  EXPECT_EQ(a.events[0].time_unix_nano, a.end_ns);
  EXPECT_EQ(attr_str(a.events[0].attributes, "exception.stacktrace"), "a.php(1)");
  EXPECT_EQ(attr_str(a.events[0].attributes, "exception.message"), "fine");
  EXPECT_EQ(attr_str(a.events[0].attributes, "code.filepath"), "a.php");
  EXPECT_EQ(attr_int(a.events[0].attributes, "code.lineno"), 7);
}

TEST(LineParser, PrefixedSpellingWinsAndTheLastOfOneSpelling) {
  LogLine l = parse_ok(
      R"({"x_rpc_id":"0.3","rpc_id":"0.9","trace_id":"a","x_trace_id":"b","x_timestamp":1,"x_msg":"first","x_msg":"second"})");
  EXPECT_EQ(l.rpc_id, "0.3");
  EXPECT_EQ(l.trace_id_original, "b");
  EXPECT_EQ(l.name, "second");
}

TEST(LineParser, ServiceNaming) {
  ParserOptions o;
  o.service_mappings = {{"/var/log/orders/*.log", "orders"}, {"/var/log/pay/", "payments"}};
  const std::string both =
      R"({"x_trace_id":"t","x_rpc_id":"0.1","x_timestamp":1,"x_department":"dept","x_service":"svc"})";
  const std::string dept =
      R"({"x_trace_id":"t","x_rpc_id":"0.1","x_timestamp":1,"x_department":"dept"})";
  const std::string bare =
      R"({"x_trace_id":"t","x_rpc_id":"0.1","x_timestamp":1,"department":"dept","service":"svc2"})";
  EXPECT_EQ(parse_ok(both, "/var/log/orders/a.log", o).service, "orders");      // glob
  EXPECT_EQ(parse_ok(both, "/var/log/orders/sub/a.log", o).service, "orders");  // '*' spans '/'
  EXPECT_EQ(parse_ok(both, "/var/log/pay/x/y.log", o).service, "payments");     // prefix
  EXPECT_EQ(parse_ok(both, "/var/log/other.log", o).service, "svc");
  EXPECT_EQ(parse_ok(dept, "/var/log/other.log", o).service, "dept");
  EXPECT_EQ(parse_ok(bare, "", o).service, "svc2");
  // The department stays an attribute when it is not the service name.
  EXPECT_EQ(attr_str(parse_ok(both).attributes, "log.department"), "dept");
  EXPECT_EQ(attr(parse_ok(dept).attributes, "log.department"), nullptr);
}

TEST(LineParser, UnknownFieldsAreTypedAttributes) {
  LogLine l =
      parse_ok(R"({"x_trace_id":"t","x_rpc_id":"0.1","x_timestamp":1,"x_name":"request.info",)"
               R"("s":"str","i":-42,"d":1.5,"b":true,"n":null,"big":18446744073709551615,)"
               R"("o":{"a":1,"b":["x",2]},"arr":[1,"two",false,null],"x_custom":"kept"})");
  EXPECT_EQ(attr_str(l.attributes, "s"), "str");
  EXPECT_EQ(attr_int(l.attributes, "i"), -42);
  EXPECT_DOUBLE_EQ(*attr(l.attributes, "d")->as_double(), 1.5);
  EXPECT_TRUE(*attr(l.attributes, "b")->as_bool());
  EXPECT_EQ(attr(l.attributes, "n"), nullptr);  // null: no attribute
  EXPECT_EQ(attr_str(l.attributes, "big"), "18446744073709551615");
  const AnyValue* o = attr(l.attributes, "o");
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->to_string(), R"({"a":1,"b":["x",2]})");
  const AnyValue* arr = attr(l.attributes, "arr");
  ASSERT_NE(arr, nullptr);
  ASSERT_TRUE(std::holds_alternative<ArrayValue>(arr->v));
  EXPECT_EQ(std::get<ArrayValue>(arr->v).size(), 4u);
  EXPECT_EQ(attr_str(l.attributes, "x_custom"), "kept");
}

TEST(LineParser, ExtraMembersBecomeAttributes) {
  LogLine obj = parse_ok(
      R"({"x_trace_id":"t","x_rpc_id":"0.1","x_timestamp":1,"x_name":"request.info","x_code":"200",)"
      R"("x_extra":{"order.id":42,"log.code":"ignored","ok":true}})");
  EXPECT_EQ(attr_int(obj.attributes, "order.id"), 42);
  EXPECT_TRUE(*attr(obj.attributes, "ok")->as_bool());
  EXPECT_EQ(attr_str(obj.attributes, "log.code"), "200");  // a mapped field wins
  LogLine text = parse_ok(
      R"({"x_trace_id":"t","x_rpc_id":"0.1","x_timestamp":1,"x_extra":"{\"k\":\"v\",\"n\":3}"})");
  EXPECT_EQ(attr_str(text.attributes, "k"), "v");
  EXPECT_EQ(attr_int(text.attributes, "n"), 3);
  LogLine plain =
      parse_ok(R"({"x_trace_id":"t","x_rpc_id":"0.1","x_timestamp":1,"x_extra":"free text"})");
  EXPECT_EQ(attr_str(plain.attributes, "log.extra"), "free text");
  LogLine broken =
      parse_ok(R"({"x_trace_id":"t","x_rpc_id":"0.1","x_timestamp":1,"x_extra":"{not json"})");
  EXPECT_EQ(attr_str(broken.attributes, "log.extra"), "{not json");
}

TEST(LineParser, NumbersKeepOneType) {
  // x_code, x_line, x_pid as numbers or strings: the same attributes.
  LogLine n = parse_ok(
      R"({"x_name":"request.info","x_trace_id":"t","x_rpc_id":"0.1","x_timestamp":1,"x_code":200,"x_pid":77,"x_response_len":"5"})");
  LogLine s = parse_ok(
      R"({"x_name":"request.info","x_trace_id":"t","x_rpc_id":"0.1","x_timestamp":1,"x_code":"200","x_pid":"77","x_response_len":5})");
  EXPECT_EQ(attr_str(n.attributes, "log.code"), "200");
  EXPECT_EQ(n.attributes, s.attributes);
  EXPECT_EQ(attr_int(n.attributes, "process.pid"), 77);
  EXPECT_EQ(attr_int(n.attributes, "http.response.body.size"), 5);
  // Not a number: kept as a string under another key (never two types under one key).
  LogLine odd = parse_ok(
      R"({"x_name":"log.info","x_trace_id":"t","x_rpc_id":"0.1","x_timestamp":1,"x_line":"12a","x_pid":"worker-3"})");
  EXPECT_EQ(attr(odd.attributes, "code.lineno"), nullptr);
  EXPECT_EQ(attr_str(odd.attributes, "log.line"), "12a");
  EXPECT_EQ(attr_str(odd.attributes, "log.pid"), "worker-3");
  // Timestamps: float seconds, int seconds, milliseconds, microseconds, strings.
  auto ts = [](const std::string& v) {
    return parse_ok(R"({"x_trace_id":"t","x_rpc_id":"0.1","x_timestamp":)" + v + "}").end_ns;
  };
  EXPECT_EQ(ts("1506480162"), 1506480162 * kSec);
  EXPECT_EQ(ts("1506480162.123456"), 1506480162 * kSec + 123'456'000);
  EXPECT_EQ(ts("1506480162123"), 1506480162 * kSec + 123'000'000);
  EXPECT_EQ(ts("1506480162123456"), 1506480162 * kSec + 123'456'000);
  EXPECT_EQ(ts("1506480162123456789"), 1506480162 * kSec + 123'456'789);
  EXPECT_EQ(ts("\"1506480162.5\""), 1506480162 * kSec + 500'000'000);
  // Durations: seconds with a nanosecond fraction; strings too.
  LogLine d = parse_ok(
      R"({"x_trace_id":"t","x_rpc_id":"0.1","x_timestamp":100,"x_duration":"0.000000123"})");
  EXPECT_EQ(d.end_ns - d.start_ns, 123u);
  // Whole-second timestamps with a duration: start = timestamp - duration.
  LogLine w = parse_ok(R"({"x_trace_id":"t","x_rpc_id":"0.1","x_timestamp":100,"x_duration":2})");
  EXPECT_EQ(w.start_ns, 98 * kSec);
}

TEST(LineParser, ResponseIsCut) {
  ParserOptions o;
  o.max_response_bytes = 4;
  LogLine l = parse_ok(
      R"({"x_trace_id":"t","x_rpc_id":"0.1","x_timestamp":1,"x_response":"ab\u00e9\u00e9cd"})", "",
      o);
  EXPECT_EQ(attr_str(l.attributes, "log.response"), "ab\xC3\xA9");  // not inside the second é
}

TEST(LineParser, TraceIds) {
  bool hashed = true;
  TraceId hex = trace_id_from_text("0AF7651916CD43DD8448EB211C80319C", &hashed);
  EXPECT_FALSE(hashed);
  EXPECT_EQ(hex.to_hex(), "0af7651916cd43dd8448eb211c80319c");
  LogLine l = parse_ok(
      R"({"x_trace_id":"0af7651916cd43dd8448eb211c80319c","x_rpc_id":"0","x_timestamp":1})");
  EXPECT_EQ(l.trace_id, hex);
  EXPECT_TRUE(l.trace_id_original.empty());
  EXPECT_EQ(attr(l.attributes, "weft.log.trace_id"), nullptr);
  // Anything else: XXH3-128 of the bytes, canonical (big-endian) form.
  for (std::string text : {"123jiojfdsao", "00000000000000000000000000000000", "0af7651916cd43dd",
                           "\xE4\xB8\xAD-trace"}) {
    const TraceId id = trace_id_from_text(text, &hashed);
    EXPECT_TRUE(hashed) << text;
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits(text.data(), text.size()));
    EXPECT_EQ(0, std::memcmp(id.bytes.data(), c.digest, 16)) << text;
    EXPECT_EQ(id, trace_id_from_text(text, &hashed));  // stable
  }
  EXPECT_NE(trace_id_from_text("a", &hashed), trace_id_from_text("b", &hashed));
  // Span IDs: 16 hex as is, else hashed (original kept).
  LogLine s = parse_ok(
      R"({"x_trace_id":"t","x_span_id":"00f067aa0ba902b7","x_parent_span_id":"p-1","x_timestamp":1})");
  EXPECT_EQ(s.span_id.to_hex(), "00f067aa0ba902b7");
  EXPECT_FALSE(s.parent_span_id.is_zero());
  EXPECT_EQ(attr_str(s.attributes, "weft.log.parent_span_id"), "p-1");
  EXPECT_TRUE(s.rpc_id.empty());
}

TEST(LineParser, RpcIds) {
  EXPECT_EQ(parse_ok(R"({"x_trace_id":"t","x_rpc_id":"0.01.002","x_timestamp":1})").rpc_id,
            "0.1.2");
  EXPECT_EQ(parse_ok(R"({"x_trace_id":"t","x_rpc_id":0,"x_timestamp":1})").rpc_id, "0");
  EXPECT_EQ(parse_ok(R"({"x_trace_id":"t","x_rpc_id":"1.2.3.4.5.6.7.8.9.10","x_timestamp":1})").rpc,
            (std::vector<uint32_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  std::vector<uint32_t> r;
  std::string why;
  EXPECT_TRUE(parse_rpc_id("999999999", 4, &r, &why));
  EXPECT_FALSE(parse_rpc_id("1000000000", 4, &r, &why));
  EXPECT_FALSE(parse_rpc_id("0.1.2.3.4", 4, &r, &why));
  EXPECT_EQ(format_rpc_id(std::vector<uint32_t>{0, 2, 13}), "0.2.13");
  EXPECT_EQ(format_rpc_id(std::vector<uint32_t>{0, 2}, 5), "0.2.5");
}

TEST(LineParser, InternalSpanLines) {
  // The SDK's INTERNAL spans: a log.* line with x_span_id and x_duration.
  LogLine s = parse_ok(
      R"({"x_name":"log.info","x_trace_id":"t","x_rpc_id":"0.1","x_span_id":"1111111111111111","x_parent_span_id":"2222222222222222","x_timestamp":10,"x_duration":0.5,"x_module":"compute","x_msg":"compute"})");
  EXPECT_EQ(s.role, LineRole::kInternal);
  EXPECT_EQ(s.name, "compute");
  EXPECT_EQ(attr(s.attributes, "log.msg"), nullptr);  // the same as the name
  // Without a duration it is an event of that span.
  LogLine e = parse_ok(
      R"({"x_name":"log.info","x_trace_id":"t","x_span_id":"1111111111111111","x_timestamp":10,"x_msg":"step"})");
  EXPECT_EQ(e.role, LineRole::kEvent);
  // An event line's duration is kept as an attribute.
  LogLine d = parse_ok(
      R"({"x_name":"log.info","x_trace_id":"t","x_rpc_id":"0.1","x_timestamp":10,"x_duration":0.25})");
  EXPECT_DOUBLE_EQ(*attr(d.attributes, "log.duration")->as_double(), 0.25);
}

TEST(LineParser, TrimsCrlfBomAndBlanks) {
  LogLine l =
      parse_ok("\xEF\xBB\xBF  {\"x_trace_id\":\"t\",\"x_rpc_id\":\"0.1\",\"x_timestamp\":1}\r\n");
  EXPECT_EQ(l.rpc_id, "0.1");
  // The hash ignores what was trimmed: the same line from a CRLF file is a duplicate.
  EXPECT_EQ(l.hash, parse_ok("{\"x_trace_id\":\"t\",\"x_rpc_id\":\"0.1\",\"x_timestamp\":1}").hash);
}

struct RejectCase {
  std::string line;
  RejectReason reason;
};

TEST(LineParser, RejectsBadLinesWithAReason) {
  const std::string ok_fields = R"("x_trace_id":"t","x_rpc_id":"0.1","x_timestamp":1)";
  static const char kNul[] = "{\"x_trace_id\":\"t\0\",\"x_rpc_id\":\"0\",\"x_timestamp\":1}";
  const std::string with_nul(kNul, sizeof kNul - 1);
  std::string deep_rpc = "0";
  for (int i = 0; i < 64; ++i) deep_rpc += ".1";  // 65 components
  std::string deep(40, '[');
  deep += std::string(40, ']');
  const std::vector<RejectCase> cases = {
      {"", RejectReason::kEmptyLine},
      {"  \t \r", RejectReason::kEmptyLine},
      {with_nul, RejectReason::kBinary},
      {"\x01\x02\x03garbage", RejectReason::kBinary},
      {"{\"x_trace_id\":\"\xff\xfe\",\"x_rpc_id\":\"0\",\"x_timestamp\":1}", RejectReason::kBinary},
      {"2024-01-01 12:00:00 INFO started", RejectReason::kNotJson},
      {"{\"x_trace_id\":", RejectReason::kNotJson},
      {"{" + ok_fields + "} trailing", RejectReason::kNotJson},
      {"{" + ok_fields + ",\"a\":" + deep + "}", RejectReason::kNotJson},
      {"[1,2,3]", RejectReason::kNotObject},
      {"42", RejectReason::kNotObject},
      {"\"text\"", RejectReason::kNotObject},
      {"{" + ok_fields + ",\"x_msg\":\"" + std::string(70000, 'a') + "\"}",
       RejectReason::kFieldTooLarge},
      {"{" + ok_fields + ",\"" + std::string(70000, 'k') + "\":1}", RejectReason::kFieldTooLarge},
      {"{" + ok_fields + ",\"u\":{\"deep\":\"" + std::string(70000, 'a') + "\"}}",
       RejectReason::kFieldTooLarge},
      {R"({"x_trace_id":5,"x_rpc_id":"0.1","x_timestamp":1})", RejectReason::kWrongType},
      {R"({"x_trace_id":"t","x_rpc_id":0.1,"x_timestamp":1})", RejectReason::kWrongType},
      {R"({"x_trace_id":"t","x_rpc_id":["0"],"x_timestamp":1})", RejectReason::kWrongType},
      {R"({"x_trace_id":"t","x_rpc_id":"0.1","x_timestamp":"yesterday"})",
       RejectReason::kWrongType},
      {R"({"x_trace_id":"t","x_rpc_id":"0.1","x_timestamp":true})", RejectReason::kWrongType},
      {"{" + ok_fields + R"(,"x_duration":[1]})", RejectReason::kWrongType},
      {"{" + ok_fields + R"(,"x_code":{"a":1}})", RejectReason::kWrongType},
      {"{" + ok_fields + R"(,"x_name":1})", RejectReason::kWrongType},
      {"{" + ok_fields + R"(,"x_msg":false})", RejectReason::kWrongType},
      {"{" + ok_fields + R"(,"x_span_id":7})", RejectReason::kWrongType},
      {"{" + ok_fields + R"(,"x_dns_duration":"slow"})", RejectReason::kWrongType},
      {R"({"x_rpc_id":"0.1","x_timestamp":1})", RejectReason::kMissingTraceId},
      {R"({"x_trace_id":"","x_rpc_id":"0.1","x_timestamp":1})", RejectReason::kMissingTraceId},
      {R"({"x_trace_id":null,"x_rpc_id":"0.1","x_timestamp":1})", RejectReason::kMissingTraceId},
      {R"({"x_trace_id":"t","x_timestamp":1})", RejectReason::kMissingRpcId},
      {R"({"x_trace_id":"t","x_rpc_id":"","x_timestamp":1})", RejectReason::kMissingRpcId},
      {R"({"x_trace_id":"t","x_rpc_id":"0.1"})", RejectReason::kMissingTimestamp},
      {R"({"x_trace_id":"t","x_rpc_id":"0.1","x_timestamp":null})",
       RejectReason::kMissingTimestamp},
      {R"({"x_trace_id":"t","x_rpc_id":"0..1","x_timestamp":1})", RejectReason::kBadRpcId},
      {R"({"x_trace_id":"t","x_rpc_id":"a.b","x_timestamp":1})", RejectReason::kBadRpcId},
      {R"({"x_trace_id":"t","x_rpc_id":"0.1.","x_timestamp":1})", RejectReason::kBadRpcId},
      {R"({"x_trace_id":"t","x_rpc_id":".1","x_timestamp":1})", RejectReason::kBadRpcId},
      {R"({"x_trace_id":"t","x_rpc_id":"-1","x_timestamp":1})", RejectReason::kBadRpcId},
      {R"({"x_trace_id":"t","x_rpc_id":" 0.1","x_timestamp":1})", RejectReason::kBadRpcId},
      {R"({"x_trace_id":"t","x_rpc_id":"0.1x","x_timestamp":1})", RejectReason::kBadRpcId},
      {R"({"x_trace_id":"t","x_rpc_id":"0.12345678901","x_timestamp":1})", RejectReason::kBadRpcId},
      {R"({"x_trace_id":"t","x_rpc_id":")" + deep_rpc + R"(","x_timestamp":1})",
       RejectReason::kBadRpcId},
      {R"({"x_trace_id":"t","x_rpc_id":"0.1","x_timestamp":0})", RejectReason::kBadTimestamp},
      {R"({"x_trace_id":"t","x_rpc_id":"0.1","x_timestamp":-5})", RejectReason::kBadTimestamp},
      {R"({"x_trace_id":"t","x_rpc_id":"0.1","x_timestamp":1e300})", RejectReason::kBadTimestamp},
      {R"({"x_trace_id":"t","x_rpc_id":"0.1","x_timestamp":"-1.5"})", RejectReason::kBadTimestamp},
      {"{" + ok_fields + R"(,"x_duration":-0.5})", RejectReason::kBadDuration},
      {"{" + ok_fields + R"(,"x_duration":5})", RejectReason::kBadDuration},  // longer than ts
      {"{" + ok_fields + R"(,"x_duration":1})", RejectReason::kBadDuration},  // start at 0
  };
  for (const RejectCase& c : cases) {
    SCOPED_TRACE(c.line.substr(0, 120));
    LineStatus st = parse_status(c.line);
    EXPECT_EQ(st.reason, c.reason) << st.status.to_string();
    EXPECT_FALSE(st.status.is_ok());
    EXPECT_EQ(st.status.code(), ResultCode::kInvalidArgument);
    EXPECT_TRUE(st.status.message().starts_with(reject_reason_name(c.reason)))
        << st.status.message();
  }
  // Too long, against a small limit.
  ParserOptions small;
  small.max_line_bytes = 64;
  EXPECT_EQ(parse_status("{" + ok_fields + R"(,"x_msg":"0123456789012345678901234567890"})", small)
                .reason,
            RejectReason::kTooLong);
  // Messages say what is wrong, with the value quoted (and escaped).
  EXPECT_EQ(
      parse_status(R"({"x_trace_id":"t","x_rpc_id":"0..1","x_timestamp":1})").status.message(),
      "bad_rpc_id: x_rpc_id \"0..1\" is not dotted decimal numbers");
  EXPECT_EQ(parse_status(R"({"trace_id":[],"x_rpc_id":"0","x_timestamp":1})").status.message(),
            "wrong_type: \"trace_id\" must be a string, not an array");
  // Every reason has a distinct name.
  std::set<std::string_view> names;
  for (size_t i = 0; i < kRejectReasonCount; ++i)
    names.insert(reject_reason_name(static_cast<RejectReason>(i)));
  EXPECT_EQ(names.size(), kRejectReasonCount);
}

TEST(LineParser, ParserIsReusable) {
  // One parser, lines of all sizes, good and bad in turn.
  LineParser p;
  LogLine l;
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(p.parse(kExampleRequest, "", &l).ok());
    EXPECT_FALSE(p.parse("{bad", "", &l).ok());
    EXPECT_TRUE(p.parse(line("log.info", "t", "0.1", "s", 1,
                             ",\"x_msg\":\"" + std::string(50000, 'z') + "\""),
                        "", &l)
                    .ok());
    EXPECT_EQ(l.name.size(), 50000u);
    EXPECT_TRUE(p.parse(kExampleMysql, "", &l).ok());
    EXPECT_EQ(l.rpc_id, "0.2");
  }
}

}  // namespace
}  // namespace weft::logline
