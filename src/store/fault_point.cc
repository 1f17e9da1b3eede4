#include "store/fault_point.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

namespace weft::store {
namespace {

struct Armed {
  std::string name;  // empty: no fault point armed
  long remaining = 1;
};

Armed& armed() {
  static Armed a = [] {
    Armed x;
    const char* env = std::getenv("WEFT_FAULT_POINT");
    if (!env || !*env) return x;
    std::string s(env);
    auto colon = s.rfind(':');
    if (colon != std::string::npos) {
      x.remaining = std::max(1L, std::strtol(s.c_str() + colon + 1, nullptr, 10));
      s.resize(colon);
    }
    x.name = s;
    return x;
  }();
  return a;
}

std::mutex mu;

}  // namespace

void fault_point(std::string_view name) {
  static const bool any = !armed().name.empty();
  if (!any) return;
  std::lock_guard lock(mu);
  Armed& a = armed();
  if (a.name != name || --a.remaining > 0) return;
  std::fprintf(stderr, "weft: fault point %s reached: killing the process\n", a.name.c_str());
  std::fflush(stderr);
  ::kill(::getpid(), SIGKILL);
  std::_Exit(137);  // not reached
}

}  // namespace weft::store
