#include "sidecar/exporter_factory.h"

#include <atomic>

#if WEFT_SIDECAR_HAS_GRPC
#include "weft/otlp_grpc_exporter.h"
#endif

namespace weft::sidecar {
namespace {

class NoneExporter final : public SpanExporter {
 public:
  ExportResult Export(const ExportBatch& batch) override {
    exported_.fetch_add(batch.spans.size(), std::memory_order_relaxed);
    return ExportResult::kSuccess;
  }
  ExporterStats stats() const override {
    return {exported_.load(std::memory_order_relaxed), 0, 0};
  }

 private:
  std::atomic<uint64_t> exported_{0};
};

}  // namespace

std::unique_ptr<SpanExporter> MakeExporterForEndpoint(const std::string& endpoint,
                                                      std::string* error) {
  if (endpoint == "none") return std::make_unique<NoneExporter>();
  if (endpoint.starts_with("log:")) {
    LogLineExporterOptions o;
    o.path = endpoint.substr(4);
    if (o.path.empty()) {
      *error = "--endpoint log: needs a file path (log:/var/log/app/trace.log)";
      return nullptr;
    }
    return MakeLogLineExporter(std::move(o));
  }
  if (endpoint.starts_with("http://")) {
    std::string url = endpoint;
    const size_t slash = url.find('/', 7);
    if (slash == std::string::npos)
      url += "/v1/traces";
    else if (slash == url.size() - 1)
      url += "v1/traces";
    if (url.size() <= 7 || url[7] == '/') {
      *error = "--endpoint " + endpoint + ": no host";
      return nullptr;
    }
    OtlpHttpExporterOptions o;
    o.endpoint = url;
    return MakeOtlpHttpExporter(std::move(o));
  }
  if (endpoint.starts_with("grpc://")) {
#if WEFT_SIDECAR_HAS_GRPC
    std::string target = endpoint.substr(7);
    if (!target.empty() && target.back() == '/') target.pop_back();
    if (target.empty() || target.find('/') != std::string::npos) {
      *error = "--endpoint " + endpoint + ": expected grpc://host:port";
      return nullptr;
    }
    OtlpGrpcExporterOptions o;
    o.endpoint = target;
    return MakeOtlpGrpcExporter(std::move(o));
#else
    *error = "--endpoint grpc://: this build has no OTLP/gRPC exporter; use http://host:4318";
    return nullptr;
#endif
  }
  *error = "--endpoint '" + endpoint +
           "': expected http://host:port (OTLP/HTTP), grpc://host:port (OTLP/gRPC), log:/path or "
           "none";
  return nullptr;
}

}  // namespace weft::sidecar
