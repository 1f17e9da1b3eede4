#include "cmd/loadgen/endpoint.h"

#include <rapidjson/document.h>

#include <fstream>
#include <sstream>

#include "common/endpoint.h"

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
  WEFT_ASSIGN_OR_RETURN(weft::Endpoint ep, weft::parse_endpoint(text, "", 0));
  if (ep.host.empty() || ep.port == 0)
    return invalid_argument("endpoint \"" + text + "\": want host:port or http://host:port");
  if (ep.scheme == "https" || ep.scheme == "grpcs")
    return invalid_argument("endpoint \"" + text + "\": TLS is not supported; use http://");
  // The path is the protocol's (/v1/traces, /api/v2/spans): a URL may name it, or nothing.
  if (!ep.path.empty() && ep.path != "/" && ep.path != "/v1/traces" && ep.path != "/api/v2/spans")
    return invalid_argument("endpoint \"" + text +
                            "\": loadgen sends to the protocol's own "
                            "path (/v1/traces, /api/v2/spans); drop \"" +
                            ep.path + "\"");
  return Endpoint{ep.host, ep.port};
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
