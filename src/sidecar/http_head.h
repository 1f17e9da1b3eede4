#pragma once
// The head of an HTTP/1.x message (request line or status line, then header fields), parsed
// in place: every view points into the caller's read buffer, which must not move or change
// while the head is used. The sidecar forwards heads nearly verbatim, so it only needs to
// know where each field is, the few fields that decide framing and connection handling, and
// which trace-context fields are present (so extraction is skipped when none are).
//
// Strict where request smuggling lives (RFC 9112): obs-fold, whitespace before the colon,
// control characters, conflicting Content-Length values, Transfer-Encoding together with
// Content-Length (a request), or a coding after "chunked", are all refused.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace weft::sidecar {

// Header names the sidecar acts on. Everything else is kOther and passed through.
enum class FieldId : uint8_t {
  kOther,
  kContentLength,
  kTransferEncoding,
  kConnection,
  kKeepAlive,
  kProxyConnection,
  kProxyAuthorization,
  kTe,
  kTrailer,
  kUpgrade,
  kHost,
  kExpect,
  kUserAgent,
  kXForwardedFor,
  // trace context
  kTraceparent,
  kTracestate,
  kBaggage,
  kB3,
  kB3Multi,  // x-b3-traceid / spanid / parentspanid / sampled / flags
  kUberTraceId,
  kJaegerDebugId,
  kUberCtx,  // uberctx-*
  kRpcId,    // x-rpc-id
  kTraceIdHeader,  // x-trace-id
  kWeftDebug,      // x-weft-debug
};

// Bits of MessageHead::trace_fields: which trace-context fields the head holds.
namespace trace_field {
inline constexpr uint32_t kTraceparent = 1u << 0, kTracestate = 1u << 1, kBaggage = 1u << 2,
                          kB3 = 1u << 3, kB3Multi = 1u << 4, kUberTraceId = 1u << 5,
                          kJaegerDebugId = 1u << 6, kUberCtx = 1u << 7, kRpcId = 1u << 8,
                          kTraceIdHeader = 1u << 9, kWeftDebug = 1u << 10;
}

struct Field {
  std::string_view name;
  std::string_view value;  // without surrounding white space
  FieldId id = FieldId::kOther;
};

struct MessageHead {
  // Request line (requests).
  std::string_view method;
  std::string_view target;
  // Status line (responses).
  int status = 0;
  std::string_view reason;
  int version_minor = 1;  // HTTP/1.<minor>
  std::vector<Field> fields;
  size_t head_bytes = 0;  // bytes of the head in the buffer, from its start (incl. leading CRLFs)

  // Framing.
  int64_t content_length = -1;  // -1: none
  bool chunked = false;         // Transfer-Encoding ends in chunked
  bool other_coding = false;    // Transfer-Encoding without a final chunked (responses only)
  bool length_and_coding = false;  // a response with both: the length is ignored and dropped
  // Connection handling.
  bool conn_close = false;
  bool conn_keep_alive = false;
  bool conn_upgrade = false;
  bool conn_other_tokens = false;  // Connection names other fields (hop-by-hop, removed)
  bool has_upgrade = false;        // an Upgrade field is present
  bool expect_continue = false;
  uint32_t trace_fields = 0;  // trace_field bits
  // Handy values ("" when absent).
  std::string_view host;
  std::string_view user_agent;
  std::string_view x_forwarded_for;

  // The first value of `name` (case-insensitive), "" if absent.
  std::string_view Get(std::string_view name) const;
  // Whether the message wants the connection kept open afterwards (HTTP/1.1 default yes,
  // HTTP/1.0 only with keep-alive).
  bool KeepAlive() const {
    return version_minor >= 1 ? !conn_close : (conn_keep_alive && !conn_close);
  }
  // Whether field `f` is named by a Connection token (a hop-by-hop field of this hop).
  bool NamedByConnection(const Field& f) const;
  void Clear();
};

enum class ParseStatus : uint8_t {
  kIncomplete,      // need more bytes
  kOk,              // head complete: *out filled, out->head_bytes set
  kBad,             // malformed: 400 (or 502 for a response)
  kTooLarge,        // head longer than the limit, or too many fields: 431 (502)
  kBadVersion,      // HTTP/x.y we do not speak: 505
};

// Finds and parses one head at the start of [data, data+len). Incremental: keeps how far it
// has looked for the end of the head, so feeding a head byte by byte stays linear.
class HeadParser {
 public:
  static constexpr size_t kMaxFields = 128;

  ParseStatus ParseRequest(const char* data, size_t len, size_t max_bytes, MessageHead* out);
  ParseStatus ParseResponse(const char* data, size_t len, size_t max_bytes, MessageHead* out);
  // Forget the scan position (the buffer holds a new message).
  void Reset() { scanned_ = 0; }
  // Why the last kBad was returned (for logs and the 400 body).
  const char* error() const { return error_; }

 private:
  // Sets *end to the offset just past the blank line ending the head, or returns false.
  bool FindEnd(const char* data, size_t len, size_t start, size_t* end);
  ParseStatus ParseFields(const char* p, const char* end, MessageHead* out, bool request);
  ParseStatus Fail(const char* why) {
    error_ = why;
    return ParseStatus::kBad;
  }
  size_t scanned_ = 0;
  const char* error_ = "";
};

// Case-insensitive ASCII equality.
bool IEquals(std::string_view a, std::string_view b);
FieldId ClassifyField(std::string_view name);

// The parts of a request target: path (never empty for origin/absolute form: "/" when the
// URI has none) and query (without '?', "" if none). Authority form (CONNECT) and "*" give
// the target as path.
struct TargetParts {
  std::string_view scheme;     // absolute form only ("http")
  std::string_view authority;  // absolute form only ("host:port")
  std::string_view path;
  std::string_view query;
};
TargetParts SplitTarget(std::string_view target);

}  // namespace weft::sidecar
