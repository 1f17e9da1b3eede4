#pragma once
// TraceAssembler: trace log lines in (from many files, any order, minutes apart), whole
// spans out. A trace is held open while its lines arrive and emitted `window` after its
// last line (or earlier, oldest first, when a memory bound is reached); its spans go to
// the emit callback with their events merged in. A line that arrives after its trace was
// emitted still becomes a span of that trace in a later emission (the store joins the
// parts of a trace by trace ID), linked to the spans emitted before.
//
// Time is a parameter (now_ns, any monotonic clock in nanoseconds), so tests need no
// sleeps: the caller (the tailer) passes its clock to add_line() and calls tick()
// periodically (every second is plenty).
//
// Durability hand-off: every accepted line carries an opaque `token` (a tailer's
// file/offset, say). Each token is reported exactly once, in the `tokens` of the emit call
// that carries its line's span or event (a duplicate line's token: in the emit call of its
// original, or the next emit call if the original was emitted before). Once the callback
// has made that batch durable, those lines are safe. A rejected line's token is never
// reported: add_line's result says it is done with.
//
// Not thread-safe: one thread calls add_line/tick/flush_all. The callback runs on that
// thread, from inside those calls, and must not call back into the assembler.
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "logline/line_parser.h"
#include "logline/log_line.h"
#include "logline/trace_builder.h"
#include "model/span.h"

namespace weft::logline {

using namespace weft::model;

struct AssemblerOptions {
  ParserOptions parser;
  BuildOptions build;
  int64_t window_ns = 30'000'000'000;     // a trace is emitted this long after its last line
  int64_t max_open_ns = 300'000'000'000;  // ... and at the latest this long after its first
  // Memory bounds on what is held open; past one, the oldest traces (by last line) are
  // emitted early and counted (traces_emitted_early), the one just added to last.
  size_t max_open_traces = 100'000;
  size_t max_open_lines = 1'000'000;
  size_t max_open_bytes = 256u << 20;
  size_t max_lines_per_trace = 100'000;  // a trace with more is emitted at once
  // What is remembered of emitted traces so that late lines link to their spans (and a
  // line read again is not emitted again): bounded, oldest forgotten first.
  size_t max_remembered_traces = 100'000;
  size_t max_remembered_entries = 2'000'000;  // line hashes + span keys, about 50 bytes each
  size_t max_batch_spans = 10'000;            // spans per emit call
};

struct AssemblerStats {
  uint64_t lines_accepted = 0;
  uint64_t lines_rejected = 0;
  std::array<uint64_t, kRejectReasonCount> rejected_by_reason{};  // by RejectReason
  uint64_t duplicate_lines = 0;       // accepted, but the same bytes were read before: no new span
  uint64_t late_lines = 0;            // accepted for a trace that had been emitted already
  uint64_t traces_emitted = 0;        // emissions (a trace emitted in two parts counts twice)
  uint64_t traces_emitted_early = 0;  // emitted before their window ran out (a bound)
  uint64_t spans_emitted = 0;
  uint64_t events_emitted = 0;        // lines that became span events
  uint64_t placeholders_emitted = 0;  // spans standing for a missing line
  uint64_t late_event_spans = 0;      // event lines whose span was emitted before
  uint64_t merged_lines = 0;          // span lines merged into another line's span
  uint64_t remembered_evicted = 0;    // emitted traces forgotten (bounds)
  // Now:
  size_t open_traces = 0;
  size_t open_lines = 0;
  size_t open_bytes = 0;
  size_t remembered_traces = 0;
  size_t remembered_entries = 0;
};

class TraceAssembler {
 public:
  // `spans` may be empty when an emit call only reports tokens (of duplicate lines).
  using EmitFn = std::function<void(SpanBatch spans, std::vector<uint64_t> tokens)>;

  TraceAssembler(AssemblerOptions options, EmitFn emit);
  ~TraceAssembler();
  TraceAssembler(const TraceAssembler&) = delete;
  TraceAssembler& operator=(const TraceAssembler&) = delete;

  // Parses one line (without its '\n') read from the file at `source` (may be empty) and
  // holds it in its trace. Rejected: the reason and a message; nothing is kept. May emit
  // (the oldest traces, when a bound is reached).
  LineStatus add_line(std::string_view line, std::string_view source, int64_t now_ns,
                      uint64_t token = 0);
  // Emits the traces whose window has run out at `now_ns` (and reports pending tokens).
  void tick(int64_t now_ns);
  // Emits every open trace now (shutdown, tests).
  void flush_all();

  AssemblerStats stats() const;
  const AssemblerOptions& options() const { return options_; }

 private:
  // Hashes of an open trace's lines: a plain array while the trace is small (most are),
  // a hash set past that.
  class LineHashes {
   public:
    bool contains(uint64_t h) const;
    void insert(uint64_t h);

   private:
    static constexpr size_t kSmall = 64;
    std::vector<uint64_t> small_;
    std::unordered_set<uint64_t> big_;
  };
  struct OpenTrace {
    TraceId id;
    std::vector<std::string> lines;  // parsed, packed (packed_line.h): a third of a LogLine
    LineHashes hashes;
    std::vector<uint64_t> tokens;
    int64_t first_ns = 0;
    int64_t last_ns = 0;
    size_t bytes = 0;
    std::list<TraceId>::iterator by_last;   // position in by_last_
    std::list<TraceId>::iterator by_first;  // position in by_first_
  };
  struct Remembered {
    EmittedTrace emitted;
    size_t entries = 0;
    std::list<TraceId>::iterator lru;
  };
  struct Batch {
    SpanBatch spans;
    std::vector<uint64_t> tokens;
  };

  void emit_traces(const std::vector<TraceId>& ids, bool early);
  void emit_one(const TraceId& id, Batch* batch);
  void deliver(Batch* batch, bool final);
  void enforce_bounds();
  void forget_oldest();

  AssemblerOptions options_;
  EmitFn emit_;
  LineParser parser_;
  LogLine scratch_;                // the line being added, parsed (reused)
  std::vector<LogLine> unpacked_;  // the lines of the trace being emitted (reused)
  ResourceCache resources_;
  std::unordered_map<TraceId, OpenTrace, FixedIdHash> open_;
  std::list<TraceId> by_last_;   // open traces, least recently added-to first
  std::list<TraceId> by_first_;  // open traces, oldest first line first
  std::unordered_map<TraceId, Remembered, FixedIdHash> remembered_;
  std::list<TraceId> remembered_lru_;  // oldest emission first
  size_t remembered_entries_ = 0;
  std::vector<uint64_t> pending_tokens_;  // duplicates of emitted lines
  size_t open_lines_ = 0;
  size_t open_bytes_ = 0;
  AssemblerStats stats_;
};

}  // namespace weft::logline
