#include "loadgen/span_builder.h"

#include <array>
#include <cstdio>
#include <string>
#include <utility>

#include "loadgen/catalog.h"

namespace weft::loadgen::detail {

using namespace weft::model;

namespace {

constexpr std::array<const char*, 6> kRegions = {
    "us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1", "ap-northeast-1"};
constexpr std::array<int, 8> kErrorHttpCodes = {500, 500, 502, 503, 504, 400, 404, 409};
constexpr uint32_t kEventPpm = 200'000;  // one span in five
constexpr uint32_t kRetryPpm = 30'000;   // retry=true

struct Failure {
  const char* type;
  const char* message;
};
constexpr std::array<Failure, 3> kServiceFailures = {{
    {"java.lang.IllegalStateException", "order state changed concurrently"},
    {"java.util.concurrent.TimeoutException", "deadline exceeded after 2000 ms"},
    {"java.lang.NullPointerException", "pricing rule for region is null"},
}};
constexpr std::array<Failure, 2> kDbFailures = {{
    {"org.postgresql.util.PSQLException", "ERROR: deadlock detected"},
    {"java.sql.SQLTimeoutException", "statement timeout after 1500 ms"},
}};
constexpr Failure kCacheFailure = {"redis.exceptions.ConnectionError", "Connection reset by peer"};

SpanKind kind_of(Op op) {
  switch (op) {
    case Op::kServer:
      return SpanKind::kServer;
    case Op::kInternal:
      return SpanKind::kInternal;
    case Op::kRpcClient:
    case Op::kDbClient:
    case Op::kCacheClient:
      return SpanKind::kClient;
    case Op::kProducer:
      return SpanKind::kProducer;
    case Op::kConsumer:
      return SpanKind::kConsumer;
  }
  return SpanKind::kUnspecified;
}

// "GET /api/v1/orders/{id}" -> method "GET", URL with the order ID in place of {id} (or as a
// query parameter), so http.url has the high cardinality of real URLs.
std::pair<std::string, std::string> method_and_url(const std::string& endpoint,
                                                   const std::string& address, int64_t order) {
  const size_t space = endpoint.find(' ');
  std::string method = endpoint.substr(0, space);
  std::string path = endpoint.substr(space + 1);
  const std::string id = std::to_string(order);
  const size_t brace = path.find("{id}");
  if (brace != std::string::npos) {
    path.replace(brace, 4, id);
  } else {
    path += "?order=" + id;
  }
  return {std::move(method), "https://" + address + ":8443" + path};
}

class SpanBuilder {
 public:
  SpanBuilder(Prng& rng, const TraceShape& shape, const TraceContext& ctx)
      : rng_(rng), shape_(shape), ctx_(ctx), catalog_(Catalog::reference()) {}

  std::vector<Span> build() {
    const size_t n = shape_.nodes.size();
    ids_.resize(n);
    orders_.resize(n);
    codes_.resize(n);
    for (size_t i = 0; i < n; ++i) {
      uint64_t id = 0;
      while (id == 0) id = rng_.next();
      for (int b = 0; b < 8; ++b)
        ids_[i].bytes[static_cast<size_t>(b)] = uint8_t(id >> (56 - 8 * b));
      orders_[i] = static_cast<int64_t>(1'000'000'000 + rng_.below(9'000'000'000));
    }
    for (size_t i = 0; i < n; ++i) codes_[i] = server_code(i);
    std::vector<Span> spans;
    spans.reserve(n);
    for (size_t i = 0; i < n; ++i) spans.push_back(build_span(i));
    return spans;
  }

 private:
  const Node& node(size_t i) const { return shape_.nodes[i]; }
  const ServiceInfo& service(int i) const { return catalog_.service(i); }

  // HTTP status of a SERVER node (0 for other nodes): the error code if it fails, 500 if a
  // failure propagated through it, else 200 (201 for POST).
  int server_code(size_t i) {
    const Node& n = node(i);
    if (n.op != Op::kServer) return 0;
    if (n.error) return kErrorHttpCodes[rng_.below(kErrorHttpCodes.size())];
    if (n.error_propagated) return 500;
    return service(n.service).endpoints[static_cast<size_t>(n.endpoint)].starts_with("POST") ? 201
                                                                                             : 200;
  }

  // http.method, http.url, http.status_code of the request a SERVER node serves, and
  // net.peer.name: service `peer`'s address, or edge peer -1 - `peer` if it is negative.
  void add_request_attributes(size_t server, int peer, KeyValueList& attrs) const {
    const Node& s = node(server);
    const ServiceInfo& svc = service(s.service);
    auto [method, url] = method_and_url(svc.endpoints[static_cast<size_t>(s.endpoint)], svc.address,
                                        orders_[server]);
    attrs.push_back({"http.method", std::move(method)});
    attrs.push_back({"http.url", std::move(url)});
    attrs.push_back({"http.status_code", int64_t{codes_[server]}});
    if (peer >= 0) {
      attrs.push_back({"net.peer.name", service(peer).address});
    } else {
      attrs.push_back({"net.peer.name", kEdgePeers[static_cast<size_t>(-1 - peer)]});
    }
  }

  void add_common_attributes(KeyValueList& attrs) {
    char user[16];
    std::snprintf(user, sizeof user, "user-%05lld", static_cast<long long>(ctx_.user_id));
    attrs.push_back({"user.id", std::string(user)});
    attrs.push_back({"region", kRegions[static_cast<size_t>(ctx_.region)]});
    attrs.push_back({"payload.size", static_cast<int64_t>(rng_.log_normal(1200.0, 1.0))});
    attrs.push_back({"retry", rng_.chance_ppm(kRetryPpm)});
  }

  // About 80 bytes, as an ORM writes it.
  static std::string db_statement(const ServiceInfo& svc) {
    const char* placeholder = svc.db_system == "mysql" ? "?" : "$1";
    return "SELECT id, status, total, updated_at FROM " + svc.domain +
           " WHERE id = " + placeholder +
           " AND tenant_id = " + (svc.db_system == "mysql" ? "?" : "$2");
  }

  void add_event(Span& span, const ServiceInfo& svc, int64_t order) {
    SpanEvent e;
    e.time_unix_nano = span.start_time_unix_nano + rng_.below(span.duration_nanos() + 1);
    if (rng_.below(2) == 0) {
      e.name = "cache.miss";
      e.attributes = {{"cache.key", svc.domain + ":" + std::to_string(order)}};
    } else {
      e.name = "retry";
      e.attributes = {{"retry.attempt", static_cast<int64_t>(1 + rng_.below(3))},
                      {"retry.reason", rng_.below(2) ? "timeout" : "connection reset"}};
    }
    span.events.push_back(std::move(e));
  }

  void fail(Span& span, Op op) {
    Failure f = kCacheFailure;
    if (op == Op::kDbClient) {
      f = kDbFailures[rng_.below(kDbFailures.size())];
    } else if (op != Op::kCacheClient) {
      f = kServiceFailures[rng_.below(kServiceFailures.size())];
    }
    span.status = {SpanStatusCode::kError, f.message};
    SpanEvent e;
    e.time_unix_nano = span.end_time_unix_nano;
    e.name = "exception";
    e.attributes = {{"exception.type", f.type}, {"exception.message", f.message}};
    span.events.push_back(std::move(e));
  }

  Span build_span(size_t i) {
    const Node& n = node(i);
    const ServiceInfo& svc = service(n.service);
    Span span;
    span.trace_id = ctx_.trace_id;
    span.span_id = ids_[i];
    if (n.parent >= 0) span.parent_span_id = ids_[static_cast<size_t>(n.parent)];
    span.flags = 1;  // sampled
    span.kind = kind_of(n.op);
    span.start_time_unix_nano = ctx_.start_unix_nano + n.start;
    span.end_time_unix_nano = span.start_time_unix_nano + n.duration;
    span.resource = svc.resources[static_cast<size_t>(n.host)];
    span.scope = catalog_.scope();
    KeyValueList& attrs = span.attributes;
    attrs.reserve(10);
    switch (n.op) {
      case Op::kServer:
        span.name = svc.endpoints[static_cast<size_t>(n.endpoint)];
        add_request_attributes(i, n.peer_service, attrs);
        break;
      case Op::kRpcClient: {
        const size_t callee = static_cast<size_t>(n.children.front());
        span.name = service(n.peer_service).endpoints[static_cast<size_t>(n.endpoint)];
        add_request_attributes(callee, n.peer_service, attrs);
        break;
      }
      case Op::kInternal: {
        span.name = svc.internal_ops[rng_.below(svc.internal_ops.size())];
        const size_t request = static_cast<size_t>(n.request);
        if (node(request).op == Op::kServer) {
          add_request_attributes(request, node(request).peer_service, attrs);
        } else if (node(request).peer_service >= 0) {
          attrs.push_back({"net.peer.name", service(node(request).peer_service).address});
        }
        break;
      }
      case Op::kDbClient:
        span.name = svc.sql_op;
        attrs.push_back({"db.system", svc.db_system});
        attrs.push_back({"db.statement", db_statement(svc)});
        attrs.push_back({"net.peer.name", svc.db_peer});
        break;
      case Op::kCacheClient:
        span.name = svc.cache_op;
        attrs.push_back({"db.system", "redis"});
        attrs.push_back({"db.statement", svc.cache_op.substr(6) + " " + svc.domain + ":" +
                                             std::to_string(orders_[i])});
        attrs.push_back({"net.peer.name", svc.cache_peer});
        break;
      case Op::kProducer:
        span.name = service(n.peer_service).publish_op;
        attrs.push_back({"net.peer.name", service(n.peer_service).address});
        break;
      case Op::kConsumer:
        span.name = svc.process_op;
        attrs.push_back({"net.peer.name", service(n.peer_service).address});
        span.links.push_back({ctx_.trace_id, ids_[static_cast<size_t>(n.link)], "", {}, 0, 0});
        break;
    }
    add_common_attributes(attrs);
    if (ctx_.slow_cohort && (i == 0 || n.slowdown > 1.0))
      attrs.push_back({"feature.flag", "new-pricing"});
    if (rng_.chance_ppm(kEventPpm)) add_event(span, svc, orders_[i]);
    if (n.error) {
      fail(span, n.op);
    } else if (n.error_propagated && n.op == Op::kRpcClient) {
      span.status = {SpanStatusCode::kError,
                     "HTTP " + std::to_string(codes_[static_cast<size_t>(n.children.front())])};
    }
    return span;
  }

  Prng& rng_;
  const TraceShape& shape_;
  const TraceContext& ctx_;
  const Catalog& catalog_;
  std::vector<SpanId> ids_;
  std::vector<int64_t> orders_;
  std::vector<int> codes_;
};

}  // namespace

std::vector<Span> build_spans(Prng& rng, const TraceShape& shape, const TraceContext& context) {
  return SpanBuilder(rng, shape, context).build();
}

}  // namespace weft::loadgen::detail
