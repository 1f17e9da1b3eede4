#pragma once
// The demo application: a small shop.
//
//   client ──> frontend ──GET /checkout──> orders ──POST /reserve──> inventory ──> mysql
//                 │                          ├────POST /charge───> payments ──> bank
//                 │                          └──> mysql
//                 └──GET /browse──> inventory ──> mysql
//
// frontend, orders, payments and inventory are processes (weft demo-service --name X);
// mysql and bank are not: they are peers the services call (simulated), seen in weft as
// virtual nodes through peer.service on the CLIENT spans.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/database.h"
#include "runtime/http_types.h"
#include "runtime/service.h"

namespace demo {

struct ServiceEnv {
  std::map<std::string, Endpoint> peers;  // service name -> address, for the ones it calls
  Database db;
};

void InstallFrontend(Service& service, const ServiceEnv& env);
void InstallOrders(Service& service, const ServiceEnv& env);
void InstallPayments(Service& service, const ServiceEnv& env);
void InstallInventory(Service& service, const ServiceEnv& env);

struct ServiceInfo {
  std::string name;
  std::vector<std::string> calls;  // services it needs the address of
  void (*install)(Service&, const ServiceEnv&);
};
// Every demo service, callees before callers (the order to start them in).
const std::vector<ServiceInfo>& AllServices();
const ServiceInfo* FindService(std::string_view name);

// The address of `name` in env, or throws std::runtime_error naming the missing peer.
const Endpoint& PeerOf(const ServiceEnv& env, const std::string& name);

}  // namespace demo
