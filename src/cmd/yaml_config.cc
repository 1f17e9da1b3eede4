#include "cmd/yaml_config.h"

#include "cmd/yaml_sections.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace weft::cmd {
namespace {

// serve's options take their environment variable from their name: data-dir → WEFT_DATA_DIR.
bool env_set_for(const std::string& option) {
  std::string var = "WEFT_";
  for (char c : option) var += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const char* v = std::getenv(var.c_str());
  return v != nullptr && *v != '\0';
}

}  // namespace

std::string YamlConfig::to_config(const CLI::App* app, bool default_also, bool, std::string) const {
  std::string out;
  for (const CLI::Option* opt : app->get_options()) {
    if (opt->get_lnames().empty() || opt->get_lnames()[0] == "config") continue;
    std::string value =
        opt->count() ? opt->as<std::string>() : (default_also ? opt->get_default_str() : "");
    if (value.empty()) continue;
    out += opt->get_lnames()[0] + ": " + value + "\n";
  }
  return out;
}

std::vector<CLI::ConfigItem> YamlConfig::from_config(std::istream& input) const {
  YAML::Node root;
  try {
    root = YAML::Load(input);
  } catch (const YAML::Exception& e) {
    throw CLI::ParseError("config file is not valid YAML: " + std::string(e.what()),
                          CLI::ExitCodes::InvalidError);
  }
  std::vector<CLI::ConfigItem> items;
  if (!root || root.IsNull()) return items;
  if (!root.IsMap())
    throw CLI::ParseError("config file must be a YAML mapping of option: value",
                          CLI::ExitCodes::InvalidError);
  auto add = [&items](const std::string& parent, const YAML::Node& key, const YAML::Node& value) {
    CLI::ConfigItem item;
    item.parents = {parent};
    item.name = key.as<std::string>();
    std::replace(item.name.begin(), item.name.end(), '_', '-');
    if (value.IsSequence()) {
      for (const auto& v : value) item.inputs.push_back(v.as<std::string>());
    } else if (value.IsScalar()) {
      item.inputs.push_back(value.as<std::string>());
    } else {
      throw CLI::ParseError("config key \"" + item.name + "\" must be a scalar or a list",
                            CLI::ExitCodes::InvalidError);
    }
    // CLI11 applies a config file before the environment, so a key in the file would win
    // over its WEFT_* variable; the documented order is flags, then the environment, then
    // the file: a serve option whose variable is set is left to the environment.
    if (parent == "serve" && env_set_for(item.name)) return;
    items.push_back(std::move(item));
  };
  for (const auto& kv : root) {
    // Sections that are structured configuration rather than options are read by the
    // server itself from the same file (yaml_sections.h).
    if (is_structured_section(kv.first.as<std::string>())) continue;
    if (kv.second.IsMap()) {
      for (const auto& sub : kv.second) add(kv.first.as<std::string>(), sub.first, sub.second);
    } else {
      add("serve", kv.first, kv.second);
    }
  }
  return items;
}

}  // namespace weft::cmd
