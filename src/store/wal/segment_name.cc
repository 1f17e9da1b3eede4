#include "store/wal/segment_name.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <system_error>

namespace weft::store {

std::string segment_file_name(uint64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%06llu.wal", static_cast<unsigned long long>(seq));
  return buf;
}

std::string segment_path(const std::string& wal_dir, uint64_t seq) {
  return wal_dir + "/" + segment_file_name(seq);
}

std::optional<uint64_t> parse_segment_file_name(std::string_view name) {
  constexpr std::string_view kSuffix = ".wal";
  if (name.size() < 6 + kSuffix.size() || !name.ends_with(kSuffix)) return std::nullopt;
  name.remove_suffix(kSuffix.size());
  if (name.size() > 19) return std::nullopt;
  uint64_t v = 0;
  for (char c : name) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

Result<std::vector<uint64_t>> list_segments(const std::string& wal_dir) {
  std::vector<uint64_t> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(wal_dir, ec)) {
    if (auto seq = parse_segment_file_name(entry.path().filename().string())) out.push_back(*seq);
  }
  if (ec) return io_error("listing " + wal_dir + ": " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace weft::store
