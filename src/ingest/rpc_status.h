#pragma once
// google.rpc.Status (code = 1, message = 2), the error body OTLP/HTTP prescribes, in
// protobuf and JSON form. Codes are gRPC's (3 INVALID_ARGUMENT, 8 RESOURCE_EXHAUSTED,
// 14 UNAVAILABLE).
#include <string>
#include <string_view>

#include "common/status.h"

namespace weft::ingest {

int grpc_code_for(const Status& status);
std::string encode_rpc_status_proto(int code, std::string_view message);
std::string encode_rpc_status_json(int code, std::string_view message);

}  // namespace weft::ingest
