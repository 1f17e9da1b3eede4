#include "cmd/loadgen/endpoint.h"

#include <rapidjson/document.h>

#include <charconv>
#include <fstream>
#include <sstream>

namespace weft::cmd::loadgen {

const char* ports_file_key(Protocol protocol) {
  switch (protocol) {
    case Protocol::kOtlpHttp:
    case Protocol::kOtlpHttpJson:
      return "otlp_http";
    case Protocol::kOtlpGrpc:
      return "otlp_grpc";
    case Protocol::kZipkin:
      return "zipkin";
  }
  return "otlp_http";
}

Result<std::string> read_ports_file_entry(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  if (!in) return io_error("cannot read ports file " + path);
  std::stringstream text;
  text << in.rdbuf();
  const std::string json = text.str();
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject())
    return invalid_argument("ports file " + path + ": not a JSON object");
  auto it = doc.FindMember(key.c_str());
  if (it == doc.MemberEnd() || !it->value.IsString())
    return invalid_argument("ports file " + path + ": no string \"" + key + "\"");
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

Result<Endpoint> parse_endpoint(const std::string& text) {
  const auto bad = [&] { return invalid_argument("endpoint \"" + text + "\": want host:port"); };
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return bad();
  Endpoint ep;
  ep.host = text.substr(0, colon);
  if (ep.host.size() >= 2 && ep.host.front() == '[' && ep.host.back() == ']')
    ep.host = ep.host.substr(1, ep.host.size() - 2);
  unsigned port = 0;
  const char* first = text.data() + colon + 1;
  const char* last = text.data() + text.size();
  auto [end, ec] = std::from_chars(first, last, port);
  if (ec != std::errc() || end != last || port == 0 || port > 65535) return bad();
  ep.port = static_cast<uint16_t>(port);
  return ep;
}

Result<Endpoint> resolve_endpoint(const LoadgenOptions& options) {
  if (!options.endpoint.empty()) return parse_endpoint(options.endpoint);
  if (!options.ports_file.empty()) {
    WEFT_ASSIGN_OR_RETURN(
        std::string address,
        read_ports_file_entry(options.ports_file, ports_file_key(options.protocol)));
    return parse_endpoint(address);
  }
  switch (options.protocol) {
    case Protocol::kOtlpGrpc:
      return Endpoint{"127.0.0.1", 4317};
    case Protocol::kZipkin:
      return Endpoint{"127.0.0.1", 9411};
    default:
      return Endpoint{"127.0.0.1", 4318};
  }
}

}  // namespace weft::cmd::loadgen
