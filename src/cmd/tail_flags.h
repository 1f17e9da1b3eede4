#pragma once
// The --tail* flags of log-based tracing, the same for `weft serve` and `weft agent`.
#include <CLI/CLI.hpp>

#include "server/serve_options.h"

namespace weft::cmd {

// Adds --tail, --tail-from, --tail-checkpoint, --tail-scheme, --tail-service, --tail-window
// and --tail-max-line-bytes (with their WEFT_TAIL_* variables) to `cmd`, filling `t`. `what`
// ends the help of --tail: what becomes of the lines ("store them as traces").
void add_tail_flags(CLI::App* cmd, server::TailFlags& t, const char* what);

}  // namespace weft::cmd
