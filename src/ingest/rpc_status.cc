#include "ingest/rpc_status.h"

#include "common/coding.h"
#include "common/json_escape.h"

namespace weft::ingest {

int grpc_code_for(const Status& status) {
  switch (status.code()) {
    case ResultCode::kOk:
      return 0;
    case ResultCode::kInvalidArgument:
      return 3;
    case ResultCode::kNotFound:
      return 5;
    case ResultCode::kResourceExhausted:
      return 8;
    case ResultCode::kUnavailable:
      return 14;
    case ResultCode::kDataLoss:
      return 15;
    case ResultCode::kIOError:
    case ResultCode::kInternal:
      return 13;
  }
  return 2;
}

std::string encode_rpc_status_proto(int code, std::string_view message) {
  std::string out;
  if (code != 0) {
    out.push_back(0x08);  // field 1, varint
    coding::put_varint64(out, static_cast<uint64_t>(code));
  }
  if (!message.empty()) {
    out.push_back(0x12);  // field 2, length-delimited
    coding::put_varint64(out, message.size());
    out.append(message);
  }
  return out;
}

std::string encode_rpc_status_json(int code, std::string_view message) {
  std::string out = "{\"code\":" + std::to_string(code) + ",\"message\":";
  append_json_string(out, message);
  out.push_back('}');
  return out;
}

}  // namespace weft::ingest
