#include "cmd/commands.h"

namespace weft::cmd {
// Placeholder until the command lands.
void register_loadgen_command(CLI::App& app) { app.add_subcommand("loadgen", "(not yet built)"); }
}  // namespace weft::cmd
