#include "runtime/service_process.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <exception>

#include "runtime/http_server.h"
#include "runtime/service.h"
#include "services/services.h"
#include "weft/weft.h"

namespace demo {

int RunServiceProcess(const ServiceProcessOptions& o) {
  const ServiceInfo* info = FindService(o.name);
  if (!info) {
    std::fprintf(
        stderr, "weft demo-service: unknown service '%s' (frontend, orders, payments, inventory)\n",
        o.name.c_str());
    return 2;
  }
  // Shutdown is ours: every thread inherits this mask, and the main thread takes the signal
  // with sigwait below, then drains and flushes (so the SDK's own signal flush is off).
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  try {
    weft::Options options;
    options.service_name = o.name;
    options.endpoint = o.endpoint;
    options.propagators = o.propagators;
    options.rpc_ids = o.rpc_ids;
    options.flush_on_signal = false;
    options.resource_attributes = {
        {"service.namespace", "weft-demo"},
        {"service.version", "1.4.2"},
        {"service.instance.id", o.name + "-" + std::to_string(getpid())},
        {"deployment.environment.name", "demo"},
        {"telemetry.sdk.language", "cpp"},
    };
    weft::Sdk sdk = weft::Init(std::move(options));

    ServiceEnv env;
    env.peers = o.peers;
    Service service(o.name, sdk.tracer("weft-demo/" + o.name, "1.4.2"));
    info->install(service, env);

    ServerOptions server_options;
    server_options.name = o.name;
    server_options.worker_threads = o.worker_threads;
    HttpServer server(server_options, service.handler());
    const uint16_t port =
        o.listen_fd >= 0 ? server.Adopt(o.listen_fd) : server.Listen(o.host, o.port);
    server.Start();
    std::fprintf(stderr, "weft demo-service: %s listening on http://%s:%u, spans to %s\n",
                 o.name.c_str(), o.host.c_str(), port, o.endpoint.c_str());

    int sig = 0;
    sigwait(&stop_signals, &sig);
    server.Stop(std::chrono::milliseconds(5'000));
    sdk.ForceFlush(std::chrono::milliseconds(5'000));
    const weft::SdkStats st = sdk.stats();
    std::fprintf(stderr,
                 "weft demo-service: %s stopped (spans ended %llu, exported %llu, dropped %llu, "
                 "failed %llu)\n",
                 o.name.c_str(), static_cast<unsigned long long>(st.processor.ended),
                 static_cast<unsigned long long>(st.processor.exported),
                 static_cast<unsigned long long>(st.processor.dropped),
                 static_cast<unsigned long long>(st.processor.failed));
    sdk.Shutdown();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "weft demo-service: %s: %s\n", o.name.c_str(), e.what());
    return 1;
  }
  return 0;
}

}  // namespace demo
