#pragma once
// Reads a YAML file as CLI11 configuration. Top-level keys are options of `serve` without
// the leading dashes ("data-dir: /var/lib/weft", "fsync: interval"; underscores work too);
// a top-level key whose value is a mapping names a subcommand and holds its options
// ("loadgen: {protocol: otlp-grpc}"). Flags and WEFT_* environment variables take
// precedence over the file (CLI11's order). Unknown keys are an error. The structured
// sections of yaml_sections.h (`alerts:`) are skipped here: `weft serve` reads them itself.
#include <CLI/CLI.hpp>

namespace weft::cmd {

class YamlConfig : public CLI::Config {
 public:
  std::string to_config(const CLI::App* app, bool default_also, bool write_description,
                        std::string prefix) const override;
  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override;
};

}  // namespace weft::cmd
