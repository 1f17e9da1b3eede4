#include "cmd/loadgen/loadgen_options.h"

namespace weft::cmd::loadgen {

std::string_view protocol_name(Protocol p) {
  switch (p) {
    case Protocol::kOtlpHttp:
      return "otlp-http";
    case Protocol::kOtlpHttpJson:
      return "otlp-http-json";
    case Protocol::kOtlpGrpc:
      return "otlp-grpc";
    case Protocol::kZipkin:
      return "zipkin";
  }
  return "?";
}

bool parse_protocol(std::string_view name, Protocol* out) {
  for (Protocol p :
       {Protocol::kOtlpHttp, Protocol::kOtlpHttpJson, Protocol::kOtlpGrpc, Protocol::kZipkin}) {
    if (protocol_name(p) == name) {
      *out = p;
      return true;
    }
  }
  return false;
}

}  // namespace weft::cmd::loadgen
