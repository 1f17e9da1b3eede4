#pragma once
// --ports-file: {"listen":"127.0.0.1:PORT","egress":"...","admin":"..."} (only the enabled
// ones), written to a temporary file and renamed once every listener is bound, so a test
// that started the sidecar with port 0 reads whole, final addresses.
#include <string>
#include <utility>
#include <vector>

namespace weft::sidecar {

bool WritePortsFile(const std::string& path,
                    const std::vector<std::pair<std::string, std::string>>& entries,
                    std::string* error);

}  // namespace weft::sidecar
