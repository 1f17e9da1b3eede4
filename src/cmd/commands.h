#pragma once
// Each subcommand lives in its own <name>_command.cc and registers itself on the CLI11 app.
// The callback it installs runs the command and sets `exit_code`.
#include <CLI/CLI.hpp>

namespace weft::cmd {

extern int exit_code;

void register_serve_command(CLI::App& app);
void register_agent_command(CLI::App& app);
void register_loadgen_command(CLI::App& app);
void register_trace_command(CLI::App& app);
void register_demo_command(CLI::App& app);
void register_demo_service_command(CLI::App& app);
void register_inspect_command(CLI::App& app);
void register_verify_command(CLI::App& app);
void register_sidecar_command(CLI::App& app);

}  // namespace weft::cmd
