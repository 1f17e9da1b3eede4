#pragma once
// RpcIds ("0", "0.2", "0.2.13"): parsing, formatting, and the numeric order in which a
// trace's calls happened (component by component, a prefix before its extensions:
// 0.1 < 0.1.1 < 0.1.2 < 0.2 < 0.10).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace weft::logline {

// Largest value of one component (9 digits: no overflow, and gap lists stay bounded).
inline constexpr uint32_t kMaxRpcIdComponent = 999'999'999;

// Parses dotted decimal numbers ("0.2.13"; leading zeros allowed and dropped) into `out`.
// False, with `*error` set, for anything else: empty components, signs, spaces, more than
// `max_depth` components, a component over kMaxRpcIdComponent.
bool parse_rpc_id(std::string_view text, size_t max_depth, std::vector<uint32_t>* out,
                  std::string* error);

// "0.2.13" (no leading zeros).
std::string format_rpc_id(std::span<const uint32_t> rpc);
// The same into *out (replacing what it held; its memory is reused).
void format_rpc_id_to(std::span<const uint32_t> rpc, std::string* out);
// Appends format_rpc_id(rpc) + "." + last.
std::string format_rpc_id(std::span<const uint32_t> rpc, uint32_t last);

// Depth = number of dots (0 for "0").
inline size_t rpc_depth(std::span<const uint32_t> rpc) { return rpc.empty() ? 0 : rpc.size() - 1; }
// The parent prefix: "0.2" for "0.2.3"; empty for a single component.
inline std::vector<uint32_t> rpc_prefix(std::span<const uint32_t> rpc) {
  return rpc.empty() ? std::vector<uint32_t>{} : std::vector<uint32_t>(rpc.begin(), rpc.end() - 1);
}
inline std::vector<uint32_t> rpc_child(std::span<const uint32_t> rpc, uint32_t k) {
  std::vector<uint32_t> r(rpc.begin(), rpc.end());
  r.push_back(k);
  return r;
}

}  // namespace weft::logline
