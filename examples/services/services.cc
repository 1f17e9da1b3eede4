#include "services/services.h"

#include <stdexcept>

namespace demo {

const std::vector<ServiceInfo>& AllServices() {
  static const std::vector<ServiceInfo> kAll = {
      {"payments", {}, &InstallPayments},
      {"inventory", {}, &InstallInventory},
      {"orders", {"inventory", "payments"}, &InstallOrders},
      {"frontend", {"orders", "inventory"}, &InstallFrontend},
  };
  return kAll;
}

const ServiceInfo* FindService(std::string_view name) {
  for (const ServiceInfo& s : AllServices())
    if (s.name == name) return &s;
  return nullptr;
}

const Endpoint& PeerOf(const ServiceEnv& env, const std::string& name) {
  auto it = env.peers.find(name);
  if (it == env.peers.end()) throw std::runtime_error("no address for peer service " + name);
  return it->second;
}

}  // namespace demo
