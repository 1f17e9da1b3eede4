#pragma once
// Propagators move a Context across a process hop, in the header formats other tracers use,
// through carriers (HTTP headers, gRPC metadata, message-queue headers, URL query
// parameters). Extraction never throws and never fails the request: a malformed header is
// ignored (so a new trace starts) and counted in PropagationStats.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "weft/context.h"

namespace weft {

// Read/write access to one request's key/value metadata. Keys are compared
// case-insensitively by the carriers below (HTTP header names are case-insensitive).
class TextMapCarrier {
 public:
  virtual ~TextMapCarrier() = default;
  // The value of `key`, or "" if absent.
  virtual std::string_view Get(std::string_view key) const = 0;
  virtual void Set(std::string_view key, std::string_view value) = 0;
  // Every key present (for prefixed headers such as Jaeger's uberctx-*).
  virtual std::vector<std::string_view> Keys() const = 0;
};

class Propagator {
 public:
  virtual ~Propagator() = default;
  // `base` with what the carrier holds added (span context as remote, baggage, RpcId).
  // Returns `base` unchanged when the carrier holds nothing (valid) of this format.
  virtual Context Extract(const TextMapCarrier& carrier, const Context& base) const = 0;
  virtual void Inject(const Context& context, TextMapCarrier& carrier) const = 0;
  // Header names this propagator reads or writes.
  virtual std::vector<std::string> Fields() const = 0;
};

// --- built-in propagators (sdk/src/propagation) ---

// W3C Trace Context: traceparent + tracestate.
std::shared_ptr<Propagator> W3CTraceContextPropagator();
// W3C Baggage: baggage.
std::shared_ptr<Propagator> W3CBaggagePropagator();
// B3: `b3` single header, or X-B3-TraceId/SpanId/ParentSpanId/Sampled/Flags. Extract reads both
// encodings; Inject writes the chosen one. Debug ("d" / X-B3-Flags: 1) sets kTraceFlagDebug.
enum class B3Encoding : uint8_t { kSingle, kMulti };
std::shared_ptr<Propagator> B3Propagator(B3Encoding inject_encoding = B3Encoding::kSingle);
// Jaeger: uber-trace-id ({trace}:{span}:{parent}:{flags}) and uberctx-{key} baggage.
std::shared_ptr<Propagator> JaegerPropagator();
// The RpcId of ../shared/LOGFORMAT.md in one header (default "x-rpc-id") and the trace id in
// another ("x-trace-id"), for services that trace by log lines. Extract creates the
// request's RpcIdState; Inject writes the current span's RpcId.
std::shared_ptr<Propagator> RpcIdPropagator(RpcIdScheme scheme = RpcIdScheme::kPerRequest,
                                            std::string rpc_id_header = "x-rpc-id",
                                            std::string trace_id_header = "x-trace-id");
// A request header (default "x-weft-debug", any non-empty value other than "0") that forces
// the trace to be sampled and flagged debug, like the seed's X-DEBUG mode.
std::shared_ptr<Propagator> DebugHeaderPropagator(std::string header = "x-weft-debug");
// Extract: the span context comes from the first member that finds one; baggage, RpcId and
// debug members always apply. Inject: every member writes.
std::shared_ptr<Propagator> CompositePropagator(std::vector<std::shared_ptr<Propagator>> members);
// From a comma-separated list like OTEL_PROPAGATORS: tracecontext, baggage, b3 (single),
// b3multi, jaeger, rpcid, rpcid-percall, debug. Unknown names are an error (nullptr + *error).
std::shared_ptr<Propagator> PropagatorFromNames(std::string_view names, std::string* error);

struct PropagationStats {
  uint64_t extracted = 0;  // span contexts found
  uint64_t malformed = 0;  // headers present but not valid (ignored)
};
PropagationStats GetPropagationStats();

// The propagator installed by weft::Init (tracecontext,baggage by default).
const Propagator& GlobalPropagator();
// Shorthands over GlobalPropagator() and the current Context.
inline void Inject(TextMapCarrier& carrier) {
  GlobalPropagator().Inject(Context::Current(), carrier);
}
inline Context Extract(const TextMapCarrier& carrier) {
  return GlobalPropagator().Extract(carrier, Context::Current());
}

// --- carriers ---

// HTTP headers in a std::map / std::multimap / vector of pairs the caller owns. Names are
// matched case-insensitively; Set replaces an existing header of the same name.
class HttpHeaderCarrier final : public TextMapCarrier {
 public:
  using Headers = std::vector<std::pair<std::string, std::string>>;
  explicit HttpHeaderCarrier(Headers& headers) : headers_(headers) {}
  std::string_view Get(std::string_view key) const override;
  void Set(std::string_view key, std::string_view value) override;
  std::vector<std::string_view> Keys() const override;

 private:
  Headers& headers_;
};
class MapCarrier final : public TextMapCarrier {
 public:
  explicit MapCarrier(std::map<std::string, std::string>& m) : map_(m) {}
  std::string_view Get(std::string_view key) const override;
  void Set(std::string_view key, std::string_view value) override;
  std::vector<std::string_view> Keys() const override;

 private:
  std::map<std::string, std::string>& map_;
};
// gRPC metadata (keys lowercase, as gRPC requires), e.g. copied from
// grpc::ServerContext::client_metadata() or written to ClientContext::AddMetadata.
class GrpcMetadataCarrier final : public TextMapCarrier {
 public:
  explicit GrpcMetadataCarrier(std::multimap<std::string, std::string>& md) : md_(md) {}
  std::string_view Get(std::string_view key) const override;
  void Set(std::string_view key, std::string_view value) override;
  std::vector<std::string_view> Keys() const override;

 private:
  std::multimap<std::string, std::string>& md_;
};
// Message-queue headers (Kafka, AMQP, ...): an ordered list of key/value pairs; keys are
// matched exactly (queue headers are case-sensitive), Set replaces.
class MessageHeaderCarrier final : public TextMapCarrier {
 public:
  using Headers = std::vector<std::pair<std::string, std::string>>;
  explicit MessageHeaderCarrier(Headers& headers) : headers_(headers) {}
  std::string_view Get(std::string_view key) const override;
  void Set(std::string_view key, std::string_view value) override;
  std::vector<std::string_view> Keys() const override;

 private:
  Headers& headers_;
};
// URL query parameters of a target like "/path?a=1&traceparent=00-..." (values
// percent-decoded on Get, percent-encoded on Set). For links, redirects and beacons that
// cannot carry headers.
class UrlQueryCarrier final : public TextMapCarrier {
 public:
  explicit UrlQueryCarrier(std::string& target);
  std::string_view Get(std::string_view key) const override;
  void Set(std::string_view key, std::string_view value) override;
  std::vector<std::string_view> Keys() const override;

 private:
  void reparse();
  std::string& target_;
  std::vector<std::pair<std::string, std::string>> decoded_;
};

}  // namespace weft
