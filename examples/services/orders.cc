// orders: places an order.
//   POST /orders?user=U&skus=a,b -> inventory POST /reserve, payments POST /charge, then
//   INSERT INTO orders (retried once on a deadlock, as real code does).
#include <atomic>
#include <string>

#include "runtime/database.h"
#include "runtime/http_client.h"
#include "runtime/simulate.h"
#include "services/services.h"
#include "weft/context.h"

namespace demo {
namespace {

std::atomic<uint64_t> next_order_id{100'000};

int CountSkus(std::string_view skus) {
  if (skus.empty()) return 0;
  int n = 1;
  for (char c : skus) n += c == ',';
  return n;
}

}  // namespace

void InstallOrders(Service& service, const ServiceEnv& env) {
  const Endpoint inventory = PeerOf(env, "inventory");
  const Endpoint payments = PeerOf(env, "payments");
  const Database db = env.db;
  const weft::Tracer tracer = service.tracer();

  service.Route("POST", "/orders", [=](const Request& r) {
    const std::string user(r.Query("user"));
    const std::string skus(r.Query("skus"));
    if (skus.empty()) return Response::Json(400, "{\"error\":\"no skus\"}");

    // Baggage set by the frontend arrives with the request; record it on our span.
    weft::Span validate = tracer.StartSpan("order.validate");
    const weft::Baggage* baggage = weft::Context::Current().baggage();
    const std::string tier(baggage ? baggage->Get("customer.tier").value_or("unknown") : "unknown");
    validate.SetAttributes({{"enduser.id", user},
                            {"customer.tier", tier},
                            {"order.item_count", static_cast<int64_t>(CountSkus(skus))}});
    Work({.median_ms = 0.5, .sigma = 0.3});
    validate.End();

    ClientResponse reserved =
        CallService(tracer, "inventory", inventory, "POST", "/reserve?skus=" + skus);
    if (reserved.status == 409) return Response::Json(409, "{\"error\":\"out of stock\"}");
    if (!reserved.ok()) return Response::Json(502, "{\"error\":\"inventory failed\"}");

    const int cents = static_cast<int>(UniformInt(500, 25'000));
    ClientResponse charged = CallService(
        tracer, "payments", payments, "POST",
        "/charge?user=" + user + "&amount_cents=" + std::to_string(cents) + "&tier=" + tier);
    if (charged.status == 402) return Response::Json(402, "{\"error\":\"payment declined\"}");
    if (!charged.ok()) return Response::Json(502, "{\"error\":\"payment failed\"}");

    const uint64_t order_id = next_order_id.fetch_add(1);
    const Query insert{"INSERT", "orders",
                       "INSERT INTO orders (id, user_id, skus, amount_cents) VALUES (?, ?, ?, ?)"};
    bool stored = RunQuery(tracer, db, insert);
    // A deadlock or a lost connection: retry once, as MySQL advises (a second CLIENT span).
    if (!stored) stored = RunQuery(tracer, db, insert);
    if (!stored) return Response::Json(500, "{\"error\":\"could not store the order\"}");
    return Response::Json(201, "{\"order_id\":" + std::to_string(order_id) +
                                   ",\"amount_cents\":" + std::to_string(cents) + "}");
  });
}

}  // namespace demo
