// OTLP/HTTP protobuf exporter: POSTs an ExportTraceServiceRequest (optionally gzipped) to
// the endpoint over the SDK's own blocking HTTP client, with bounded retries.
//
// Retry rules (OTLP/HTTP spec): a transport failure, 429, 502, 503 and 504 are retried with
// exponential backoff and jitter (Retry-After, in seconds, replaces the computed delay, both
// capped at max_backoff) for at most max_attempts attempts; any other non-2xx status is final.
// One Export takes at most about timeout * max_attempts: a retry whose backoff would end
// past that budget is not made. Shutdown() ends a backoff at once (the batch is counted as
// failed); a request in flight still runs to its own timeout.
#include <zlib.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>

#include "net/http_client.h"
#include "otlp/encode.h"
#include "otlp/retry.h"
#include "weft/exporter.h"

namespace weft {
namespace {

// gzip with a z_stream kept across calls (deflateReset, not re-initialising) and an output
// string whose capacity is reused.
class Gzip {
 public:
  Gzip() {
    // 15 + 16: a gzip header and trailer. Level 1: at exporter batch sizes it compresses
    // OTLP nearly as well as the default level at a fraction of the CPU.
    ok_ = deflateInit2(&z_, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
  }
  ~Gzip() {
    if (ok_) deflateEnd(&z_);
  }
  Gzip(const Gzip&) = delete;
  Gzip& operator=(const Gzip&) = delete;

  bool Compress(std::string_view in, std::string* out) {
    if (!ok_ || deflateReset(&z_) != Z_OK) return false;
    out->resize(deflateBound(&z_, in.size()));
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z_.avail_in = static_cast<uInt>(in.size());
    z_.next_out = reinterpret_cast<Bytef*>(out->data());
    z_.avail_out = static_cast<uInt>(out->size());
    if (deflate(&z_, Z_FINISH) != Z_STREAM_END) return false;
    out->resize(z_.total_out);
    return true;
  }

 private:
  z_stream z_{};
  bool ok_ = false;
};

bool Retryable(int status) {
  return status == 0 || status == 429 || status == 502 || status == 503 || status == 504;
}

class OtlpHttpExporter final : public SpanExporter {
 public:
  explicit OtlpHttpExporter(OtlpHttpExporterOptions options)
      : options_(std::move(options)),
        retrier_(options_.initial_backoff, options_.max_backoff, options_.timeout,
                 options_.max_attempts, options_.clock.get()) {
    std::string error;
    if (!net::ParseHttpUrl(options_.endpoint, &url_, &error))
      throw std::invalid_argument("weft: OTLP/HTTP endpoint \"" + options_.endpoint +
                                  "\": " + error);
    client_ = std::make_unique<net::HttpClient>(url_.host, url_.port, options_.timeout,
                                                options_.clock.get());
    headers_.emplace_back("Content-Type", "application/x-protobuf");
    if (options_.gzip) headers_.emplace_back("Content-Encoding", "gzip");
    for (const auto& h : options_.headers) headers_.push_back(h);
  }

  ExportResult Export(const ExportBatch& batch) override {
    const uint64_t n = batch.spans.size();
    if (n == 0) return ExportResult::kSuccess;
    otlp::EncodeExportRequest(batch, &body_);
    batch.Release();  // the spans are in body_ now: their memory may take new ones
    std::string_view payload = body_;
    if (options_.gzip) {
      if (!gzip_.Compress(body_, &compressed_)) return retrier_.Fail(n);
      payload = compressed_;
    }

    return retrier_.Run(n, [&] {
      net::HttpResult r = client_->Request("POST", url_.path, headers_, payload);
      if (r.status >= 200 && r.status < 300)
        return otlp::AttemptResult{otlp::AttemptResult::kAccepted, std::move(r.body)};
      return otlp::AttemptResult{
          Retryable(r.status) ? otlp::AttemptResult::kRetryable : otlp::AttemptResult::kFinal,
          {},
          r.retry_after.empty() ? std::nullopt : otlp::ParseRetryAfter(r.retry_after)};
    });
  }

  void Shutdown() override { retrier_.Stop(); }

  ExporterStats stats() const override { return retrier_.stats(); }

 private:
  OtlpHttpExporterOptions options_;
  net::Url url_;
  std::unique_ptr<net::HttpClient> client_;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::string body_;        // reused across exports
  std::string compressed_;  // reused across exports
  Gzip gzip_;
  otlp::ExportRetrier retrier_;
};

}  // namespace

std::unique_ptr<SpanExporter> MakeOtlpHttpExporter(OtlpHttpExporterOptions options) {
  return std::make_unique<OtlpHttpExporter>(std::move(options));
}

}  // namespace weft
