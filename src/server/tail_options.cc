// `weft serve --tail …`: the flags of log-based tracing -> LogTailOptions.
#include <string>

#include "query/params.h"
#include "server/serve_options.h"

namespace weft::server {
namespace {

Status bad(const std::string& flag, const std::string& value, const std::string& want) {
  return invalid_argument(flag + " \"" + value + "\": " + want);
}

}  // namespace

Result<ingest::LogTailOptions> log_tail_options(const TailFlags& tail,
                                                const std::string& data_dir) {
  ingest::LogTailOptions t;
  if (tail.globs.empty()) return invalid_argument("--tail: no glob given");
  for (const std::string& g : tail.globs) {
    if (g.empty()) return invalid_argument("--tail: an empty glob");
    t.tail.globs.push_back(g);
  }

  if (tail.from == "end")
    t.tail.from = tail::From::kEnd;
  else if (tail.from == "beginning")
    t.tail.from = tail::From::kBeginning;
  else
    return bad("--tail-from", tail.from, "must be end or beginning");

  t.tail.checkpoint_path =
      tail.checkpoint.empty() ? data_dir + "/tail.checkpoint" : tail.checkpoint;

  logline::SchemeMode scheme;
  if (!logline::parse_scheme_mode(tail.scheme, &scheme))
    return bad("--tail-scheme", tail.scheme, "must be auto, per-request or per-call");
  t.assembler.build.scheme = scheme;

  for (const std::string& m : tail.services) {
    const size_t eq = m.rfind('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == m.size())
      return bad("--tail-service", m,
                 "expected PATTERN=NAME, e.g. '/var/log/shop/*.log=shop' (a glob, or a path "
                 "prefix, of the files whose lines belong to service NAME)");
    t.assembler.parser.service_mappings.push_back({m.substr(0, eq), m.substr(eq + 1)});
  }

  auto window = query::parse_duration("--tail-window", tail.window);
  if (!window.is_ok())
    return bad("--tail-window", tail.window, "not a duration (e.g. 30s, 2m, 500ms)");
  if (*window < 1'000'000 || *window > 86'400'000'000'000ULL)
    return bad("--tail-window", tail.window, "must be between 1ms and 24h");
  t.assembler.window_ns = static_cast<int64_t>(*window);

  if (tail.max_line_bytes < 1024 || tail.max_line_bytes > (1ull << 30))
    return bad("--tail-max-line-bytes", std::to_string(tail.max_line_bytes),
               "must be between 1KiB and 1GiB");
  t.tail.max_line_bytes = static_cast<size_t>(tail.max_line_bytes);
  t.assembler.parser.max_line_bytes = t.tail.max_line_bytes;

  return t;
}

}  // namespace weft::server
