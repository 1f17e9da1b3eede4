#pragma once
// Top-level sections of the --config file that hold structured configuration (lists of
// maps) rather than `option: value` pairs. YamlConfig skips them; `weft serve` hands the
// file's path to the parts that read them (alerts: src/pipeline/alerts; tail_sampling:
// src/pipeline/sampling).
#include <string_view>

namespace weft::cmd {

inline bool is_structured_section(std::string_view key) {
  return key == "alerts" || key == "tail_sampling";
}

}  // namespace weft::cmd
