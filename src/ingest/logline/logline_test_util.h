#pragma once
// Helpers for the logline tests (header only: not part of the library).
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "logline/line_parser.h"
#include "logline/trace_builder.h"

namespace weft::logline::testing {

using namespace weft::model;

// LOGFORMAT.md's three example lines.
inline const std::string kExampleRequest =
    R"({"x_name":"request.info","x_trace_id":"123jiojfdsao","x_rpc_id":"0.1","x_version":"php-baseserver-4.0","x_department":"tal_client_frontend","x_timestamp":1506480162,"x_duration":0.021,"x_module":"js_game1_start","x_action":"http://testapi.example.com/v3/user/getinfo?id=9527","x_server_ip":"192.168.1.1:80","x_client_ip":"192.168.1.123","x_code":"200"})";
inline const std::string kExampleMysql =
    R"({"x_name":"mysql.request","x_trace_id":"123jiojfdsao","x_rpc_id":"0.2","x_version":"php-4","x_department":"tal_client_frontend","x_timestamp":1506480162,"x_duration":0.024,"x_module":"js_game1_round_sigup","x_instance_name":"default","x_host":"12.123.23.1:3306","x_db":"tal_game_round","x_action":"select * from t where id=1","x_code":"1","x_msg":"ok"})";
inline const std::string kExampleException =
    R"({"x_name":"log.exception","x_trace_id":"123jiojfdsao","x_rpc_id":"0.3","x_timestamp":1506480162,"x_module":"game1_round_win","x_file":"userinfo.php","x_line":"232","x_msg":"exception: call stack","x_code":"hy20001","x_backtrace":"x.php(123) gotError"})";

// A line of the given type, trace, RpcId and service, at `ts` seconds, plus `extra`
// (",\"x_msg\":\"...\"" and the like, spliced in before the closing brace).
inline std::string line(std::string_view type, std::string_view trace, std::string_view rpc,
                        std::string_view service, double ts = 1700000000.5,
                        std::string_view extra = "") {
  std::string s = "{\"x_name\":\"" + std::string(type) + "\",\"x_trace_id\":\"" +
                  std::string(trace) + "\",\"x_rpc_id\":\"" + std::string(rpc) + "\"";
  if (!service.empty()) s += ",\"x_department\":\"" + std::string(service) + "\"";
  char buf[64];
  std::snprintf(buf, sizeof buf, ",\"x_timestamp\":%.6f", ts);
  s += buf;
  s += extra;
  s += "}";
  return s;
}

inline LogLine parse_ok(const std::string& text, std::string_view source = "",
                        ParserOptions options = {}) {
  LineParser p(std::move(options));
  LogLine l;
  LineStatus st = p.parse(text, source, &l);
  EXPECT_TRUE(st.ok()) << st.status.to_string() << "\n" << text;
  return l;
}

inline LineStatus parse_status(const std::string& text, ParserOptions options = {}) {
  LineParser p(std::move(options));
  LogLine l;
  return p.parse(text, "", &l);
}

// Parses `texts` and builds them as one batch (with `emitted` carried across calls).
struct Built {
  std::vector<LogLine> lines;
  BuildResult result;
};
inline Built build(const std::vector<std::string>& texts, BuildOptions options = {},
                   EmittedTrace* emitted = nullptr) {
  static ResourceCache resources;
  EmittedTrace local;
  Built b;
  for (const std::string& t : texts) b.lines.push_back(parse_ok(t));
  std::vector<const LogLine*> ptrs;
  for (const LogLine& l : b.lines) ptrs.push_back(&l);
  b.result = build_trace(ptrs, options, emitted ? emitted : &local, &resources);
  return b;
}

inline const AnyValue* attr(const KeyValueList& attrs, std::string_view key) {
  return find_attribute(attrs, key);
}
inline std::string attr_str(const KeyValueList& attrs, std::string_view key) {
  const AnyValue* v = find_attribute(attrs, key);
  return v && v->as_string() ? *v->as_string() : std::string("<none>");
}
inline int64_t attr_int(const KeyValueList& attrs, std::string_view key) {
  const AnyValue* v = find_attribute(attrs, key);
  return v && v->as_int() ? *v->as_int() : -999;
}

// The span with this RpcId and kind, or nullptr.
inline const Span* by_rpc(const std::vector<Span>& spans, std::string_view rpc, SpanKind kind) {
  for (const Span& s : spans)
    if (s.rpc_id == rpc && s.kind == kind) return &s;
  return nullptr;
}
inline const Span* by_name(const std::vector<Span>& spans, std::string_view name) {
  for (const Span& s : spans)
    if (s.name == name) return &s;
  return nullptr;
}
inline const Span* by_id(const std::vector<Span>& spans, const SpanId& id) {
  for (const Span& s : spans)
    if (s.span_id == id) return &s;
  return nullptr;
}
inline bool is_placeholder(const Span& s) {
  const AnyValue* v = find_attribute(s.attributes, "weft.placeholder");
  return v && v->as_bool() && *v->as_bool();
}

}  // namespace weft::logline::testing
