#include "logline_gen.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace weft::bench {
namespace {

struct Service {
  const char* department;
  const char* version;
  const char* module;  // module prefix: <module>_<function>_<action>
  const char* host;    // its own address (server side)
  const char* url;     // base URL others call it at
  bool whole_seconds;  // writes integer x_timestamp (older PHP loggers do)
};

constexpr std::array<Service, 8> kServices = {{
    {"tal_client_frontend", "php-baseserver-4.0", "js_game1", "192.168.1.1:80",
     "http://testapi.example.com", true},
    {"user_center", "php-user-2.3.1", "uc_account", "10.2.0.11:8080", "http://user-center.internal",
     false},
    {"order_service", "java-order-1.8.0", "order_core", "10.2.1.7:8081",
     "http://order.internal:8081", false},
    {"pay_gateway", "go-pay-0.9.12", "pay_gw", "10.2.4.21:9000", "http://pay-gw.internal:9000",
     false},
    {"search_api", "java-search-3.1.4", "search_query", "10.3.0.5:8090",
     "http://search.internal:8090", false},
    {"inventory", "go-inventory-1.2.0", "inv_stock", "10.3.2.14:7001",
     "http://inventory.internal:7001", false},
    {"recommend", "py-recommend-5.0.2", "rec_model", "10.4.0.9:5000",
     "http://recommend.internal:5000", false},
    {"message_push", "php-push-1.0.7", "msg_push", "10.4.1.30:8088", "http://push.internal:8088",
     true},
}};

constexpr std::array<const char*, 6> kActions = {"get",    "list",  "update",
                                                 "create", "check", "sync"};
constexpr std::array<const char*, 6> kTables = {"user_profile", "orders",      "payments",
                                                "stock_items",  "game_rounds", "coupons"};
constexpr std::array<const char*, 4> kDbs = {"tal_game_round", "tal_user", "tal_order", "tal_pay"};
constexpr std::array<const char*, 3> kMysqlHosts = {"12.123.23.1:3306", "12.123.23.2:3306",
                                                    "12.123.24.9:3307"};
constexpr std::array<const char*, 3> kRedisHosts = {"10.0.0.9:6379", "10.0.0.10:6379",
                                                    "10.0.0.11:6380"};
constexpr std::array<const char*, 2> kMemcacheHosts = {"10.0.1.3:11211", "10.0.1.4:11211"};
constexpr std::array<const char*, 8> kMessages = {
    "user session loaded from cache, refreshing the expiry window",
    "round state checked: player is allowed to join the next round",
    "price list fetched, applying the regional discount rules",
    "retrying the request once after a timeout from the upstream",
    "cart merged with the saved items of the previous session",
    "feature flag new_checkout_flow is on for this user bucket",
    "slow query detected, consider an index on the filtered column",
    "rate limit bucket at 80 percent for this client application",
};
constexpr std::array<const char*, 3> kAgents = {
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_5 like Mac OS X) AppleWebKit/605.1.15",
    "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 Chrome/120.0 Mobile",
    "okhttp/4.11.0",
};

std::string rpc_text(const std::vector<uint32_t>& rpc) {
  std::string s;
  for (size_t i = 0; i < rpc.size(); ++i) {
    if (i) s.push_back('.');
    s += std::to_string(rpc[i]);
  }
  return s;
}

std::vector<uint32_t> child(const std::vector<uint32_t>& rpc, uint32_t k) {
  std::vector<uint32_t> r = rpc;
  r.push_back(k);
  return r;
}

// Seconds with `digits` decimals from microseconds ("1506480162.021345", "0.000412").
std::string seconds(uint64_t us, bool whole) {
  std::string s = std::to_string(us / 1'000'000);
  if (whole) return s;
  std::string frac = std::to_string(us % 1'000'000);
  s.push_back('.');
  s.append(6 - frac.size(), '0');
  s += frac;
  return s;
}

// One JSON object, field by field (values here never need escaping).
class Json {
 public:
  Json() { s_.reserve(640); }
  Json& str(std::string_view k, std::string_view v) {
    key(k);
    s_.push_back('"');
    s_ += v;
    s_.push_back('"');
    return *this;
  }
  Json& raw(std::string_view k, std::string_view v) {
    key(k);
    s_ += v;
    return *this;
  }
  std::string done() {
    s_.push_back('}');
    return std::move(s_);
  }

 private:
  void key(std::string_view k) {
    s_.push_back(s_.empty() ? '{' : ',');
    s_.push_back('"');
    s_ += k;
    s_ += "\":";
  }
  std::string s_;
};

}  // namespace

struct LoglineGenerator::Ctx {
  std::string trace_id;
  bool per_call = false;
  bool error = false;
  std::vector<Line> lines;
  uint64_t uid = 0;
  size_t budget = 0;  // lines still allowed in this trace
};

LoglineGenerator::LoglineGenerator(LoglineGenOptions options)
    : options_(options), rng_(options.seed), clock_us_(options.start_unix_us) {
  active_.resize(std::max<size_t>(1, options.concurrent_traces));
}

// Service `service` handles a request it received as RpcId `rpc` (the caller's call
// number; {0} for the entry service) from start_us on; returns when it ends. Its lines go
// to c.lines (sorted by time later).
uint64_t LoglineGenerator::serve(Ctx& c, size_t service, const std::vector<uint32_t>& rpc,
                                 uint64_t start_us, int depth, const std::string& client_ip) {
  const Service& sv = kServices[service];
  const bool whole = sv.whole_seconds;
  // Per-request: the request is R.1 and calls are R.2, R.3...; per-call: R and R.1, R.2...
  const std::vector<uint32_t> request = c.per_call ? rpc : child(rpc, 1);
  uint32_t next_call = c.per_call ? 1 : 2;
  std::string last_number = rpc_text(request);
  uint64_t t = start_us + 30 + below(200);
  const std::string pid = std::to_string(1000 + below(30000));
  const char* func = kActions[below(kActions.size())];

  auto common = [&](Json& j, const char* name, const std::string& number, uint64_t at) {
    j.str("x_name", name)
        .str("x_trace_id", c.trace_id)
        .str("x_rpc_id", number)
        .str("x_version", sv.version)
        .str("x_department", sv.department)
        .raw("x_timestamp", seconds(at, whole));
  };
  auto log_line = [&](const char* level) {
    if (c.budget == 0) return;
    --c.budget;
    t += 20 + below(300);
    Json j;
    common(j, level, last_number, t);
    j.str("x_module", std::string(sv.module) + "_" + func + "_step" + std::to_string(below(9)))
        .str("x_file", std::string(sv.module) + "/handler_" + func + ".php")
        .str("x_line", std::to_string(20 + below(900)))
        .str("x_msg", kMessages[below(kMessages.size())])
        .str("x_pid", pid);
    c.lines.push_back({t, j.done()});
  };

  const uint32_t calls = depth == 0 ? 2 + below(7) : 1 + below(5);
  if (percent(40)) log_line("log.info");
  for (uint32_t i = 0; i < calls && c.budget > 2; ++i) {
    const uint32_t kind = below(100);
    const bool http = kind >= 65 && depth < 3 && c.budget > 4;
    if (kind >= 65 && !http) {  // a metric sample instead of a call: no call number taken
      --c.budget;
      t += 10 + below(50);
      Json j;
      common(j, "metric.count", last_number, t);
      j.str("x_module", std::string(sv.module) + "_" + func + "_metrics")
          .raw("x_extra", "{\"metric\":\"" + std::string(sv.module) + "." + func +
                              ".calls\",\"value\":" + std::to_string(1 + below(5)) +
                              ",\"region\":\"cn-north-1\",\"canary\":false}")
          .str("x_msg", "counter sample for the dashboard")
          .str("x_pid", pid);
      c.lines.push_back({t, j.done()});
      continue;
    }
    const std::vector<uint32_t> call = child(c.per_call ? request : rpc, next_call++);
    const std::string number = rpc_text(call);
    t += 50 + below(500);
    const uint64_t call_start = t;
    if (kind < 30 + (depth >= 2 ? 30 : 0)) {  // mysql, sometimes with its connect
      const char* host = kMysqlHosts[below(kMysqlHosts.size())];
      const char* db = kDbs[below(kDbs.size())];
      if (percent(25) && c.budget > 1) {
        --c.budget;
        const uint64_t d = 300 + below(3000);
        t += d;
        Json j;
        common(j, "mysql.connect", number, t);
        j.raw("x_duration", seconds(d, false))
            .str("x_module", std::string(sv.module) + "_" + func + "_dbconnect")
            .str("x_instance_name", "default")
            .str("x_host", host)
            .str("x_db", db)
            .str("x_server_ip", host)
            .str("x_code", "0")
            .str("x_msg", "connected");
        c.lines.push_back({t, j.done()});
      }
      --c.budget;
      const uint64_t d = 500 + below(20000);
      t += d;
      const bool err = c.error && percent(30);
      const std::string table = kTables[below(kTables.size())];
      Json j;
      common(j, err ? "mysql.error" : "mysql.request", number, t);
      j.raw("x_duration", seconds(d, false))
          .str("x_module", std::string(sv.module) + "_" + func + "_" + table)
          .str("x_instance_name", "default")
          .str("x_host", host)
          .str("x_db", db)
          .str("x_action", "select id, status, updated_at from " + table + " where user_id=" +
                               std::to_string(c.uid) + " and status in (1,2) limit 20")
          .str("x_code", err ? "1205" : "1")
          .str("x_msg", err ? "Lock wait timeout exceeded; try restarting transaction" : "ok");
      c.lines.push_back({t, j.done()});
    } else if (kind < 65) {  // redis / memcache
      --c.budget;
      const bool redis = kind < 55;
      const uint64_t d = 80 + below(2000);
      t += d;
      Json j;
      common(j, redis ? "redis.request" : "memcache.request", number, t);
      j.raw("x_duration", seconds(d, false))
          .str("x_module", std::string(sv.module) + "_" + func + "_cache")
          .str("x_host", redis ? kRedisHosts[below(kRedisHosts.size())]
                               : kMemcacheHosts[below(kMemcacheHosts.size())])
          .str("x_action", std::string(redis ? "GET" : "get") + " session:" +
                               std::to_string(c.uid) + ":profile:v" + std::to_string(below(9)))
          .str("x_code", "0")
          .raw("x_response_len", std::to_string(40 + below(4000)))
          .str("x_msg", "ok");
      c.lines.push_back({t, j.done()});
    } else {  // HTTP to another service: it writes lines too
      size_t callee = 1 + below(kServices.size() - 1);
      if (callee == service) callee = (callee % (kServices.size() - 1)) + 1;
      const Service& cs = kServices[callee];
      std::string self_ip(sv.host);
      self_ip = self_ip.substr(0, self_ip.find(':'));
      const uint64_t end =
          serve(c, callee, call, call_start + 200 + below(400), depth + 1, self_ip);
      t = end + 100 + below(600);
      {  // (written even past the budget: a trace never misses its call lines)
        if (c.budget > 0) --c.budget;
        const bool post = percent(50);
        Json j;
        common(j, post ? "http.post" : "http.get", number, t);
        j.raw("x_duration", seconds(t - call_start, false))
            .str("x_module", std::string(sv.module) + "_" + func + "_call_" + cs.module)
            .str("x_action", std::string(cs.url) + "/v2/" + cs.module + "/" + func +
                                 "?uid=" + std::to_string(c.uid))
            .str("x_param", "{uid:" + std::to_string(c.uid) + ",lang:zh-CN}")
            .str("x_code", "200")
            .raw("x_dns_duration", "0.000" + std::to_string(100 + below(800)));
        c.lines.push_back({t, j.done()});
      }
    }
    last_number = number;
    if (percent(30)) log_line(percent(80) ? "log.info" : "log.debug");
  }
  if (c.error && depth == 0 && c.budget > 1) {
    --c.budget;
    t += 40;
    Json j;
    common(j, "log.exception", last_number, t);
    j.str("x_module", std::string(sv.module) + "_" + func + "_win")
        .str("x_file", "userinfo.php")
        .str("x_line", std::to_string(100 + below(300)))
        .str("x_msg", "exception: call stack")
        .str("x_code", "hy20001")
        .str("x_backtrace",
             "#0 x.php(123): gotError()\\n#1 round.php(88): settle()\\n#2 "
             "index.php(12): dispatch()");
    c.lines.push_back({t, j.done()});
  }
  // The request line is written when the request ends.
  t += 20 + below(100);
  {  // (written even past the budget: a trace never misses its request lines)
    if (c.budget > 0) --c.budget;
    Json j;
    common(j, "request.info", rpc_text(request), t);
    j.raw("x_duration", seconds(t - start_us, false))
        .str("x_module", std::string(sv.module) + "_" + func + "_start")
        .str("x_action", std::string(sv.url) + "/v3/" + sv.module + "/" + func +
                             "?id=" + std::to_string(c.uid % 100000))
        .str("x_server_ip", sv.host)
        .str("x_client_ip", client_ip)
        .str("x_code", c.error && depth == 0 ? "500" : "200")
        .str("x_uid", std::to_string(c.uid))
        .str("x_pid", pid);
    if (depth == 0) j.str("x_user_agent", kAgents[below(kAgents.size())]);
    c.lines.push_back({t, j.done()});
  }
  return t;
}

std::vector<LoglineGenerator::Line> LoglineGenerator::make_trace() {
  Ctx c;
  ++traces_;
  static constexpr char kHex[] = "0123456789abcdef";
  static constexpr char kAlnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  if (percent(50)) {
    for (int i = 0; i < 32; ++i) c.trace_id.push_back(kHex[below(16)]);
  } else {  // an application's own ID: hashed by the reader
    c.trace_id = "req-";
    for (int i = 0; i < 20; ++i) c.trace_id.push_back(kAlnum[below(36)]);
  }
  c.per_call = percent(options_.per_call_percent);
  c.error = percent(options_.error_percent);
  c.uid = 100000 + below(900000);
  c.budget = percent(3) ? 120 : 4 + below(30);
  clock_us_ += 1 + below(static_cast<uint32_t>(std::max<uint64_t>(1, 2 * options_.request_gap_us)));
  serve(c, 0, {0}, clock_us_, 0, "192.168.1." + std::to_string(2 + below(250)));
  std::stable_sort(c.lines.begin(), c.lines.end(),
                   [](const Line& a, const Line& b) { return a.at_us < b.at_us; });
  return std::move(c.lines);
}

std::vector<std::string> LoglineGenerator::trace() {
  std::vector<std::string> out;
  for (Line& l : make_trace()) out.push_back(std::move(l.text));
  lines_ += out.size();
  return out;
}

void LoglineGenerator::next(std::string* out) {
  // The request whose next line is written first.
  Active* best = nullptr;
  for (Active& a : active_) {
    if (a.lines.empty()) {
      std::vector<Line> t = make_trace();
      a.lines.assign(std::make_move_iterator(t.begin()), std::make_move_iterator(t.end()));
    }
    if (!best || a.lines.front().at_us < best->lines.front().at_us) best = &a;
  }
  *out = std::move(best->lines.front().text);
  best->lines.pop_front();
  ++lines_;
}

std::string generate_lines(const LoglineGenOptions& options, size_t n) {
  LoglineGenerator gen(options);
  std::string all, line;
  all.reserve(n * 480);
  for (size_t i = 0; i < n; ++i) {
    gen.next(&line);
    all += line;
    all.push_back('\n');
  }
  return all;
}

}  // namespace weft::bench
