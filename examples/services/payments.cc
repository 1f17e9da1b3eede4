// payments: charges a card.
//   POST /charge?user=U&amount_cents=N -> a fraud check, then the external bank's API.
// The bank is not ours and not instrumented: the call to it is a CLIENT span with
// peer.service=bank, so weft shows "bank" as a virtual node. It is slow now and then
// (latency spikes) and fails ~3% of the time (HTTP 503), and declines ~2% of the cards.
#include <string>

#include "runtime/simulate.h"
#include "services/services.h"

namespace demo {
namespace {

enum class BankAnswer { kApproved, kDeclined, kUnavailable };

BankAnswer CallBank(const weft::Tracer& tracer, int64_t amount_cents) {
  weft::Span span = tracer.StartSpan("POST /v1/charges", weft::SpanKind::kClient);
  span.SetAttributes({{"http.request.method", "POST"},
                      {"server.address", "api.bank.example"},
                      {"server.port", int64_t{443}},
                      {"url.full", "https://api.bank.example/v1/charges"},
                      {"network.protocol.version", "1.1"},
                      {"peer.service", "bank"},
                      {"payment.amount_cents", amount_cents}});
  Work({.median_ms = 45, .sigma = 0.45, .spike_chance = 0.04, .spike_factor = 8});
  const double roll = Uniform();
  if (roll < 0.03) {
    span.SetAttributes({{"http.response.status_code", int64_t{503}}, {"error.type", "503"}});
    span.RecordException("bank::Unavailable", "api.bank.example answered 503 Service Unavailable");
    return BankAnswer::kUnavailable;
  }
  if (roll < 0.05) {
    span.SetAttributes({{"http.response.status_code", int64_t{402}}, {"error.type", "402"}});
    span.SetStatus(weft::StatusCode::kError, "card declined");
    return BankAnswer::kDeclined;
  }
  span.SetAttribute("http.response.status_code", int64_t{200});
  return BankAnswer::kApproved;
}

}  // namespace

void InstallPayments(Service& service, const ServiceEnv&) {
  const weft::Tracer tracer = service.tracer();

  service.Route("POST", "/charge", [=](const Request& r) {
    int64_t amount = 0;
    for (char c : r.Query("amount_cents"))
      if (c >= '0' && c <= '9') amount = amount * 10 + (c - '0');

    {
      weft::Span fraud = tracer.StartSpan("fraud.check");
      Work({.median_ms = 3, .sigma = 0.4, .spike_chance = 0.01, .spike_factor = 10});
      const double score = Uniform();
      fraud.SetAttributes({{"fraud.score", score}, {"customer.tier", r.Query("tier")}});
      if (score > 0.97) fraud.AddEvent("fraud.review_queued", {{"fraud.score", score}});
    }

    switch (CallBank(tracer, amount)) {
      case BankAnswer::kApproved:
        return Response::Json(200, "{\"status\":\"approved\"}");
      case BankAnswer::kDeclined:
        return Response::Json(402, "{\"status\":\"declined\"}");
      case BankAnswer::kUnavailable:
        break;
    }
    return Response::Json(502, "{\"error\":\"bank unavailable\"}");
  });
}

}  // namespace demo
