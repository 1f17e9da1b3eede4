#pragma once
// Runs one demo service as a process: initializes the weft SDK for it, serves HTTP until
// SIGTERM or SIGINT, then drains requests in flight and flushes its spans.
#include <map>
#include <string>

#include "runtime/http_types.h"

namespace demo {

struct ServiceProcessOptions {
  std::string name;  // frontend, orders, payments, inventory
  // Where its spans go (weft::Options::endpoint): "http://host:4318" for OTLP/HTTP, or
  // "log:/path/file.log" for trace log lines.
  std::string endpoint = "http://127.0.0.1:4318";
  std::string propagators = "tracecontext,baggage,b3multi,rpcid";
  // Number requests with RpcIds (../shared/LOGFORMAT.md), also without an incoming one.
  bool rpc_ids = true;
  std::string host = "127.0.0.1";
  uint16_t port = 0;   // 0 = any free port (printed)
  int listen_fd = -1;  // >= 0: an inherited listening socket to serve on instead
  std::map<std::string, Endpoint> peers;
  int worker_threads = 16;
};

// Returns the process exit code. Blocks SIGTERM and SIGINT in the calling thread (and so in
// every thread it starts) and waits for them with sigwait: call it from main before
// starting any thread.
int RunServiceProcess(const ServiceProcessOptions& options);

}  // namespace demo
