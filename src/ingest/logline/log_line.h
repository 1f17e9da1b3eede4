#pragma once
// One trace log line of ../shared/LOGFORMAT.md, parsed and mapped onto the span model's
// vocabulary (docs/format/logline.md states the mapping exactly), and why a line can be
// rejected. The tree is not known here: a line becomes a span, an event of some span, or
// a part of a span only when the lines of its trace are put together (trace_builder.h).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/ids.h"
#include "common/status.h"
#include "model/span.h"

namespace weft::logline {

using namespace weft::model;

// Why a line was rejected. Stable: the names are the `reason` label of the reader's
// counters (weft_log_lines_rejected_total{reason="not_json"}).
enum class RejectReason : uint8_t {
  kNone = 0,          // accepted
  kEmptyLine,         // nothing but whitespace
  kTooLong,           // longer than ParserOptions::max_line_bytes
  kBinary,            // control bytes (NUL, ...) or invalid UTF-8: not text
  kNotJson,           // not valid JSON (or nested deeper than max_json_depth)
  kNotObject,         // valid JSON, but not an object
  kFieldTooLarge,     // a key or string value longer than max_field_bytes
  kWrongType,         // a field of LOGFORMAT.md's table with the wrong JSON type
  kMissingTraceId,    // no x_trace_id (or an empty one)
  kMissingRpcId,      // neither x_rpc_id nor x_span_id
  kMissingTimestamp,  // no x_timestamp
  kBadRpcId,          // x_rpc_id is not dotted decimal numbers (or too deep, too large)
  kBadTimestamp,      // x_timestamp not a positive, finite time before year 2262
  kBadDuration,       // x_duration negative, not finite, or reaching back to 1970
};
inline constexpr size_t kRejectReasonCount = 14;
// "empty_line", "too_long", "binary", "not_json", "not_object", "field_too_large",
// "wrong_type", "missing_trace_id", "missing_rpc_id", "missing_timestamp", "bad_rpc_id",
// "bad_timestamp", "bad_duration" ("accepted" for kNone).
std::string_view reject_reason_name(RejectReason r);

// The outcome of reading one line: accepted (reason kNone, status OK) or rejected with a
// reason and an INVALID_ARGUMENT status whose message says what is wrong
// ("bad_rpc_id: x_rpc_id \"0..1\" is not dotted decimal numbers").
struct LineStatus {
  RejectReason reason = RejectReason::kNone;
  Status status;
  bool ok() const { return reason == RejectReason::kNone; }
  static LineStatus reject(RejectReason reason, std::string message);
};

// What a line becomes, from its line type (x_name):
enum class LineRole : uint8_t {
  kServer,    // request.*: the SERVER span of the service that wrote it
  kClient,    // mysql.*, redis.*, memcache.*, http.* (ParserOptions::client_types)
  kConnect,   // *.connect: a CLIENT span for connection setup
  kInternal,  // any other type on a line with x_span_id and x_duration (the SDK's
              // INTERNAL spans): an INTERNAL span
  kEvent,     // log.*, metric.*, metrix.*, unknown or missing type: an event of a span
};
const char* line_role_name(LineRole r);

// A path -> service rule: `pattern` is a glob (fnmatch(3), '*' also matches '/') when it
// holds one of * ? [, else a prefix of the path.
struct ServiceMapping {
  std::string pattern;
  std::string service;
};

struct ParserOptions {
  size_t max_line_bytes = 1u << 20;    // longer lines: kTooLong
  size_t max_field_bytes = 64u << 10;  // any key or string value (x_response excepted)
  size_t max_response_bytes = 1024;    // x_response is cut to this many bytes
  size_t max_json_depth = 32;          // nesting of objects/arrays
  size_t max_rpc_id_depth = 64;        // RpcId components
  size_t max_attributes = 256;         // per line; more are dropped and counted
  // Tried in order against the line's source path; the first match names the service.
  std::vector<ServiceMapping> service_mappings;
  // Line-type prefixes (before the first '.') that make CLIENT spans.
  std::vector<std::string> client_types = {"mysql", "redis", "memcache", "http"};
};

// A parsed line. Strings are owned (a line is held until its trace is emitted).
struct LogLine {
  // --- identity ---
  TraceId trace_id;
  std::string trace_id_original;  // the line's x_trace_id when it was hashed, else empty
  std::string rpc_id;             // normalized ("0.02" -> "0.2"); empty if none
  std::vector<uint32_t> rpc;      // its components
  SpanId span_id;                 // x_span_id (zero if none)
  SpanId parent_span_id;          // x_parent_span_id (zero if none)
  uint64_t hash = 0;              // XXH3-64 of the line's bytes: duplicates
  // --- type ---
  std::string type;    // x_name as written ("" if absent)
  std::string prefix;  // its part before the first '.', lowercase ("mysql")
  LineRole role = LineRole::kEvent;
  bool error = false;  // marks its span (or the span it is an event of) as an error
  // --- times (ns since the epoch) ---
  uint64_t end_ns = 0;    // x_timestamp
  uint64_t start_ns = 0;  // x_timestamp - x_duration (== end_ns without a duration)
  // --- mapped content ---
  std::string service;      // mapping, else x_service/service, else x_department ("" if none)
  std::string version;      // x_version
  std::string name;         // span name (span roles) or event name (kEvent)
  std::string message;      // x_msg: the status message when `error`
  KeyValueList attributes;  // the span's (span roles) or the event's (kEvent)
  uint32_t dropped_attributes = 0;
  std::vector<SpanEvent> events;  // span roles: the `exception` event of x_backtrace/x_file/x_line
  size_t bytes = 0;               // approximate memory held

  bool is_span() const { return role != LineRole::kEvent; }
  bool has_rpc_id() const { return !rpc.empty(); }
  bool has_span_id() const { return !span_id.is_zero(); }
};

}  // namespace weft::logline
