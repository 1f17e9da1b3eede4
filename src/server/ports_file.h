#pragma once
// The ports file: JSON naming the address each listener is bound to, written once every
// listener is up (so a test that started `weft serve` with port 0 knows where to connect):
//   {"otlp_grpc":"127.0.0.1:40001","otlp_http":"127.0.0.1:40002",
//    "zipkin":"127.0.0.1:40003","query":"127.0.0.1:40004"}
// Written to a temporary file and renamed, so a reader never sees half of it.
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace weft::server {

Status write_ports_file(const std::string& path,
                        const std::vector<std::pair<std::string, std::string>>& addresses);

}  // namespace weft::server
