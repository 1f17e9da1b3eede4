// `weft verify DATA_DIR`: checks every byte of an embedded store's data directory that the
// store would read (store/data_dir_inspect.h, verify_data_dir): the manifest, every live
// block page, every WAL record; leftovers are warnings -- and every record of the RED metrics
// segments under metrics/ (metrics/metrics_inspect.h: framing, CRC, payload). Prints one
// line per item and a summary. Refuses to run beside a server (it takes the directory's
// LOCK). Exit 0 if everything is sound, 1 if a problem was found, 2 for a usage error or a
// directory in use.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>

#include "cmd/commands.h"
#include "cmd/metrics_text.h"
#include "metrics/metrics_inspect.h"
#include "store/data_dir_inspect.h"

namespace weft::cmd {
namespace {

using Severity = store::VerifyCheck::Severity;

const char* severity_label(Severity s) {
  switch (s) {
    case Severity::kOk:
      return "ok";
    case Severity::kWarning:
      return "warning";
    case Severity::kProblem:
      return "PROBLEM";
  }
  return "?";
}

std::string plural(uint64_t n, const char* what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

struct MetricsTotals {
  uint64_t segments = 0;
  uint64_t records = 0;
};

// One line per metrics segment: every record framed, CRC-checked and decoded as the store's
// open() does. Damage is a problem: the store skips those bytes at every open (the figures
// in them are lost) until retention deletes the segment.
void verify_metrics(const std::string& dir, store::VerifyReport& rep, MetricsTotals* totals) {
  Result<pipeline::metrics::MetricsDirReport> m =
      pipeline::metrics::inspect_metrics_dir(dir + "/metrics");
  if (!m.is_ok()) {
    rep.checks.push_back({Severity::kProblem, "metrics/", m.status().to_string()});
    return;
  }
  for (const auto& s : m->segments) {
    ++totals->segments;
    totals->records += s.records();
    store::VerifyCheck c;
    c.item = "metrics/" + s.file;
    if (!s.error.empty()) {
      c.severity = Severity::kProblem;
      c.detail = metrics_segment_damage(s);
    } else {
      c.detail = metrics_segment_counts(s) + ", buckets " +
                 bucket_range(s.first_bucket_start, s.last_bucket_end) + ", " +
                 std::to_string(s.bytes) + " bytes";
      if (s.damaged() && s.truncated) {
        // The last record cut short by the end of the file: a crash mid-write (the store
        // writes a new segment after every open), as a torn WAL tail.
        c.severity = Severity::kWarning;
        c.detail += "; " + metrics_segment_damage(s) +
                    ": a write cut short by a crash (that record's figures are lost)";
      } else if (s.damaged()) {
        c.severity = Severity::kProblem;
        c.detail += "; " + metrics_segment_damage(s) +
                    ": the store skips these bytes at every open (their figures are lost)";
      }
    }
    rep.checks.push_back(std::move(c));
  }
}

int run_verify(const std::string& dir) {
  if (dir.empty()) {
    std::fprintf(stderr, "weft verify: missing DATA_DIR (usage: weft verify DIR)\n");
    return 2;
  }
  MetricsTotals metrics;
  Result<store::VerifyReport> r = store::verify_data_dir(
      dir, [&](store::VerifyReport& rep) { verify_metrics(dir, rep, &metrics); });
  if (!r.is_ok()) {
    const Status& s = r.status();
    if (s.code() == ResultCode::kUnavailable && s.message().find("in use") != std::string::npos) {
      std::fprintf(stderr,
                   "weft verify: data directory %s is in use by another weft process; stop it "
                   "first (its LOCK is held)\n",
                   dir.c_str());
      return 2;
    }
    std::fprintf(stderr, "weft verify: %s\n", s.message().c_str());
    return s.code() == ResultCode::kInvalidArgument ? 2 : 1;
  }
  std::printf("verifying %s\n", dir.c_str());
  size_t width = 0;
  for (const auto& c : r->checks) width = std::max(width, c.item.size());
  for (const auto& c : r->checks)
    std::printf("%-7s  %-*s  %s\n", severity_label(c.severity), static_cast<int>(width),
                c.item.c_str(), c.detail.c_str());

  const size_t problems = r->problems(), warnings = r->warnings();
  std::string verdict = problems ? plural(problems, "problem") : "OK";
  if (warnings) verdict += " (" + plural(warnings, "warning") + ")";
  std::printf("verified %s (%s), %s (%s, %s), %s (%s): %s\n", plural(r->blocks, "block").c_str(),
              plural(r->block_spans, "span").c_str(),
              plural(r->wal_segments, "WAL segment").c_str(),
              plural(r->wal_records, "record").c_str(), plural(r->wal_spans, "span").c_str(),
              plural(metrics.segments, "metrics segment").c_str(),
              plural(metrics.records, "record").c_str(), verdict.c_str());
  return problems ? 1 : 0;
}

}  // namespace

void register_verify_command(CLI::App& app) {
  auto dir = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "verify",
      "Check every block (CRCs, indexes, bloom filters, counts, manifest entries), every WAL\n"
      "record and every RED metrics record of a data directory. The server must be stopped.\n"
      "Exit 1 if a problem is found.");
  cmd->add_option("DATA_DIR", *dir, "Data directory of a stopped server (weft serve --data-dir)")
      ->required();
  cmd->callback([dir] { exit_code = run_verify(*dir); });
}

}  // namespace weft::cmd
