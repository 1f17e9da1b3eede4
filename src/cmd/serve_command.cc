#include "cmd/commands.h"

namespace weft::cmd {
// Placeholder until the command lands.
void register_serve_command(CLI::App& app) { app.add_subcommand("serve", "(not yet built)"); }
}  // namespace weft::cmd
