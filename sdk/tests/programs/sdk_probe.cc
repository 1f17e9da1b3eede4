// weft_sdk_probe: a small program built only on the weft C++ SDK and POSIX sockets, driven by
// the end-to-end tests in tests/integration/sdk_*.test.mjs. Two modes:
//
// Service mode (--listen HOST:PORT): an HTTP service. Every request is traced like a real
// service would: the context is extracted from the headers with weft::GlobalPropagator(), a
// SERVER span starts, and with --downstream a CLIENT span calls the next service with the
// context injected. The answer describes the SERVER span:
//   {"service":..,"trace_id":..,"span_id":..,"parent_span_id":..,"sampled":true,
//    "client_span_id":..,"baggage":{..},"downstream":<the downstream's JSON answer or null>}
// Extra routes: GET /decide?trace_id=<32 hex>[&ratio=0.5] answers what
// weft::TraceIdRatioSampler(ratio) decides for a root of that trace; GET /stats answers
// weft::Sdk::stats() (including the propagation counters) as JSON.
// Prints "LISTENING <port>" once bound.
//
// Emit mode (--emit N --rate R): produces N spans (R per second, 0 = flat out), each a
// span with 4 attributes, timing start+end of every span. Prints
//   TRACE <trace id>          (with --one-trace: every span is a child of one remote parent)
//   LATENCY {"p50_ns":..,"p99_ns":..,"max_ns":..,"elapsed_ms":..}
//   EMITTED N
// then, with --wait, waits for a signal (the SDK flushes on SIGTERM/SIGINT and chains to the
// previous handler: the default action, or the app's own with --own-handler); otherwise shuts
// the SDK down and prints "STATS {..}" (weft::Sdk::stats() after shutdown).
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "probe_http.h"
#include "weft/weft.h"

namespace {

struct Flags {
  std::string listen;
  std::string endpoint;
  std::string service = "weft-sdk-probe";
  std::string propagators;
  std::string sampler = "parentbased_always_on";
  std::string downstream;
  long emit = -1;
  double rate = 0;
  long export_interval_ms = -1;
  long shutdown_timeout_ms = -1;
  long export_timeout_ms = -1;
  int max_attempts = -1;
  long ring_bytes = -1;
  bool one_trace = false;
  bool wait = false;
  bool own_handler = false;
  bool simple = false;
};

[[noreturn]] void Usage(const std::string& error) {
  std::cerr
      << "weft_sdk_probe: " << error << "\n"
      << "usage: weft_sdk_probe (--listen HOST:PORT | --emit N [--rate R] [--one-trace] [--wait])\n"
         "  [--endpoint URL|log:PATH|none] [--service NAME] [--propagators LIST]\n"
         "  [--sampler always_on|always_off|ratio:R|parentbased_ratio:R|parentbased_always_on|remote:URL]\n"
         "  [--downstream URL] [--export-interval-ms MS] [--shutdown-timeout-ms MS]\n"
         "  [--export-timeout-ms MS] [--max-attempts N] [--ring-bytes N] [--own-handler]\n"
         "  [--simple]\n";
  std::exit(2);
}

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  auto value = [&](int& i) -> std::string {
    if (i + 1 >= argc) Usage(std::string(argv[i]) + " needs a value");
    return argv[++i];
  };
  auto number = [&](int& i) -> double {
    const std::string flag = argv[i];
    const std::string v = value(i);
    char* end = nullptr;
    const double d = std::strtod(v.c_str(), &end);
    if (v.empty() || *end) Usage(flag + ": not a number: " + v);
    return d;
  };
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--listen")
      f.listen = value(i);
    else if (a == "--endpoint")
      f.endpoint = value(i);
    else if (a == "--service")
      f.service = value(i);
    else if (a == "--propagators")
      f.propagators = value(i);
    else if (a == "--sampler")
      f.sampler = value(i);
    else if (a == "--downstream")
      f.downstream = value(i);
    else if (a == "--emit")
      f.emit = static_cast<long>(number(i));
    else if (a == "--rate")
      f.rate = number(i);
    else if (a == "--export-interval-ms")
      f.export_interval_ms = static_cast<long>(number(i));
    else if (a == "--shutdown-timeout-ms")
      f.shutdown_timeout_ms = static_cast<long>(number(i));
    else if (a == "--export-timeout-ms")
      f.export_timeout_ms = static_cast<long>(number(i));
    else if (a == "--max-attempts")
      f.max_attempts = static_cast<int>(number(i));
    else if (a == "--ring-bytes")
      f.ring_bytes = static_cast<long>(number(i));
    else if (a == "--one-trace")
      f.one_trace = true;
    else if (a == "--wait")
      f.wait = true;
    else if (a == "--own-handler")
      f.own_handler = true;
    else if (a == "--simple")
      f.simple = true;
    else
      Usage("unknown flag " + a);
  }
  if (f.listen.empty() == (f.emit < 0)) Usage("give exactly one of --listen and --emit");
  return f;
}

double RatioOf(const std::string& spec, std::string_view prefix) {
  const std::string v = spec.substr(prefix.size());
  char* end = nullptr;
  const double r = std::strtod(v.c_str(), &end);
  if (v.empty() || *end || r < 0 || r > 1) Usage("bad sampler ratio in " + spec);
  return r;
}

std::shared_ptr<weft::Sampler> MakeSampler(const std::string& spec, const std::string& service) {
  if (spec == "always_on") return weft::AlwaysOnSampler();
  if (spec == "always_off") return weft::AlwaysOffSampler();
  if (spec == "parentbased_always_on") return weft::ParentBasedSampler(weft::AlwaysOnSampler());
  if (spec.starts_with("ratio:")) return weft::TraceIdRatioSampler(RatioOf(spec, "ratio:"));
  if (spec.starts_with("parentbased_ratio:"))
    return weft::ParentBasedSampler(weft::TraceIdRatioSampler(RatioOf(spec, "parentbased_ratio:")));
  if (spec.starts_with("remote:")) {  // remote:<base URL of weft serve's query port>
    weft::RemoteSamplerOptions r;
    r.endpoint = spec.substr(7);
    r.service_name = service;
    r.poll_interval = std::chrono::milliseconds(100);
    r.initial = weft::AlwaysOnSampler();
    return weft::ParentBasedSampler(weft::RemoteSampler(std::move(r)));
  }
  Usage("unknown sampler " + spec);
}

// --- JSON output ---

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {  // keep the output ASCII whatever came in
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string StatsJson(const weft::SdkStats& s) {
  char buf[512];
  std::snprintf(
      buf, sizeof buf,
      "{\"processor\":{\"ended\":%llu,\"dropped\":%llu,\"exported\":%llu,\"failed\":%llu},"
      "\"exporter\":{\"exported_spans\":%llu,\"failed_spans\":%llu,\"retries\":%llu},"
      "\"propagation\":{\"extracted\":%llu,\"malformed\":%llu}}",
      static_cast<unsigned long long>(s.processor.ended),
      static_cast<unsigned long long>(s.processor.dropped),
      static_cast<unsigned long long>(s.processor.exported),
      static_cast<unsigned long long>(s.processor.failed),
      static_cast<unsigned long long>(s.exporter.exported_spans),
      static_cast<unsigned long long>(s.exporter.failed_spans),
      static_cast<unsigned long long>(s.exporter.retries),
      static_cast<unsigned long long>(s.propagation.extracted),
      static_cast<unsigned long long>(s.propagation.malformed));
  return buf;
}

void PrintLine(const std::string& line) {
  // One write per line: the tests read stdout line by line while the process runs.
  const std::string l = line + "\n";
  (void)!write(STDOUT_FILENO, l.data(), l.size());
}

// --- service mode ---

weft::Sdk* g_sdk = nullptr;

probe::Response Json(std::string body, int status = 200) {
  return probe::Response{status, "application/json", std::move(body) + "\n"};
}

probe::Response Decide(const probe::Request& req) {
  weft::TraceId id;
  if (!weft::TraceId::from_hex(req.query("trace_id"), &id) || !id.valid())
    return Json("{\"error\":\"trace_id must be 32 hex digits, not all zero\"}", 400);
  const std::string r = req.query("ratio");
  const double ratio = r.empty() ? 0.5 : std::strtod(r.c_str(), nullptr);
  // A root decision: no parent, so only the trace id (and the ratio) can matter.
  const weft::SpanContext no_parent;
  const auto sampler = weft::TraceIdRatioSampler(ratio);
  const bool sampled = sampler->ShouldSample(weft::SamplingParams{no_parent, id, "decide",
                                                                  weft::SpanKind::kServer}) ==
                       weft::SamplingDecision::kRecordAndSample;
  return Json("{\"trace_id\":" + Quote(id.hex()) + ",\"sampled\":" + (sampled ? "true" : "false") +
              ",\"sampler\":" + Quote(sampler->Description()) + "}");
}

probe::Response Traced(const Flags& flags, const probe::Request& req) {
  probe::Headers in = req.headers;
  weft::HttpHeaderCarrier in_carrier(in);
  const weft::Context extracted = weft::GlobalPropagator().Extract(in_carrier, weft::Context());
  const weft::Tracer tracer = weft::GetTracer("weft-sdk-probe", "1");

  weft::StartOptions so;
  so.kind = weft::SpanKind::kServer;
  so.parent = &extracted;
  const std::string path(req.path());
  weft::Span server = tracer.StartSpan(req.method + " " + path, so);
  server.SetAttributes(
      {{"http.request.method", req.method}, {"url.path", path}, {"server.probe", true}});

  std::string downstream = "null", client_span_id;
  int status = 200;
  if (!flags.downstream.empty()) {
    weft::Span client = tracer.StartSpan("GET downstream", weft::SpanKind::kClient);
    client_span_id = client.span_id().hex();
    probe::Headers out;
    weft::HttpHeaderCarrier out_carrier(out);
    weft::Inject(out_carrier);
    const probe::ClientResult r = probe::HttpGet(flags.downstream, out, 10'000);
    client.SetAttributes({{"url.full", flags.downstream},
                          {"http.response.status_code", static_cast<int64_t>(r.status)}});
    if (r.status != 200) {
      client.SetStatus(weft::StatusCode::kError, r.error.empty() ? "downstream status" : r.error);
      status = 502;
    }
    downstream = r.status == 200 && r.body.starts_with("{")
                     ? r.body
                     : Quote(r.status == 200 ? r.body : r.error);
    while (!downstream.empty() && (downstream.back() == '\n' || downstream.back() == '\r'))
      downstream.pop_back();
  }

  std::string baggage = "{";
  if (const weft::Baggage* b = weft::Context::Current().baggage())
    for (const auto& e : b->entries())
      baggage += (baggage.size() > 1 ? "," : "") + Quote(e.key) + ":" + Quote(e.value);
  baggage += "}";
  const weft::SpanContext& parent = extracted.span();
  std::string body =
      "{\"service\":" + Quote(flags.service) + ",\"trace_id\":" + Quote(server.trace_id().hex()) +
      ",\"span_id\":" + Quote(server.span_id().hex()) +
      ",\"parent_span_id\":" + Quote(parent.valid() ? parent.span_id.hex() : "") +
      ",\"sampled\":" + ((server.flags() & weft::kTraceFlagSampled) ? "true" : "false") +
      ",\"recording\":" + (server.recording() ? "true" : "false") +
      ",\"client_span_id\":" + Quote(client_span_id) + ",\"baggage\":" + baggage +
      ",\"downstream\":" + downstream + "}";
  if (status != 200) server.SetStatus(weft::StatusCode::kError, "downstream failed");
  server.End();  // before answering, so the caller never sees a response whose span is not ended
  return Json(std::move(body), status);
}

[[noreturn]] void RunService(const Flags& flags) {
  probe::HttpServer server;
  const int port = server.Listen(flags.listen);
  PrintLine("LISTENING " + std::to_string(port));
  server.Serve([&flags](const probe::Request& req) -> probe::Response {
    const std::string_view path = req.path();
    if (path == "/decide") return Decide(req);
    if (path == "/stats") return Json(StatsJson(g_sdk->stats()));
    if (path == "/healthz") return Json("{\"ok\":true}");
    return Traced(flags, req);
  });
}

// --- emit mode ---

uint64_t MonoNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000 + static_cast<uint64_t>(ts.tv_nsec);
}

void RunEmit(const Flags& flags) {
  const weft::Tracer tracer = weft::GetTracer("weft-sdk-probe", "1");
  weft::Context parent_ctx;
  if (flags.one_trace) {
    parent_ctx = weft::Context().WithSpan(weft::SpanContext{
        weft::NewTraceId(), weft::NewSpanId(), weft::kTraceFlagSampled, true, nullptr});
    PrintLine("TRACE " + parent_ctx.span().trace_id.hex());
  }
  weft::StartOptions so;
  so.kind = weft::SpanKind::kInternal;
  so.parent = flags.one_trace ? &parent_ctx : nullptr;
  so.root = !flags.one_trace;
  const size_t n = static_cast<size_t>(flags.emit);
  std::vector<uint32_t> latency(n);
  const uint64_t begin = MonoNs();
  for (size_t i = 0; i < n; ++i) {
    if (flags.rate > 0) {
      const uint64_t due = begin + static_cast<uint64_t>(static_cast<double>(i) * 1e9 / flags.rate);
      const uint64_t now = MonoNs();
      if (due > now) std::this_thread::sleep_for(std::chrono::nanoseconds(due - now));
    }
    const uint64_t t0 = MonoNs();
    {
      weft::Span s = tracer.StartSpan("emit", so);
      s.SetAttribute("emit.index", static_cast<int64_t>(i));
      s.SetAttribute("emit.kind", "probe");
      s.SetAttribute("emit.ratio", 0.5);
      s.SetAttribute("emit.flag", true);
    }
    latency[i] = static_cast<uint32_t>(std::min<uint64_t>(MonoNs() - t0, UINT32_MAX));
  }
  const uint64_t elapsed = MonoNs() - begin;
  std::vector<uint32_t> sorted = latency;
  std::sort(sorted.begin(), sorted.end());
  auto pct = [&](double p) -> uint64_t {
    return sorted.empty()
               ? 0
               : sorted[std::min(sorted.size() - 1,
                                 static_cast<size_t>(p * static_cast<double>(sorted.size())))];
  };
  PrintLine("LATENCY {\"p50_ns\":" + std::to_string(pct(0.50)) +
            ",\"p99_ns\":" + std::to_string(pct(0.99)) +
            ",\"max_ns\":" + std::to_string(sorted.empty() ? 0 : sorted.back()) +
            ",\"elapsed_ms\":" + std::to_string(static_cast<double>(elapsed) / 1e6) + "}");
  PrintLine("STATS_BEFORE_SHUTDOWN " + StatsJson(g_sdk->stats()));
  PrintLine("EMITTED " + std::to_string(n));
}

// --own-handler: what an application that handles SIGTERM itself would install.
void OwnHandler(int) {
  static const char kMsg[] = "OWN HANDLER\n";
  (void)!write(STDOUT_FILENO, kMsg, sizeof kMsg - 1);
  _exit(0);
}

}  // namespace

int main(int argc, char** argv) {
  const Flags flags = ParseFlags(argc, argv);
  if (flags.own_handler) {
    struct sigaction sa = {};
    sa.sa_handler = OwnHandler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
  }

  weft::Options o;
  o.service_name = flags.service;
  o.endpoint = flags.endpoint;
  o.propagators = flags.propagators;
  o.sampler = MakeSampler(flags.sampler, flags.service);
  o.simple_processor = flags.simple;
  if (flags.export_interval_ms >= 0)
    o.batch.export_interval = std::chrono::milliseconds(flags.export_interval_ms);
  if (flags.shutdown_timeout_ms >= 0)
    o.shutdown_timeout = std::chrono::milliseconds(flags.shutdown_timeout_ms);
  if (flags.ring_bytes > 0) o.batch.ring_bytes_per_thread = static_cast<size_t>(flags.ring_bytes);
  if (flags.export_timeout_ms >= 0 || flags.max_attempts > 0) {
    // Tuned OTLP/HTTP exporter (the overload test bounds how long a dead collector can hold
    // the export thread); same URL rule as Options::endpoint for a bare base URL.
    if (!flags.endpoint.starts_with("http://"))
      Usage("--export-timeout-ms/--max-attempts need an http:// endpoint");
    weft::OtlpHttpExporterOptions e;
    e.endpoint = flags.endpoint;
    if (e.endpoint.find('/', 7) == std::string::npos) e.endpoint += "/v1/traces";
    if (flags.export_timeout_ms >= 0)
      e.timeout = std::chrono::milliseconds(flags.export_timeout_ms);
    if (flags.max_attempts > 0) e.max_attempts = flags.max_attempts;
    e.initial_backoff = std::chrono::milliseconds(20);
    e.max_backoff = std::chrono::milliseconds(200);
    o.exporter = weft::MakeOtlpHttpExporter(std::move(e));
  }

  try {
    weft::Sdk sdk = weft::Init(std::move(o));
    g_sdk = &sdk;
    if (!flags.listen.empty()) RunService(flags);
    RunEmit(flags);
    if (flags.wait)
      for (;;) pause();  // until SIGTERM/SIGINT: the SDK flushes, then the chained action ends us
    sdk.Shutdown();
    PrintLine("STATS " + StatsJson(sdk.stats()));
    g_sdk = nullptr;
  } catch (const std::exception& e) {
    std::cerr << "weft_sdk_probe: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
