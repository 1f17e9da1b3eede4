#include "cmd/tail_flags.h"

#include <string>

namespace weft::cmd {

void add_tail_flags(CLI::App* cmd, server::TailFlags& t, const char* what) {
  cmd->add_option("--tail", t.globs,
                  "Read trace log lines (JSON, one per line, with x_trace_id and x_rpc_id; "
                  "docs/format/logline.md) from the files matching this glob and " +
                      std::string(what) +
                      "; repeatable. Rotation (rename, copy-truncate) and new files are "
                      "followed; read offsets are checkpointed, so a restart neither loses nor "
                      "doubles a line")
      ->type_name("GLOB")
      ->envname("WEFT_TAIL");
  cmd->add_option("--tail-from", t.from,
                  "Where to start in a file the checkpoint does not know when weft starts: end "
                  "(only new lines) or beginning. Files appearing later are read whole")
      ->check(CLI::IsMember({"end", "beginning"}))
      ->envname("WEFT_TAIL_FROM")
      ->capture_default_str();
  cmd->add_option("--tail-checkpoint", t.checkpoint,
                  "Checkpoint of the read offsets (default <data-dir>/tail.checkpoint; a "
                  "<file>.done beside it records lines stored past them)")
      ->type_name("FILE")
      ->envname("WEFT_TAIL_CHECKPOINT");
  cmd->add_option("--tail-scheme", t.scheme,
                  "RpcId numbering of the lines: auto (detected per trace), per-request "
                  "(a service numbers its request R.1, its calls R.2, R.3...) or per-call "
                  "(EagleEye: caller and callee share R)")
      ->check(CLI::IsMember({"auto", "per-request", "per-call"}))
      ->envname("WEFT_TAIL_SCHEME")
      ->capture_default_str();
  cmd->add_option("--tail-service", t.services,
                  "PATTERN=NAME: lines of files matching PATTERN (a glob, or a path prefix) "
                  "belong to service NAME (else the line's service / x_department field); "
                  "repeatable, first match wins")
      ->type_name("PATTERN=NAME")
      ->envname("WEFT_TAIL_SERVICE");
  cmd->add_option("--tail-window", t.window,
                  "A trace is stored this long after its last line arrived (lines arriving "
                  "later still join it), e.g. 30s, 5s, 2m")
      ->type_name("DURATION")
      ->envname("WEFT_TAIL_WINDOW")
      ->capture_default_str();
  cmd->add_option("--tail-max-line-bytes", t.max_line_bytes,
                  "Longer lines are rejected as too_long (counted and reported), e.g. 1MiB, 64KiB")
      ->transform(CLI::AsSizeValue(false))
      ->envname("WEFT_TAIL_MAX_LINE_BYTES")
      ->capture_default_str();
}

}  // namespace weft::cmd
