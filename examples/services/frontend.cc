// frontend: the shop's web tier, the entry of every trace.
//   GET /checkout?user=U  -> orders POST /orders
//   GET /browse?category=C -> inventory GET /stock
// It puts the customer's tier in W3C baggage, which travels with every call downstream.
#include <stdexcept>
#include <string>

#include "runtime/http_client.h"
#include "runtime/simulate.h"
#include "services/services.h"
#include "weft/context.h"

namespace demo {
namespace {

constexpr const char* kTiers[] = {"free", "free", "free", "plus", "gold"};
constexpr const char* kCategories[] = {"books", "garden", "kitchen", "toys"};

// 1-4 distinct-ish SKUs, comma-separated.
std::string PickSkus() {
  std::string skus;
  const int n = static_cast<int>(UniformInt(1, 4));
  for (int i = 0; i < n; ++i) {
    if (i) skus += ',';
    skus += "sku-" + std::to_string(UniformInt(1, 40));
  }
  return skus;
}

std::string UserOf(const Request& r) {
  std::string user(r.Query("user"));
  return user.empty() ? "u" + std::to_string(UniformInt(1000, 9999)) : user;
}

// Loads the session: a bit of in-process work, traced as an INTERNAL span.
void LoadSession(const weft::Tracer& tracer, const std::string& user) {
  weft::Span span = tracer.StartSpan("session.load");
  span.SetAttribute("enduser.id", user);
  Work({.median_ms = 0.8, .sigma = 0.3, .spike_chance = 0.005, .spike_factor = 30});
}

// Renders the page; fails ~1% of the time (a template bug for some data).
void Render(const weft::Tracer& tracer, std::string_view page) {
  weft::Span span = tracer.StartSpan("render");
  span.SetAttribute("template", page);
  Work({.median_ms = 2, .sigma = 0.35});
  if (Chance(0.01)) {
    std::runtime_error e("template " + std::string(page) + ": missing field 'price'");
    span.RecordException(e);  // on this span; the SERVER span records it again as a 500
    throw e;
  }
}

}  // namespace

void InstallFrontend(Service& service, const ServiceEnv& env) {
  const Endpoint orders = PeerOf(env, "orders");
  const Endpoint inventory = PeerOf(env, "inventory");
  const weft::Tracer tracer = service.tracer();

  service.Route("GET", "/checkout", [=](const Request& r) {
    const std::string user = UserOf(r);
    LoadSession(tracer, user);
    // Baggage set here is injected into every call made inside the scope.
    const char* tier = kTiers[UniformInt(0, std::size(kTiers) - 1)];
    const weft::Context& current = weft::Context::Current();
    weft::Baggage baggage = current.baggage() ? *current.baggage() : weft::Baggage();
    weft::ContextScope with_tier(current.WithBaggage(baggage.With("customer.tier", tier)));

    ClientResponse placed =
        CallService(tracer, "orders", orders, "POST",
                    "/orders?user=" + user + "&skus=" + PickSkus(), "{\"currency\":\"EUR\"}");
    if (placed.status == 409 || placed.status == 402)  // out of stock, card declined
      return Response::Json(placed.status, placed.body);
    if (!placed.ok()) return Response::Json(502, "{\"error\":\"orders unavailable\"}");
    Render(tracer, "checkout.html");
    return Response::Json(200, placed.body);
  });

  service.Route("GET", "/browse", [=](const Request& r) {
    std::string category(r.Query("category"));
    if (category.empty()) category = kCategories[UniformInt(0, std::size(kCategories) - 1)];
    LoadSession(tracer, UserOf(r));
    ClientResponse stock = CallService(tracer, "inventory", inventory, "GET",
                                       "/stock?category=" + category + "&skus=" + PickSkus());
    if (!stock.ok()) return Response::Json(502, "{\"error\":\"inventory unavailable\"}");
    Render(tracer, "browse.html");
    return Response::Json(200, stock.body);
  });
}

}  // namespace demo
