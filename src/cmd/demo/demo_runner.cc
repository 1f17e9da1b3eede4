#include "cmd/demo/demo_runner.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <rapidjson/document.h>

#include "cmd/demo/child_process.h"
#include "cmd/demo/traffic.h"
#include "server/http_client.h"

namespace weft::cmd::demo {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// The shop's topology; mirrors examples/services/services.h (the weft binary does not link
// the examples, see examples/CMakeLists.txt). Ports are base+index.
struct ServiceSpec {
  const char* name;
  std::vector<const char*> calls;
};
const std::vector<ServiceSpec>& Services() {
  static const std::vector<ServiceSpec> kServices = {
      {"frontend", {"orders", "inventory"}},
      {"orders", {"inventory", "payments"}},
      {"payments", {}},
      {"inventory", {}},
  };
  return kServices;
}
// The one service that writes trace log lines instead of exporting spans.
constexpr const char* kLogService = "inventory";

struct Child {
  std::string name;
  pid_t pid = -1;
  uint16_t port = 0;
  std::string output;
};

std::string SelfExe() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : p.string();
}

// A listening TCP socket on 127.0.0.1:port (close-on-exec; handed to one child as fd 3).
int ListenOn(uint16_t port, uint16_t* bound, std::string* error) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 512) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    *error = "cannot listen on 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  *bound = ntohs(addr.sin_port);
  return fd;
}

std::string Tail(const std::string& path, size_t bytes = 2000) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return s.size() > bytes ? "..." + s.substr(s.size() - bytes) : s;
}

// Waits for a SIGINT/SIGTERM for up to `wait`; returns the signal or 0.
int WaitSignal(std::chrono::milliseconds wait) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  timespec ts{static_cast<time_t>(wait.count() / 1000),
              static_cast<long>(wait.count() % 1000) * 1'000'000};
  const int sig = ::sigtimedwait(&set, nullptr, &ts);
  return sig > 0 ? sig : 0;
}

// Starts `weft serve` (this same binary) and waits for its ports file. On success sets the
// OTLP/HTTP endpoint and the query base URL. It tails `trace_log` (inventory's trace log
// lines), so inventory's spans are built from its log and join the SDK services' traces.
bool StartServe(const DemoOptions& o, const fs::path& log_dir, const std::string& trace_log,
                Child* child, std::string* endpoint, std::string* query_url) {
  const std::string self = SelfExe();
  const fs::path ports_file = log_dir / "weft-serve.ports.json";
  std::error_code ec;
  fs::remove(ports_file, ec);
  fs::create_directories(o.data_dir, ec);
  SpawnOptions so;
  so.path = self;
  so.args = {"serve", "--data-dir", o.data_dir, "--ports-file", ports_file.string(), "--no-demo",
             // A short window: inventory's lines of a request are written together (the SDK's
             // log exporter flushes at least every 2 s), so its spans show within seconds.
             "--tail", trace_log, "--tail-window", "5s"};
  if (o.serve_any_ports) {
    for (const char* flag :
         {"--otlp-grpc-addr", "--otlp-http-addr", "--zipkin-addr", "--query-addr",
          "--jaeger-http-addr", "--jaeger-compact-addr", "--jaeger-binary-addr"}) {
      so.args.push_back(flag);
      so.args.push_back("127.0.0.1:0");
    }
  }
  so.output_file = (log_dir / "weft-serve.log").string();
  child->name = "weft serve";
  child->output = so.output_file;
  std::string error;
  child->pid = Spawn(so, &error);
  if (child->pid < 0) {
    std::fprintf(stderr, "weft demo: cannot start weft serve: %s\n", error.c_str());
    return false;
  }
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < deadline) {
    int status = 0;
    if (HasExited(child->pid, &status)) {
      std::fprintf(stderr, "weft demo: weft serve stopped (%s) before it was ready; %s says:\n%s\n",
                   DescribeStatus(status).c_str(), so.output_file.c_str(),
                   Tail(so.output_file).c_str());
      child->pid = -1;
      return false;
    }
    std::ifstream in(ports_file);
    if (in) {
      std::stringstream ss;
      ss << in.rdbuf();
      rapidjson::Document doc;
      doc.Parse(ss.str().c_str());
      if (!doc.HasParseError() && doc.IsObject() && doc.HasMember("otlp_http") &&
          doc["otlp_http"].IsString() && doc.HasMember("query") && doc["query"].IsString()) {
        *endpoint = std::string("http://") + doc["otlp_http"].GetString();
        *query_url = std::string("http://") + doc["query"].GetString();
        return true;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::fprintf(stderr, "weft demo: weft serve did not write %s within 30 s; see %s\n",
               ports_file.c_str(), so.output_file.c_str());
  return false;
}

// Waits until the service answers GET /healthz.
bool WaitHealthy(const Child& c, Clock::time_point deadline) {
  server::HttpClientOptions options;
  options.connect_timeout_ms = 1'000;
  options.request_timeout_ms = 2'000;
  while (Clock::now() < deadline) {
    int status = 0;
    if (HasExited(c.pid, &status)) {
      std::fprintf(stderr, "weft demo: %s stopped (%s) while starting; %s says:\n%s\n",
                   c.name.c_str(), DescribeStatus(status).c_str(), c.output.c_str(),
                   Tail(c.output).c_str());
      return false;
    }
    server::HttpConnection conn(options);
    if (conn.connect("127.0.0.1", c.port).is_ok()) {
      auto r = conn.request("GET", "/healthz", {}, "");
      if (r.is_ok() && r->status == 200) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::fprintf(stderr, "weft demo: %s did not answer on 127.0.0.1:%u; see %s\n", c.name.c_str(),
               c.port, c.output.c_str());
  return false;
}

bool Reachable(const std::string& base_url) {
  // http://host:port[/...]
  std::string rest =
      base_url.substr(base_url.find("://") == std::string::npos ? 0 : base_url.find("://") + 3);
  rest = rest.substr(0, rest.find('/'));
  const size_t colon = rest.rfind(':');
  if (colon == std::string::npos) return false;
  server::HttpClientOptions options;
  options.connect_timeout_ms = 1'000;
  server::HttpConnection conn(options);
  return conn
      .connect(rest.substr(0, colon), static_cast<uint16_t>(std::atoi(rest.c_str() + colon + 1)))
      .is_ok();
}

void PrintStats(TrafficStats s, double seconds, bool final_report, const std::string& trace_hint) {
  std::sort(s.latencies_ms.begin(), s.latencies_ms.end());
  auto pct = [&](double q) {
    if (s.latencies_ms.empty()) return 0.0;
    return s.latencies_ms[std::min(s.latencies_ms.size() - 1,
                                   static_cast<size_t>(q * s.latencies_ms.size()))];
  };
  std::printf("weft demo: %s%llu requests (%.1f/s): %llu ok, %llu 4xx, %llu 5xx, %llu failed",
              final_report ? "done, " : "", static_cast<unsigned long long>(s.sent),
              seconds > 0 ? double(s.sent) / seconds : 0.0, static_cast<unsigned long long>(s.ok),
              static_cast<unsigned long long>(s.client_errors),
              static_cast<unsigned long long>(s.server_errors),
              static_cast<unsigned long long>(s.failed));
  if (s.skipped)
    std::printf(", %llu skipped (too slow)", static_cast<unsigned long long>(s.skipped));
  if (!s.latencies_ms.empty())
    std::printf("; latency p50 %.0f ms, p99 %.0f ms", pct(0.5), pct(0.99));
  std::printf("\n");
  if (!s.last_trace_id.empty())
    std::printf("           latest trace: weft trace %s%s\n", s.last_trace_id.c_str(),
                trace_hint.c_str());
  std::fflush(stdout);
}

void StopAll(std::vector<Child>& services, Child* serve) {
  for (Child& c : services)
    if (c.pid > 0) ::kill(c.pid, SIGTERM);  // all at once: each drains and flushes its spans
  for (Child& c : services) {
    if (c.pid <= 0) continue;
    const int status = StopChild(c.pid, std::chrono::seconds(10));
    if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0))
      std::fprintf(stderr, "weft demo: %s ended with %s (see %s)\n", c.name.c_str(),
                   DescribeStatus(status).c_str(), c.output.c_str());
    c.pid = -1;
  }
  if (serve && serve->pid > 0) {  // last, so the services' final spans were accepted
    const int status = StopChild(serve->pid, std::chrono::seconds(20));
    if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0))
      std::fprintf(stderr, "weft demo: weft serve ended with %s (see %s)\n",
                   DescribeStatus(status).c_str(), serve->output.c_str());
    serve->pid = -1;
  }
}

}  // namespace

int RunDemo(const DemoOptions& o) {
  if (!(o.rate > 0)) {
    std::fprintf(stderr, "weft demo: --rate must be > 0\n");
    return 2;
  }
  // The services are this very binary's `weft demo-service` subcommand.
  const std::string service_bin = SelfExe();
  if (service_bin.empty()) {
    std::fprintf(stderr, "weft demo: cannot find this executable (/proc/self/exe)\n");
    return 2;
  }
  // SIGINT/SIGTERM are taken with sigtimedwait in this thread; every thread started from
  // here on inherits the mask (children reset it).
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::error_code ec;
  fs::create_directories(o.log_dir, ec);
  const fs::path log_dir = fs::absolute(o.log_dir, ec);
  if (ec || !fs::is_directory(log_dir)) {
    std::fprintf(stderr, "weft demo: cannot create --log-dir %s\n", o.log_dir.c_str());
    return 2;
  }

  Child serve;
  std::string endpoint = o.endpoint;
  std::string query_url = "http://127.0.0.1:16686";
  const std::string log_file = (log_dir / (std::string(kLogService) + ".trace.log")).string();
  if (o.serve) {
    std::printf("weft demo: starting weft serve (data in %s, log %s, tailing %s)\n",
                o.data_dir.c_str(), (log_dir / "weft-serve.log").c_str(), log_file.c_str());
    std::fflush(stdout);
    if (!StartServe(o, log_dir, log_file, &serve, &endpoint, &query_url)) {
      if (serve.pid > 0) StopChild(serve.pid, std::chrono::seconds(5));
      return 1;
    }
  } else if (!Reachable(endpoint)) {
    std::fprintf(stderr,
                 "weft demo: warning: nothing answers at %s; spans will be dropped until weft "
                 "serve runs there (or use --serve)\n",
                 endpoint.c_str());
  }

  // Bind every service's port first, so each can be given its peers' addresses at once;
  // connections made before a service is up wait in its listen backlog.
  std::vector<Child> services;
  std::vector<int> fds;
  for (size_t i = 0; i < Services().size(); ++i) {
    Child c;
    c.name = Services()[i].name;
    std::string error;
    const uint16_t want = o.base_port ? static_cast<uint16_t>(o.base_port + i) : 0;
    const int fd = ListenOn(want, &c.port, &error);
    if (fd < 0) {
      std::fprintf(stderr, "weft demo: %s: %s\n", c.name.c_str(), error.c_str());
      for (int f : fds) ::close(f);
      if (serve.pid > 0) StopChild(serve.pid, std::chrono::seconds(10));
      return 1;
    }
    fds.push_back(fd);
    services.push_back(std::move(c));
  }
  auto port_of = [&](std::string_view name) -> uint16_t {
    for (const Child& c : services)
      if (c.name == name) return c.port;
    return 0;
  };
  bool started = true;
  for (size_t i = 0; i < services.size(); ++i) {
    Child& c = services[i];
    SpawnOptions so;
    so.path = service_bin;
    so.args = {"demo-service",
               "--name",
               c.name,
               "--listen-fd",
               "3",
               "--endpoint",
               c.name == kLogService ? "log:" + log_file : endpoint};
    for (const char* peer : Services()[i].calls) {
      so.args.push_back("--peer");
      so.args.push_back(std::string(peer) + "=127.0.0.1:" + std::to_string(port_of(peer)));
    }
    so.pass_fd = fds[i];
    so.output_file = (log_dir / (c.name + ".log")).string();
    c.output = so.output_file;
    std::string error;
    c.pid = Spawn(so, &error);
    if (c.pid < 0) {
      std::fprintf(stderr, "weft demo: cannot start %s: %s\n", c.name.c_str(), error.c_str());
      started = false;
      break;
    }
  }
  for (int f : fds) ::close(f);
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  for (const Child& c : services)
    if (started && c.pid > 0) started = WaitHealthy(c, deadline);
  if (!started) {
    StopAll(services, &serve);
    return 1;
  }

  std::printf("weft demo: the shop is open\n");
  for (const Child& c : services)
    std::printf("  %-9s http://127.0.0.1:%u  pid %d  output %s\n", c.name.c_str(), c.port,
                static_cast<int>(c.pid), c.output.c_str());
  std::printf("  spans     frontend, orders, payments -> %s (OTLP/HTTP)\n", endpoint.c_str());
  std::printf("            inventory -> %s (trace log lines%s)\n", log_file.c_str(),
              o.serve ? ", read back by weft serve --tail" : "; weft serve --tail reads them");
  std::printf("  traffic   %.1f requests/s into the frontend (GET /checkout, GET /browse) %s\n",
              o.rate,
              o.duration_seconds > 0
                  ? ("for " + std::to_string(static_cast<int>(o.duration_seconds)) + " s").c_str()
                  : "until Ctrl-C");
  std::printf(
      "  traces    %s/api/traces?service=frontend (Jaeger API), %s/api/v1/search (native),\n"
      "            %s/api/dependencies (service graph)%s\n",
      query_url.c_str(), query_url.c_str(), query_url.c_str(),
      o.serve ? "" : "  [if weft serve uses its default ports]");
  std::fflush(stdout);

  // `weft trace` defaults to 127.0.0.1:16686; name the query address when it is another.
  std::string trace_hint;
  if (query_url != "http://127.0.0.1:16686") trace_hint = " --query-addr " + query_url.substr(7);
  TrafficDriver traffic("127.0.0.1", port_of("frontend"), o.rate);
  traffic.Start();
  const auto began = Clock::now();
  auto last_report = began;
  std::vector<double> all_latencies_ms;  // for the final report
  auto take_stats = [&] {
    TrafficStats s = traffic.TakeStats();
    all_latencies_ms.insert(all_latencies_ms.end(), s.latencies_ms.begin(), s.latencies_ms.end());
    return s;
  };
  int exit_code = 0;
  for (;;) {
    if (const int sig = WaitSignal(std::chrono::milliseconds(200)); sig) {
      std::printf("weft demo: %s, stopping\n", sig == SIGINT ? "interrupted" : "terminated");
      break;
    }
    const auto now = Clock::now();
    if (o.duration_seconds > 0 && now - began >= std::chrono::duration<double>(o.duration_seconds))
      break;
    bool died = false;
    for (Child& c : services) {
      int status = 0;
      if (HasExited(c.pid, &status)) {
        std::fprintf(stderr, "weft demo: %s stopped unexpectedly (%s); %s says:\n%s\n",
                     c.name.c_str(), DescribeStatus(status).c_str(), c.output.c_str(),
                     Tail(c.output).c_str());
        c.pid = -1;
        died = true;
      }
    }
    int status = 0;
    if (serve.pid > 0 && HasExited(serve.pid, &status)) {
      std::fprintf(stderr, "weft demo: weft serve stopped unexpectedly (%s); see %s\n",
                   DescribeStatus(status).c_str(), serve.output.c_str());
      serve.pid = -1;
      died = true;
    }
    if (died) {
      exit_code = 1;
      break;
    }
    if (now - last_report >= std::chrono::seconds(10)) {
      PrintStats(take_stats(), std::chrono::duration<double>(now - began).count(), false,
                 trace_hint);
      last_report = now;
    }
  }
  traffic.Stop();
  StopAll(services, &serve);
  TrafficStats total = take_stats();
  total.latencies_ms = std::move(all_latencies_ms);
  PrintStats(std::move(total), std::chrono::duration<double>(Clock::now() - began).count(), true,
             trace_hint);
  return exit_code;
}

}  // namespace weft::cmd::demo
