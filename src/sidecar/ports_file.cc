#include "sidecar/ports_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace weft::sidecar {

bool WritePortsFile(const std::string& path,
                    const std::vector<std::pair<std::string, std::string>>& entries,
                    std::string* error) {
  std::string json = "{";
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i) json += ",";
    json += "\"" + entries[i].first + "\":\"" + entries[i].second + "\"";
  }
  json += "}\n";
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  if (!f) {
    *error = "cannot create " + tmp + ": " + std::strerror(errno);
    return false;
  }
  bool ok = std::fwrite(json.data(), 1, json.size(), f) == json.size();
  ok = std::fclose(f) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    *error = "cannot write " + path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace weft::sidecar
