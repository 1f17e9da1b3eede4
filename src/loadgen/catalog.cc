#include "loadgen/catalog.h"

#include <algorithm>
#include <cstdio>

#include "loadgen/prng.h"

namespace weft::loadgen {

using namespace weft::model;

namespace {

constexpr std::array<const char*, kServiceCount> kDomains = {
    "orders",  "users",           "payments",  "inventory", "cart",
    "catalog", "shipping",        "search",    "auth",      "pricing",
    "reviews", "recommendations", "accounts",  "checkout",  "billing",
    "media",   "ledger",          "analytics", "fraud",     "notifications"};

// One cache command per service, so that the 200 names are distinct.
constexpr std::array<const char*, kServiceCount> kCacheCommands = {
    "GET",    "SET",   "HGET",   "HSET", "MGET",     "MSET",    "DEL",   "INCR",  "EXPIRE", "ZADD",
    "ZRANGE", "LPUSH", "LRANGE", "SADD", "SMEMBERS", "HGETALL", "SETEX", "GETEX", "EXISTS", "TTL"};

constexpr std::array<const char*, 3> kUpdateMethods = {"PUT", "DELETE", "PATCH"};
// Database hosts and, separately, cache hosts; with the 20 service addresses and the 2
// edge load balancers, 40 net.peer.name values in all.
constexpr int kDatastorePeers = 9;

std::string two_digits(int i) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d", i);
  return buf;
}

std::shared_ptr<const Resource> make_resource(const ServiceInfo& svc, int host, uint64_t pod) {
  char host_name[48];
  std::snprintf(host_name, sizeof host_name, "%s-%05llx-%c", svc.name.c_str(),
                static_cast<unsigned long long>(pod & 0xFFFFF), 'a' + host);
  auto r = std::make_shared<Resource>();
  r->attributes = {{"service.name", svc.name},
                   {"service.version", svc.version},
                   {"host.name", std::string(host_name)},
                   {"deployment.environment", "production"}};
  return r;
}

}  // namespace

const Catalog& Catalog::reference() {
  static const Catalog catalog;
  return catalog;
}

Catalog::Catalog() {
  auto scope = std::make_shared<InstrumentationScope>();
  scope->name = "weft.loadgen";
  scope->version = "1.0.0";
  scope_ = std::move(scope);

  // A fixed seed: the catalog is the same for every workload seed.
  Prng rng(0x5EEDCA7A106ULL);
  services_.resize(kServiceCount);
  for (int i = 0; i < kServiceCount; ++i) {
    ServiceInfo& s = services_[static_cast<size_t>(i)];
    const std::string dom = kDomains[static_cast<size_t>(i)];
    s.name = "svc-" + two_digits(i);
    s.domain = dom;
    s.address = s.name + ".internal";
    s.endpoints = {
        "GET /api/v1/" + dom + "/{id}", "GET /api/v1/" + dom, "POST /api/v1/" + dom,
        std::string(kUpdateMethods[static_cast<size_t>(i % 3)]) + " /api/v1/" + dom + "/{id}"};
    s.internal_ops = {dom + ".validate", dom + ".process"};
    s.sql_op = "SELECT " + dom;
    s.cache_op = std::string("redis ") + kCacheCommands[static_cast<size_t>(i)];
    s.publish_op = dom + ".events publish";
    s.process_op = dom + ".events process";
    // Services share database and cache hosts, two (or four) to a host.
    const int store = (i / 2) % kDatastorePeers;
    s.db_system = store % 3 == 2 ? "mysql" : "postgresql";
    s.db_peer = (s.db_system == "mysql" ? "mysql-" : "pg-") + two_digits(store) + ".db.internal";
    s.cache_peer = "redis-" + two_digits(store) + ".cache.internal";
    s.version = "1." + std::to_string(i % 5) + "." + std::to_string((i * 7) % 10);
    // Up to 3 callees among the next 8 services.
    std::vector<int> candidates;
    for (int j = i + 1; j < kServiceCount && j <= i + 8; ++j) candidates.push_back(j);
    while (!candidates.empty() && s.downstream.size() < 3) {
      const size_t k = rng.below(candidates.size());
      s.downstream.push_back(candidates[k]);
      candidates.erase(candidates.begin() + static_cast<std::ptrdiff_t>(k));
    }
    std::sort(s.downstream.begin(), s.downstream.end());
    for (int h = 0; h < kHostsPerService; ++h)
      s.resources[static_cast<size_t>(h)] = make_resource(s, h, rng.next());
  }
  // Every service that is not an entry must have a caller, or it would never appear.
  for (int j = kEntryServiceCount; j < kServiceCount; ++j) {
    bool called = false;
    for (int i = 0; i < j; ++i) {
      const auto& d = services_[static_cast<size_t>(i)].downstream;
      called |= std::find(d.begin(), d.end(), j) != d.end();
    }
    if (called) continue;
    const uint64_t lo = static_cast<uint64_t>(std::max(0, j - 8));
    const uint64_t caller = lo + rng.below(static_cast<uint64_t>(j) - lo);
    auto& d = services_[caller].downstream;
    d.insert(std::upper_bound(d.begin(), d.end(), j), j);
  }
}

std::vector<std::string> Catalog::span_names() const {
  std::vector<std::string> out;
  for (const ServiceInfo& s : services_) {
    out.insert(out.end(), s.endpoints.begin(), s.endpoints.end());
    out.insert(out.end(), s.internal_ops.begin(), s.internal_ops.end());
    out.push_back(s.sql_op);
    out.push_back(s.cache_op);
    out.push_back(s.publish_op);
    out.push_back(s.process_op);
  }
  return out;
}

std::vector<std::string> Catalog::peer_names() const {
  std::vector<std::string> out;
  for (const ServiceInfo& s : services_) out.push_back(s.address);
  for (int i = 0; i < 2 * kDatastorePeers; i += 2) {
    out.push_back(services_[static_cast<size_t>(i)].db_peer);
    out.push_back(services_[static_cast<size_t>(i)].cache_peer);
  }
  out.insert(out.end(), kEdgePeers.begin(), kEdgePeers.end());
  return out;
}

}  // namespace weft::loadgen
