#pragma once
// Turns the parsed lines of one trace into spans: parent links from the RpcId under either
// numbering scheme (or from x_span_id / x_parent_span_id), log lines as events of the span
// the scheme places them in, placeholders for missing parents, gaps marked on the parent
// (weft.rpcid.missing). docs/format/logline.md describes the rules with worked examples.
//
// Lines of a trace may come in several batches (a line arriving after its trace was
// emitted): EmittedTrace remembers what earlier batches emitted (span IDs by RpcId and
// role, line hashes, the scheme) so a later batch links to those spans instead of making
// placeholders, and never emits a line twice.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "logline/log_line.h"
#include "model/span.h"

namespace weft::logline {

using namespace weft::model;

// The two RpcId numbering schemes of LOGFORMAT.md.
enum class RpcIdScheme : uint8_t {
  kPerRequest,  // a service receiving R numbers its request R.1 and its calls R.2, R.3, ...
  kPerCall,     // EagleEye: a service receiving R is R; its calls are R.1, R.2, ...
};
const char* rpc_id_scheme_name(RpcIdScheme s);  // "per-request" / "per-call"

enum class SchemeMode : uint8_t { kDetect, kPerRequest, kPerCall };
// "detect", "per-request", "per-call"; false for anything else.
bool parse_scheme_mode(std::string_view text, SchemeMode* out);

// Evidence for each scheme among a trace's lines (LOGFORMAT.md, "Telling them apart"),
// from the SERVER lines (request.*) that have an RpcId:
//   per-call:    a SERVER line whose RpcId is a single number ("0") or does not end in .1;
//                a CLIENT line with the same RpcId as a SERVER line; a CLIENT line of the
//                same service one level below a SERVER line (SERVER 0.2, CLIENT 0.2.1)
//   per-request: a CLIENT line of the same service beside a SERVER line ending in .1
//                (SERVER 0.2.1, CLIENT 0.2.k, k >= 2)
// ("same service" holds when either line names none.)
struct SchemeVotes {
  uint32_t per_request = 0;
  uint32_t per_call = 0;
};
SchemeVotes count_scheme_votes(std::span<const LogLine* const> lines);
// The scheme with more votes; `undecided` on a tie (including no evidence at all).
RpcIdScheme choose_scheme(SchemeVotes votes, RpcIdScheme undecided);

struct BuildOptions {
  SchemeMode scheme = SchemeMode::kDetect;
  RpcIdScheme undecided = RpcIdScheme::kPerRequest;  // detection found no evidence
  size_t max_missing_listed = 64;                    // numbers listed in weft.rpcid.missing
  size_t max_events_per_span = 1000;                 // more are dropped and counted
  // Attributes a span built from several lines may gather (each line has its own limit,
  // ParserOptions::max_attributes); more are dropped and counted. Both stay under the
  // receivers' limits (ingest::Limits: 1024), so a log-built span always validates.
  size_t max_attributes_per_span = 1000;
};

// What the batches of a trace emitted so far. Keys of `nodes`:
//   "S:<rpc>"          the SERVER span at that RpcId (real or placeholder)
//   "C:<rpc>"          the call (CLIENT span) at that RpcId (real or placeholder)
//   "K:<rpc>|<role>"   a real span of that RpcId and role key ("call:mysql", ...)
//   "X:<span id hex>"  a span with an explicit x_span_id
struct EmittedTrace {
  struct Node {
    SpanId id;
    bool placeholder = false;
    std::string service;
  };
  bool has_scheme = false;
  RpcIdScheme scheme = RpcIdScheme::kPerRequest;
  std::vector<uint64_t> lines;  // hashes of the lines emitted, ascending, unique
  std::unordered_map<std::string, Node> nodes;

  bool has_line(uint64_t hash) const;
  // Adds hashes (any order, duplicates allowed) to `lines`.
  void add_lines(std::vector<uint64_t> hashes);
  size_t entries() const { return lines.size() + nodes.size(); }
  size_t approx_bytes() const;
};

// Resources shared by the spans of one (service, version): what a span's `resource` points
// to. Bounded: cleared when it holds more than `max_entries`.
class ResourceCache {
 public:
  explicit ResourceCache(size_t max_entries = 4096) : max_entries_(max_entries) {}
  std::shared_ptr<const Resource> get(const std::string& service, const std::string& version);

 private:
  size_t max_entries_;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<const Resource>> cache_;
};

// The instrumentation scope of every log-built span: {"weft.logline", ""}.
std::shared_ptr<const InstrumentationScope> logline_scope();

struct BuildResult {
  std::vector<Span> spans;
  RpcIdScheme scheme = RpcIdScheme::kPerRequest;
  uint32_t placeholders = 0;      // placeholder spans made
  uint32_t events = 0;            // lines that became events of a span
  uint32_t late_event_spans = 0;  // event lines whose span was emitted earlier
  uint32_t merged_lines = 0;      // span lines merged into another line's span
  uint32_t duplicate_lines = 0;   // lines already emitted (or twice in `lines`): skipped
};

// Builds the spans of one trace from its lines (all of the same trace ID, any order).
// `emitted` (not null) holds what earlier batches of the trace emitted and is updated
// with this batch's spans. Deterministic: the same lines give the same spans in the same
// order, whatever order they come in.
BuildResult build_trace(std::span<const LogLine* const> lines, const BuildOptions& options,
                        EmittedTrace* emitted, ResourceCache* resources);
// The same spans, for a caller done with the lines (the TraceAssembler at emission): each
// line's name, attributes and events are moved into the span (or event) it becomes rather
// than copied. The lines stay valid objects; those fields are left unspecified.
BuildResult build_trace_consuming(std::span<LogLine* const> lines, const BuildOptions& options,
                                  EmittedTrace* emitted, ResourceCache* resources);

}  // namespace weft::logline
