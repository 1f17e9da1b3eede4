#include "ingest/rpc_status.h"

#include "common/coding.h"

namespace weft::ingest {

int grpc_code_for(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return 0;
    case StatusCode::kInvalidArgument:
      return 3;
    case StatusCode::kNotFound:
      return 5;
    case StatusCode::kResourceExhausted:
      return 8;
    case StatusCode::kUnavailable:
      return 14;
    case StatusCode::kDataLoss:
      return 15;
    case StatusCode::kIOError:
    case StatusCode::kInternal:
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
  std::string out = "{\"code\":" + std::to_string(code) + ",\"message\":\"";
  for (unsigned char c : message) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      static const char* kHex = "0123456789abcdef";
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += "\"}";
  return out;
}

}  // namespace weft::ingest
