#include "cmd/loadgen/request_source.h"

#include <atomic>
#include <mutex>

#include "loadgen/batch_cutter.h"
#include "server/body_decoding.h"
#include "wire/otlp_json.h"
#include "wire/otlp_proto.h"
#include "wire/zipkin_json.h"

namespace weft::cmd::loadgen {

using namespace weft::model;

namespace {

using weft::loadgen::BatchCutter;

class PregeneratedSource final : public RequestSource {
 public:
  explicit PregeneratedSource(std::vector<EncodedRequest> requests)
      : requests_(std::move(requests)) {}
  bool next(EncodedRequest* out) override {
    const size_t i = next_.fetch_add(1, std::memory_order_relaxed);
    if (i >= requests_.size()) return false;
    *out = std::move(requests_[i]);
    return true;
  }

 private:
  std::vector<EncodedRequest> requests_;
  std::atomic<size_t> next_{0};
};

class StreamingSource final : public RequestSource {
 public:
  explicit StreamingSource(const LoadgenOptions& options)
      : options_(options), cutter_(options.workload, options.batch, options.spans) {}
  bool next(EncodedRequest* out) override {
    std::vector<Span> batch;
    {
      std::lock_guard lock(mu_);
      if (!cutter_.next(&batch)) return false;
    }
    out->spans = static_cast<uint32_t>(batch.size());
    out->body = encode_request_body(options_.protocol, batch, options_.gzip);
    return true;
  }

 private:
  const LoadgenOptions options_;
  std::mutex mu_;
  BatchCutter cutter_;  // GUARDED_BY(mu_)
};

}  // namespace

std::string encode_request_body(Protocol protocol, const std::vector<Span>& spans, bool gzip) {
  std::string body;
  switch (protocol) {
    case Protocol::kOtlpHttp:
    case Protocol::kOtlpGrpc:
      body = wire::encode_otlp_proto(spans);
      break;
    case Protocol::kOtlpHttpJson:
      body = wire::encode_otlp_json(spans);
      break;
    case Protocol::kZipkin:
      body = wire::encode_zipkin_json(spans);
      break;
  }
  if (gzip && protocol != Protocol::kOtlpGrpc) body = server::gzip_compress(body);
  return body;
}

std::unique_ptr<RequestSource> pregenerate_requests(const LoadgenOptions& options) {
  BatchCutter cutter(options.workload, options.batch, options.spans);
  std::vector<EncodedRequest> requests;
  requests.reserve(static_cast<size_t>(options.spans / options.batch + 1));
  std::vector<Span> batch;
  while (cutter.next(&batch)) {
    requests.push_back({encode_request_body(options.protocol, batch, options.gzip),
                        static_cast<uint32_t>(batch.size())});
  }
  return std::make_unique<PregeneratedSource>(std::move(requests));
}

std::unique_ptr<RequestSource> stream_requests(const LoadgenOptions& options) {
  return std::make_unique<StreamingSource>(options);
}

}  // namespace weft::cmd::loadgen
