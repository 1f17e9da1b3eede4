// inventory: stock levels.
//   GET /stock?skus=a,b    looks every SKU up in parallel on a small thread pool
//   POST /reserve?skus=a,b  the same, then UPDATE stock
// Each lookup is a task on another thread; weft::Wrap carries the request's Context into
// it, so its span is a child of the request's SERVER span (and, with RpcIds, takes its own
// number before it forks). Lookups hit a local cache first; hits and misses are span
// events, a miss reads MySQL.
//
// The demo runs this service with a log endpoint: its spans become trace log lines
// (../shared/LOGFORMAT.md) instead of OTLP, as in shops that trace through their logs.
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/database.h"
#include "runtime/simulate.h"
#include "runtime/thread_pool.h"
#include "services/services.h"
#include "weft/context.h"

namespace demo {
namespace {

// SKU -> when its cached stock level expires.
class StockCache {
 public:
  bool Get(const std::string& sku) {
    std::lock_guard lock(mu_);
    auto it = expiry_.find(sku);
    return it != expiry_.end() && it->second > std::chrono::steady_clock::now();
  }
  void Put(const std::string& sku) {
    std::lock_guard lock(mu_);
    expiry_[sku] =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(UniformInt(500, 3000));
  }

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> expiry_;
};

struct Inventory {
  weft::Tracer tracer;
  Database db;
  ThreadPool pool{4};
  StockCache cache;
};

std::vector<std::string> SplitSkus(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    const size_t comma = s.find(',');
    if (comma) out.emplace_back(s.substr(0, comma));
    s = comma == std::string_view::npos ? std::string_view() : s.substr(comma + 1);
  }
  return out;
}

// One SKU's stock level; throws when the database fails.
void LookUp(Inventory& inv, const std::string& sku) {
  weft::Span span = inv.tracer.StartSpan("stock.lookup");
  span.SetAttribute("inventory.sku", sku);
  const std::string key = "stock:" + sku;
  if (inv.cache.Get(sku)) {
    span.AddEvent("cache.hit", {{"cache.key", key}});
    Work({.median_ms = 0.2, .sigma = 0.3});
    return;
  }
  span.AddEvent("cache.miss", {{"cache.key", key}});
  if (!RunQuery(inv.tracer, inv.db,
                {"SELECT", "stock", "SELECT qty, warehouse FROM stock WHERE sku = ?"})) {
    std::runtime_error e("stock of " + sku + " unavailable: query failed");
    span.RecordException(e);
    throw e;
  }
  inv.cache.Put(sku);
}

// Looks every SKU up in parallel; false if any lookup failed.
bool LookUpAll(Inventory& inv, const std::vector<std::string>& skus) {
  std::vector<std::future<void>> pending;
  pending.reserve(skus.size());
  for (const std::string& sku : skus)
    pending.push_back(inv.pool.Submit(weft::Wrap([&inv, &sku] { LookUp(inv, sku); })));
  bool ok = true;
  for (auto& f : pending) {
    try {
      f.get();
    } catch (const std::exception&) {
      ok = false;
    }
  }
  return ok;
}

}  // namespace

void InstallInventory(Service& service, const ServiceEnv& env) {
  auto inv = std::make_shared<Inventory>();
  inv->tracer = service.tracer();
  inv->db = env.db;

  service.Route("GET", "/stock", [inv](const Request& r) {
    const std::vector<std::string> skus = SplitSkus(r.Query("skus"));
    if (Chance(0.01)) throw std::runtime_error("inventory shard 3 is rebalancing");
    if (!LookUpAll(*inv, skus)) return Response::Json(503, "{\"error\":\"stock lookup failed\"}");
    return Response::Json(200, "{\"skus\":" + std::to_string(skus.size()) + ",\"in_stock\":true}");
  });

  service.Route("POST", "/reserve", [inv](const Request& r) {
    const std::vector<std::string> skus = SplitSkus(r.Query("skus"));
    if (!LookUpAll(*inv, skus)) return Response::Json(503, "{\"error\":\"stock lookup failed\"}");
    if (Chance(0.02)) return Response::Json(409, "{\"error\":\"out of stock\"}");
    if (!RunQuery(inv->tracer, inv->db,
                  {"UPDATE", "stock",
                   "UPDATE stock SET qty = qty - ?, reserved = reserved + ? WHERE sku IN (?)"}))
      return Response::Json(503, "{\"error\":\"reservation failed\"}");
    return Response::Json(200, "{\"reserved\":" + std::to_string(skus.size()) + "}");
  });
}

}  // namespace demo
