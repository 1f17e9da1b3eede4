#pragma once
// Top-level sections of the --config file that hold structured configuration (lists of
// maps) rather than `option: value` pairs. YamlConfig skips them; `weft serve` hands the
// file's path to the part that reads its section (alerts: src/pipeline/alerts).
#include <string_view>

namespace weft::cmd {

inline bool is_structured_section(std::string_view key) { return key == "alerts"; }

}  // namespace weft::cmd
