#pragma once
// Reads a YAML file as CLI11 configuration: top-level keys are option names without the
// leading dashes ("data-dir: /var/lib/weft", "fsync: interval"; underscores work too).
// Flags and WEFT_* environment variables take precedence over the file (CLI11's order).
#include <CLI/CLI.hpp>

namespace weft::cmd {

class YamlConfig : public CLI::Config {
 public:
  std::string to_config(const CLI::App* app, bool default_also, bool write_description,
                        std::string prefix) const override;
  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override;
};

}  // namespace weft::cmd
