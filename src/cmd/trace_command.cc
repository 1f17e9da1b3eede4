#include "cmd/commands.h"

namespace weft::cmd {
// Placeholder until the command lands.
void register_trace_command(CLI::App& app) { app.add_subcommand("trace", "(not yet built)"); }
}  // namespace weft::cmd
