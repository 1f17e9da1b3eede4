// `weft inspect [--json] [--columns] DATA_DIR`: what an embedded store's data directory holds
// (store/data_dir_inspect.h) — manifest, live blocks, bytes per column, WAL segments and
// leftovers — and the RED metrics segments under metrics/ (metrics/metrics_inspect.h), as
// text or as one JSON object. Read-only: takes no lock and may run beside a server. Exit 0
// if everything opened, 1 if something is damaged (a block, the manifest, a metrics
// segment), 2 for a usage error.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>

#include "cmd/commands.h"
#include "cmd/metrics_text.h"
#include "metrics/metrics_inspect.h"
#include "store/data_dir_inspect.h"

namespace weft::cmd {

using namespace weft::model;

namespace {

using pipeline::metrics::InspectedMetricsSegment;
using pipeline::metrics::MetricsDirReport;
using store::BlockColumnBytes;
using store::DataDirReport;
using store::InspectedBlock;

// The metrics/ part of the report: the segments, or why they could not be listed.
struct MetricsPart {
  Result<MetricsDirReport> report = MetricsDirReport{};
  bool running = false;  // a store holds the directory: its newest segment may be mid-write

  // A segment whose last record is cut short is no damage: while the store runs its newest
  // segment is being written, and otherwise a crash cut a write short (the store starts a
  // new segment at every open), as a torn WAL tail.
  bool in_progress(const InspectedMetricsSegment& s) const {
    return s.truncated && s.error.empty() && report.is_ok();
  }
  bool damaged() const {
    if (!report.is_ok()) return true;
    for (const auto& s : report->segments)
      if (s.damaged() && !in_progress(s)) return true;
    return false;
  }
};

struct InspectOptions {
  std::string dir;
  bool json = false;
  bool columns = false;
};

// "2023-11-14T22:13:20.123456789Z"
std::string iso_time(uint64_t ns) {
  std::string out = utc_seconds(ns);  // "...:20Z"
  out.pop_back();
  char fraction[16];
  std::snprintf(fraction, sizeof fraction, ".%09lluZ",
                static_cast<unsigned long long>(ns % 1'000'000'000));
  return out + fraction;
}

double per_span(uint64_t bytes, uint64_t spans) {
  return spans ? static_cast<double>(bytes) / static_cast<double>(spans) : 0.0;
}

std::string plural(uint64_t n, const char* what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

// ---------- text ----------

// "3.06" (uncompressed / compressed), or "-" for an empty column.
std::string ratio(uint64_t compressed, uint64_t uncompressed) {
  if (compressed == 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", static_cast<double>(uncompressed) / compressed);
  return buf;
}

void print_columns(const std::vector<BlockColumnBytes>& cols, uint64_t spans, uint64_t file_bytes,
                   const char* indent) {
  size_t width = 13;  // "(footer etc.)"
  for (const auto& c : cols) width = std::max(width, c.column.size());
  const int w = static_cast<int>(width);
  auto row = [&](const char* name, uint64_t comp, const std::string& raw, const std::string& rat) {
    std::printf("%s%-*s %12llu %14s %7s %11.2f\n", indent, w, name,
                static_cast<unsigned long long>(comp), raw.c_str(), rat.c_str(),
                per_span(comp, spans));
  };
  std::printf("%s%-*s %12s %14s %7s %11s\n", indent, w, "column", "compressed", "uncompressed",
              "ratio", "bytes/span");
  uint64_t comp = 0, raw = 0;
  for (const auto& c : cols) {
    comp += c.compressed;
    raw += c.uncompressed;
    row(c.column.c_str(), c.compressed, std::to_string(c.uncompressed),
        ratio(c.compressed, c.uncompressed));
  }
  row("(pages)", comp, std::to_string(raw), ratio(comp, raw));
  // Header, footer (dictionaries, page directory, bloom filters, trace-ID index), trailer.
  row("(footer etc.)", file_bytes > comp ? file_bytes - comp : 0, "", "");
}

void print_text(const DataDirReport& r, bool per_block_columns) {
  std::printf("data directory %s\n", r.dir.c_str());
  if (r.lock_holder_pid)
    std::printf("in use by process %lld (a running store: files may change while being read)\n",
                static_cast<long long>(*r.lock_holder_pid));
  if (!r.manifest_error.empty())
    std::printf("manifest: DAMAGED: %s (every block file is read on its own)\n",
                r.manifest_error.c_str());
  else if (!r.has_manifest)
    std::printf("manifest: none (no block has been written yet)\n");
  else
    std::printf("manifest: format version %u, next block id %llu, wal_flushed_through %llu, %s\n",
                store::kManifestVersion, static_cast<unsigned long long>(r.manifest.next_block_id),
                static_cast<unsigned long long>(r.manifest.wal_flushed_through),
                plural(r.manifest.blocks.size(), "live block").c_str());

  std::printf("\nblocks: %zu\n", r.blocks.size());
  for (const InspectedBlock& b : r.blocks) {
    const auto& m = b.meta;
    std::printf("  %s  id %llu  level %u%s%s\n", b.file.c_str(),
                static_cast<unsigned long long>(m.id), m.level,
                b.error.empty() ? "" : "  ERROR: ", b.error.c_str());
    std::printf("    trace starts  %s .. %s  (%llu .. %llu ns)\n", iso_time(m.min_start).c_str(),
                iso_time(m.max_start).c_str(), static_cast<unsigned long long>(m.min_start),
                static_cast<unsigned long long>(m.max_start));
    std::printf("    max end       %s  (%llu ns)\n", iso_time(m.max_end).c_str(),
                static_cast<unsigned long long>(m.max_end));
    std::printf("    %s, %s (%s split), %s, %llu bytes, %.1f bytes/span%s\n",
                plural(m.spans, "span").c_str(), plural(m.traces, "trace").c_str(),
                b.opened ? std::to_string(b.split_traces).c_str() : "?",
                b.opened ? plural(b.pages, "page").c_str() : "? pages",
                static_cast<unsigned long long>(m.file_bytes), per_span(m.file_bytes, m.spans),
                b.opened ? "" : "  (from the manifest: the block did not open)");
    if (per_block_columns && b.opened) print_columns(b.columns, m.spans, m.file_bytes, "      ");
  }

  const uint64_t spans = r.total_spans(), bytes = r.total_block_bytes();
  const size_t opened = static_cast<size_t>(
      std::count_if(r.blocks.begin(), r.blocks.end(), [](const auto& b) { return b.opened; }));
  if (opened) {
    uint64_t opened_spans = 0, opened_bytes = 0;
    for (const auto& b : r.blocks) {
      if (!b.opened) continue;
      opened_spans += b.meta.spans;
      opened_bytes += b.meta.file_bytes;
    }
    std::printf("\ncolumns (%s):\n",
                opened == 1 ? "1 block" : ("all " + plural(opened, "block")).c_str());
    print_columns(r.total_columns(), opened_spans, opened_bytes, "  ");
  }

  std::printf("\ntotals: %s, %s, %s, %llu block bytes, %.1f bytes/span\n",
              plural(r.blocks.size(), "block").c_str(), plural(spans, "span").c_str(),
              plural(r.total_traces(), "trace").c_str(), static_cast<unsigned long long>(bytes),
              per_span(bytes, spans));

  std::printf("\nwal: %s, %llu bytes\n", plural(r.wal.size(), "segment").c_str(),
              static_cast<unsigned long long>(r.total_wal_bytes()));
  for (const auto& s : r.wal)
    std::printf(
        "  %s  %llu bytes%s\n", s.file.c_str(), static_cast<unsigned long long>(s.bytes),
        s.flushed ? "  already in blocks (wal_flushed_through): deleted at the next open" : "");

  // One line the tests (and people) can grep: "leftovers: none" or "leftovers: N (names)".
  if (r.leftovers.empty()) {
    std::printf("leftovers: none\n");
  } else {
    std::string names;
    for (const auto& l : r.leftovers) names += (names.empty() ? "" : ", ") + l.path;
    std::printf("leftovers: %zu (%s)%s\n", r.leftovers.size(), names.c_str(),
                r.lock_holder_pid ? " — the store is running: a write may be in progress"
                                  : " — the next open deletes them");
    for (const auto& l : r.leftovers)
      std::printf("  %s  %s, %llu bytes\n", l.path.c_str(), store::leftover_kind_name(l.kind),
                  static_cast<unsigned long long>(l.bytes));
  }
}

// "metrics: none (...)" or "metrics: N segments, ..." and one entry per segment.
void print_metrics_text(const MetricsPart& m) {
  if (!m.report.is_ok()) {
    std::printf("\nmetrics: ERROR: %s\n", m.report.status().to_string().c_str());
    return;
  }
  const MetricsDirReport& r = *m.report;
  if (!r.present) {
    std::printf("\nmetrics: none (no metrics/ directory: no RED metrics were persisted here)\n");
    return;
  }
  std::printf("\nmetrics: %s, %llu bytes, %s, %llu span series, %llu edge series, buckets %s\n",
              plural(r.segments.size(), "segment").c_str(),
              static_cast<unsigned long long>(r.total_bytes()),
              plural(r.total_records(), "record").c_str(),
              static_cast<unsigned long long>(r.span_series),
              static_cast<unsigned long long>(r.edge_series),
              bucket_range(r.first_bucket_start, r.last_bucket_end).c_str());
  for (const InspectedMetricsSegment& s : r.segments) {
    std::printf("  %s  %llu bytes%s\n", s.file.c_str(), static_cast<unsigned long long>(s.bytes),
                s.damaged() ? (m.in_progress(s) ? "  (torn tail)" : "  DAMAGED") : "");
    if (!s.error.empty()) {
      std::printf("    %s\n", metrics_segment_damage(s).c_str());
      continue;
    }
    std::printf("    %s\n", metrics_segment_counts(s).c_str());
    std::printf("    buckets  %s\n", bucket_range(s.first_bucket_start, s.last_bucket_end).c_str());
    if (s.damaged())
      std::printf("    %s%s\n", metrics_segment_damage(s).c_str(),
                  !m.in_progress(s) ? ": the store skips these bytes at every open"
                  : m.running && &s == &r.segments.back()
                      ? ": a write in progress (the store is running)"
                      : ": a write cut short by a crash (that record's figures are lost)");
  }
}

// ---------- JSON ----------

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// Writes one JSON value compactly with `fill` and returns its text.
template <typename Fill>
std::string json_value(Fill fill) {
  rapidjson::StringBuffer sb;
  Writer w(sb);
  fill(w);
  return sb.GetString();
}

void write_columns(Writer& w, const std::vector<BlockColumnBytes>& cols) {
  w.StartArray();
  for (const auto& c : cols) {
    w.StartObject();
    w.Key("column");
    w.String(c.column.c_str());
    w.Key("compressed");
    w.Uint64(c.compressed);
    w.Key("uncompressed");
    w.Uint64(c.uncompressed);
    w.EndObject();
  }
  w.EndArray();
}

// Nanosecond times are strings, as in the HTTP API: JSON numbers lose precision past 2^53.
void write_ns(Writer& w, const char* key, uint64_t ns) {
  w.Key(key);
  w.String(std::to_string(ns).c_str());
  w.Key((std::string(key) + "Time").c_str());
  w.String(iso_time(ns).c_str());
}

std::string block_json(const InspectedBlock& b) {
  return json_value([&](Writer& w) {
    const auto& m = b.meta;
    w.StartObject();
    w.Key("file");
    w.String(b.file.c_str());
    w.Key("id");
    w.Uint64(m.id);
    w.Key("level");
    w.Uint(m.level);
    write_ns(w, "minStart", m.min_start);
    write_ns(w, "maxStart", m.max_start);
    write_ns(w, "maxEnd", m.max_end);
    w.Key("spans");
    w.Uint64(m.spans);
    w.Key("traces");
    w.Uint64(m.traces);
    w.Key("pages");
    if (b.opened)
      w.Uint(b.pages);
    else
      w.Null();
    w.Key("splitTraces");
    if (b.opened)
      w.Uint64(b.split_traces);
    else
      w.Null();
    w.Key("fileBytes");
    w.Uint64(m.file_bytes);
    w.Key("bytesPerSpan");
    w.Double(per_span(m.file_bytes, m.spans));
    w.Key("opened");
    w.Bool(b.opened);
    w.Key("error");
    if (b.error.empty())
      w.Null();
    else
      w.String(b.error.c_str());
    w.Key("columns");
    write_columns(w, b.columns);
    w.EndObject();
  });
}

std::string manifest_json(const DataDirReport& r) {
  return json_value([&](Writer& w) {
    w.StartObject();
    w.Key("present");
    w.Bool(r.has_manifest);
    w.Key("formatVersion");
    w.Uint(store::kManifestVersion);
    w.Key("nextBlockId");
    w.Uint64(r.manifest.next_block_id);
    w.Key("walFlushedThrough");
    w.Uint64(r.manifest.wal_flushed_through);
    w.Key("liveBlocks");
    w.Uint64(r.manifest.blocks.size());
    w.Key("error");
    if (r.manifest_error.empty())
      w.Null();
    else
      w.String(r.manifest_error.c_str());
    w.EndObject();
  });
}

std::string totals_json(const DataDirReport& r) {
  return json_value([&](Writer& w) {
    const uint64_t spans = r.total_spans(), bytes = r.total_block_bytes();
    w.StartObject();
    w.Key("blocks");
    w.Uint64(r.blocks.size());
    w.Key("spans");
    w.Uint64(spans);
    w.Key("traces");
    w.Uint64(r.total_traces());
    w.Key("blockBytes");
    w.Uint64(bytes);
    w.Key("bytesPerSpan");
    w.Double(per_span(bytes, spans));
    w.Key("walSegments");
    w.Uint64(r.wal.size());
    w.Key("walBytes");
    w.Uint64(r.total_wal_bytes());
    w.EndObject();
  });
}

std::string wal_json(const store::InspectedWalSegment& s) {
  return json_value([&](Writer& w) {
    w.StartObject();
    w.Key("file");
    w.String(s.file.c_str());
    w.Key("seq");
    w.Uint64(s.seq);
    w.Key("bytes");
    w.Uint64(s.bytes);
    w.Key("flushed");
    w.Bool(s.flushed);
    w.EndObject();
  });
}

std::string leftover_json(const store::Leftover& l) {
  return json_value([&](Writer& w) {
    w.StartObject();
    w.Key("path");
    w.String(l.path.c_str());
    w.Key("kind");
    w.String(store::leftover_kind_name(l.kind));
    w.Key("bytes");
    w.Uint64(l.bytes);
    w.EndObject();
  });
}

void write_optional_ns(Writer& w, const char* key, const std::optional<uint64_t>& ns) {
  if (ns) {
    write_ns(w, key, *ns);
    return;
  }
  w.Key(key);
  w.Null();
  w.Key((std::string(key) + "Time").c_str());
  w.Null();
}

std::string metrics_segment_json(const MetricsPart& m, const InspectedMetricsSegment& s) {
  return json_value([&](Writer& w) {
    w.StartObject();
    w.Key("file");
    w.String(s.file.c_str());
    w.Key("seq");
    w.Uint64(s.seq);
    w.Key("bytes");
    w.Uint64(s.bytes);
    w.Key("tenSecondRecords");
    w.Uint64(s.ten_second_records);
    w.Key("minuteRecords");
    w.Uint64(s.minute_records);
    w.Key("unknownRecords");
    w.Uint64(s.unknown_records);
    w.Key("spanSeries");
    w.Uint64(s.span_series);
    w.Key("edgeSeries");
    w.Uint64(s.edge_series);
    write_optional_ns(w, "firstBucketStart", s.first_bucket_start);
    write_optional_ns(w, "lastBucketEnd", s.last_bucket_end);
    w.Key("damaged");
    w.Bool(s.damaged() && !m.in_progress(s));
    w.Key("writeInProgress");
    w.Bool(m.in_progress(s));
    w.Key("damagedBytes");
    w.Uint64(s.damaged_bytes);
    w.Key("damageOffset");
    if (s.damaged_bytes)
      w.Uint64(s.damage_offset);
    else
      w.Null();
    w.Key("damage");
    if (s.damaged())
      w.String(s.error.empty() ? s.damage.c_str() : s.error.c_str());
    else
      w.Null();
    w.Key("truncated");
    w.Bool(s.truncated);
    w.EndObject();
  });
}

// `"metrics": {...summary..., "segments": [` one segment per line `]},`.
void print_metrics_json(const MetricsPart& m) {
  if (!m.report.is_ok()) {
    const std::string error = json_value([&](Writer& w) {
      w.StartObject();
      w.Key("error");
      w.String(m.report.status().to_string().c_str());
      w.EndObject();
    });
    std::printf("\"metrics\": %s,\n", error.c_str());
    return;
  }
  const MetricsDirReport& r = *m.report;
  std::string head = json_value([&](Writer& w) {
    w.StartObject();
    w.Key("dir");
    w.String(r.dir.c_str());
    w.Key("present");
    w.Bool(r.present);
    w.Key("segmentCount");
    w.Uint64(r.segments.size());
    w.Key("bytes");
    w.Uint64(r.total_bytes());
    w.Key("records");
    w.Uint64(r.total_records());
    w.Key("spanSeries");
    w.Uint64(r.span_series);
    w.Key("edgeSeries");
    w.Uint64(r.edge_series);
    write_optional_ns(w, "firstBucketStart", r.first_bucket_start);
    write_optional_ns(w, "lastBucketEnd", r.last_bucket_end);
    w.Key("damaged");
    w.Bool(m.damaged());
    w.EndObject();
  });
  head.pop_back();  // the closing brace: the segments follow
  std::printf("\"metrics\": %s, \"segments\": [", head.c_str());
  for (size_t i = 0; i < r.segments.size(); ++i)
    std::printf("%s\n  %s", i ? "," : "", metrics_segment_json(m, r.segments[i]).c_str());
  std::printf("%s]},\n", r.segments.empty() ? "" : "\n");
}

// Prints `<key>[`, one element per line, `],`.
template <typename T, typename ToJson>
void print_json_array(const char* key, const std::vector<T>& items, ToJson to_json) {
  std::printf("%s[", key);
  for (size_t i = 0; i < items.size(); ++i)
    std::printf("%s\n  %s", i ? "," : "", to_json(items[i]).c_str());
  std::printf("%s],\n", items.empty() ? "" : "\n");
}

// One top-level member per line and one block / segment / leftover per line, so that
// line-oriented tools see `"leftoverCount": N` on the line that opens the leftovers.
void print_json(const DataDirReport& r, const MetricsPart& m) {
  std::printf("{\n\"dir\": %s,\n", json_value([&](Writer& w) { w.String(r.dir.c_str()); }).c_str());
  std::printf("\"inUseByPid\": %s,\n",
              r.lock_holder_pid ? std::to_string(*r.lock_holder_pid).c_str() : "null");
  std::printf("\"manifest\": %s,\n", manifest_json(r).c_str());
  print_json_array("\"blocks\": ", r.blocks, block_json);
  std::printf("\"columns\": %s,\n",
              json_value([&](Writer& w) { write_columns(w, r.total_columns()); }).c_str());
  std::printf("\"totals\": %s,\n", totals_json(r).c_str());
  print_json_array("\"wal\": ", r.wal, wal_json);
  const std::string key =
      "\"leftoverCount\": " + std::to_string(r.leftovers.size()) + ", \"leftovers\": ";
  print_json_array(key.c_str(), r.leftovers, leftover_json);
  print_metrics_json(m);
  std::printf("\"ok\": %s\n}\n", r.damaged() || m.damaged() ? "false" : "true");
}

int run_inspect(const InspectOptions& o) {
  if (o.dir.empty()) {
    std::fprintf(stderr, "weft inspect: missing DATA_DIR (usage: weft inspect [--json] DIR)\n");
    return 2;
  }
  Result<DataDirReport> r = store::inspect_data_dir(o.dir);
  if (!r.is_ok()) {
    std::fprintf(stderr, "weft inspect: %s\n", r.status().message().c_str());
    return r.status().code() == ResultCode::kInvalidArgument ? 2 : 1;
  }
  MetricsPart metrics;
  metrics.report = pipeline::metrics::inspect_metrics_dir(o.dir + "/metrics");
  metrics.running = r->lock_holder_pid.has_value();
  if (o.json) {
    print_json(*r, metrics);
  } else {
    print_text(*r, o.columns);
    print_metrics_text(metrics);
  }
  std::fflush(stdout);
  if (r->damaged() || metrics.damaged()) {
    std::fprintf(stderr, "weft inspect: %s is damaged (run `weft verify` for every check)\n",
                 o.dir.c_str());
    return 1;
  }
  return 0;
}

}  // namespace

void register_inspect_command(CLI::App& app) {
  auto opts = std::make_shared<InspectOptions>();
  CLI::App* cmd = app.add_subcommand(
      "inspect",
      "Describe a data directory: manifest, blocks, bytes per column, WAL, leftovers,\n"
      "RED metrics segments.\n"
      "Read-only; may run while a server uses the directory. Exit 1 if something is damaged.");
  cmd->add_option("DATA_DIR", opts->dir, "Data directory (weft serve --data-dir)")->required();
  cmd->add_flag("--json", opts->json, "Print one JSON object instead of text");
  cmd->add_flag("--columns", opts->columns, "Bytes per column of each block, not only in total");
  cmd->callback([opts] { exit_code = run_inspect(*opts); });
}

}  // namespace weft::cmd
