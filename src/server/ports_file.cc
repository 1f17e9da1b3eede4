#include "server/ports_file.h"

#include <cerrno>
#include <cstdio>

namespace weft::server {

Status write_ports_file(const std::string& path,
                        const std::vector<std::pair<std::string, std::string>>& addresses) {
  std::string json = "{";
  for (size_t i = 0; i < addresses.size(); ++i) {
    if (i) json += ",";
    json += "\"" + addresses[i].first + "\":\"" + addresses[i].second + "\"";
  }
  json += "}\n";
  std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  if (!f) return errno_status("cannot create", tmp, errno);
  bool ok = std::fwrite(json.data(), 1, json.size(), f) == json.size();
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) return errno_status("cannot write", tmp, errno);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return errno_status("cannot rename", tmp, errno);
  return Status();
}

}  // namespace weft::server
