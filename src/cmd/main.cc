// weft: one binary, subcommands in <name>_command.cc (see commands.h).
#include <cstdio>

#include "cmd/commands.h"
#include "cmd/yaml_config.h"

namespace weft::cmd {
int exit_code = 0;
}

int main(int argc, char** argv) {
  CLI::App app{
      "weft: distributed tracing in one binary (serve, loadgen, trace, demo, inspect, verify)",
      "weft"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "weft 0.1.0");
  app.set_config("--config", "",
                 "YAML file of option: value for `serve` (e.g. \"fsync: interval\"); flags and "
                 "WEFT_* environment variables take precedence");
  app.config_formatter(std::make_shared<weft::cmd::YamlConfig>());
  app.allow_config_extras(CLI::config_extras_mode::error);
  weft::cmd::register_serve_command(app);
  weft::cmd::register_agent_command(app);
  weft::cmd::register_loadgen_command(app);
  weft::cmd::register_trace_command(app);
  weft::cmd::register_demo_command(app);
  weft::cmd::register_demo_service_command(app);
  weft::cmd::register_inspect_command(app);
  weft::cmd::register_verify_command(app);
  weft::cmd::register_sidecar_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    // `inspect` and `verify` keep exit 1 for "damage found": a usage error of theirs is 2; so
    // does `sidecar`, whose other bad flags exit 2 too.
    if (rc != 0 && (app.got_subcommand("inspect") || app.got_subcommand("verify") ||
                    app.got_subcommand("sidecar")))
      return 2;
    return rc;
  }
  return weft::cmd::exit_code;
}
