#pragma once
// The fixed cast of the reference workload (shared/WORKLOAD.md): 20 services with their
// resources (3 hosts each), 200 span names (10 per service), the service call graph, the
// 40 net.peer.name values. The catalog does not depend on the seed: every seed draws
// traces from the same services and names.
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "model/span.h"

namespace weft::loadgen {

using namespace weft::model;

inline constexpr int kServiceCount = 20;
inline constexpr int kHostsPerService = 3;
inline constexpr int kEntryServiceCount = 4;  // svc-00..svc-03 receive the root requests
// The load balancers in front of the entry services: net.peer.name of root SERVER spans.
inline constexpr std::array<const char*, 2> kEdgePeers = {"lb-0.edge.internal",
                                                          "lb-1.edge.internal"};

struct ServiceInfo {
  std::string name;     // "svc-07"
  std::string domain;   // "payments": used in endpoint, table and topic names
  std::string address;  // "svc-07.internal": net.peer.name of calls to it
  // This service's 10 span names (in the catalog order below).
  std::array<std::string, 4> endpoints;     // "GET /api/v1/payments/{id}", ... (SERVER)
  std::array<std::string, 2> internal_ops;  // "payments.validate", ... (INTERNAL)
  std::string sql_op;      // "SELECT payments" (CLIENT to the database, virtual peer)
  std::string cache_op;    // "redis HGET" (CLIENT to the cache, virtual peer)
  std::string publish_op;  // "payments.events publish" (PRODUCER, sent by callers)
  std::string process_op;  // "payments.events process" (CONSUMER, in this service)
  std::string db_system;   // "postgresql" or "mysql"
  std::string db_peer;     // one of 9 database hosts
  std::string cache_peer;  // one of 9 cache hosts
  std::string version;     // service.version
  // Services this one calls; always of a higher index, so the call graph is acyclic.
  std::vector<int> downstream;
  // One resource per host, shared by every span the generator makes for that host.
  std::array<std::shared_ptr<const Resource>, kHostsPerService> resources;
};

class Catalog {
 public:
  // The reference catalog, built once. Thread-safe.
  static const Catalog& reference();

  const std::vector<ServiceInfo>& services() const { return services_; }
  const ServiceInfo& service(int i) const { return services_[static_cast<size_t>(i)]; }
  const std::shared_ptr<const InstrumentationScope>& scope() const { return scope_; }
  // All 200 span names, each once.
  std::vector<std::string> span_names() const;
  // All 40 net.peer.name values, each once.
  std::vector<std::string> peer_names() const;

 private:
  Catalog();
  std::vector<ServiceInfo> services_;
  std::shared_ptr<const InstrumentationScope> scope_;
};

}  // namespace weft::loadgen
