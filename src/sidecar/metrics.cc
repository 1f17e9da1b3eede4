#include "sidecar/metrics.h"

namespace weft::sidecar {

const char* ErrorKindName(ErrorKind k) {
  switch (k) {
    case ErrorKind::kNone: return "none";
    case ErrorKind::kBadRequest: return "bad_request";
    case ErrorKind::kHeaderTooLarge: return "header_too_large";
    case ErrorKind::kBodyTooLarge: return "body_too_large";
    case ErrorKind::kHeaderTimeout: return "header_timeout";
    case ErrorKind::kBadTarget: return "bad_target";
    case ErrorKind::kDns: return "dns";
    case ErrorKind::kUpstreamConnect: return "upstream_connect";
    case ErrorKind::kUpstreamTimeout: return "upstream_timeout";
    case ErrorKind::kUpstreamReset: return "upstream_reset";
    case ErrorKind::kUpstreamBadResponse: return "upstream_bad_response";
    case ErrorKind::kClientAbort: return "client_abort";
    case ErrorKind::kCount: break;
  }
  return "unknown";
}

const char* TraceFormatName(TraceFormat f) {
  switch (f) {
    case TraceFormat::kTraceContext: return "tracecontext";
    case TraceFormat::kB3: return "b3";
    case TraceFormat::kJaeger: return "jaeger";
    case TraceFormat::kRpcId: return "rpcid";
    case TraceFormat::kBaggage: return "baggage";
    case TraceFormat::kCount: break;
  }
  return "unknown";
}

StatsSnapshot SumStats(const std::vector<const WorkerStats*>& workers) {
  StatsSnapshot s;
  for (const WorkerStats* w : workers) {
    for (size_t d = 0; d < kDirections; ++d) {
      const auto& in = w->dir[d];
      auto& out = s.dir[d];
      out.connections_accepted += in.connections_accepted.Get();
      out.connections_open += in.connections_open.Get();
      out.requests += in.requests.Get();
      for (size_t i = 0; i < 5; ++i) out.responses[i] += in.responses[i].Get();
      for (size_t i = 0; i < kErrorKinds; ++i) out.errors[i] += in.errors[i].Get();
      out.upstream_new += in.upstream_new.Get();
      out.upstream_reused += in.upstream_reused.Get();
      out.upstream_open += in.upstream_open.Get();
      out.upstream_retries += in.upstream_retries.Get();
      out.downstream_bytes_in += in.downstream_bytes_in.Get();
      out.downstream_bytes_out += in.downstream_bytes_out.Get();
      out.upstream_bytes_in += in.upstream_bytes_in.Get();
      out.upstream_bytes_out += in.upstream_bytes_out.Get();
      out.tunnels += in.tunnels.Get();
    }
    for (size_t i = 0; i < kTraceFormats; ++i) s.malformed[i] += w->malformed[i].Get();
    s.spans_started += w->spans_started.Get();
    s.spans_unsampled += w->spans_unsampled.Get();
  }
  return s;
}

namespace {

class Writer {
 public:
  void Family(const char* name, const char* type, const char* help) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
  }
  void Sample(const char* name, const std::string& labels, uint64_t v) {
    out += name;
    if (!labels.empty()) {
      out += '{';
      out += labels;
      out += '}';
    }
    out += ' ';
    out += std::to_string(v);
    out += '\n';
  }
  std::string out;
};

const char* kDirNames[kDirections] = {"ingress", "egress"};

std::string Dir(size_t d) { return std::string("direction=\"") + kDirNames[d] + "\""; }

}  // namespace

std::string RenderMetrics(const StatsSnapshot& s) {
  Writer w;
  using PD = StatsSnapshot::PerDirection;
  auto per_dir = [&](const char* name, const char* type, const char* help, uint64_t PD::*field) {
    w.Family(name, type, help);
    for (size_t d = 0; d < kDirections; ++d) w.Sample(name, Dir(d), s.dir[d].*field);
  };
  per_dir("weft_sidecar_requests_total", "counter",
          "HTTP requests read (ingress: from clients of the service; egress: from the service)",
          &PD::requests);
  w.Family("weft_sidecar_responses_total", "counter",
           "Responses written to the requester, by status class");
  for (size_t d = 0; d < kDirections; ++d)
    for (size_t c = 0; c < 5; ++c)
      w.Sample("weft_sidecar_responses_total",
               Dir(d) + ",code=\"" + std::to_string(c + 1) + "xx\"", s.dir[d].responses[c]);
  w.Family("weft_sidecar_errors_total", "counter",
           "Failed requests and connections, by kind (proxy errors, limits, timeouts)");
  for (size_t d = 0; d < kDirections; ++d)
    for (size_t k = 1; k < kErrorKinds; ++k)
      w.Sample("weft_sidecar_errors_total",
               Dir(d) + ",kind=\"" + ErrorKindName(static_cast<ErrorKind>(k)) + "\"",
               s.dir[d].errors[k]);
  per_dir("weft_sidecar_connections_accepted_total", "counter", "Client connections accepted",
          &PD::connections_accepted);
  per_dir("weft_sidecar_connections_open", "gauge", "Client connections open",
          &PD::connections_open);
  per_dir("weft_sidecar_upstream_connections_open", "gauge",
          "Connections to upstreams open (in use or pooled)", &PD::upstream_open);
  per_dir("weft_sidecar_upstream_connections_total", "counter", "Connections to upstreams opened",
          &PD::upstream_new);
  per_dir("weft_sidecar_upstream_reused_total", "counter",
          "Requests sent on a kept-alive pooled upstream connection", &PD::upstream_reused);
  per_dir("weft_sidecar_upstream_retries_total", "counter",
          "Body-less requests retried on a fresh connection after a pooled one turned out closed",
          &PD::upstream_retries);
  per_dir("weft_sidecar_tunnels_total", "counter",
          "Byte tunnels opened (ingress: Upgrade/WebSocket; egress: CONNECT)", &PD::tunnels);
  w.Family("weft_sidecar_bytes_total", "counter",
           "Bytes read and written, by peer (downstream = the requester, upstream = the callee)");
  for (size_t d = 0; d < kDirections; ++d) {
    const PD& p = s.dir[d];
    w.Sample("weft_sidecar_bytes_total", Dir(d) + ",peer=\"downstream\",flow=\"in\"",
             p.downstream_bytes_in);
    w.Sample("weft_sidecar_bytes_total", Dir(d) + ",peer=\"downstream\",flow=\"out\"",
             p.downstream_bytes_out);
    w.Sample("weft_sidecar_bytes_total", Dir(d) + ",peer=\"upstream\",flow=\"in\"",
             p.upstream_bytes_in);
    w.Sample("weft_sidecar_bytes_total", Dir(d) + ",peer=\"upstream\",flow=\"out\"",
             p.upstream_bytes_out);
  }
  w.Family("weft_sidecar_malformed_trace_headers_total", "counter",
           "Requests whose trace-context header could not be read (a new trace was started)");
  for (size_t f = 0; f < kTraceFormats; ++f)
    w.Sample("weft_sidecar_malformed_trace_headers_total",
             std::string("format=\"") + TraceFormatName(static_cast<TraceFormat>(f)) + "\"",
             s.malformed[f]);
  w.Family("weft_sidecar_spans_started_total", "counter", "Sampled (recording) spans started");
  w.Sample("weft_sidecar_spans_started_total", "", s.spans_started);
  w.Family("weft_sidecar_spans_unsampled_total", "counter",
           "Requests traced with an unsampled decision (context propagated, nothing recorded)");
  w.Sample("weft_sidecar_spans_unsampled_total", "", s.spans_unsampled);
  w.Family("weft_sidecar_spans_ended_total", "counter", "Spans handed to the export queue");
  w.Sample("weft_sidecar_spans_ended_total", "", s.processor.ended);
  w.Family("weft_sidecar_spans_exported_total", "counter",
           "Spans the exporter reported delivered");
  w.Sample("weft_sidecar_spans_exported_total", "", s.processor.exported);
  w.Family("weft_sidecar_spans_dropped_total", "counter",
           "Spans dropped because the export queue was full (traffic is never held up)");
  w.Sample("weft_sidecar_spans_dropped_total", "", s.processor.dropped);
  w.Family("weft_sidecar_spans_failed_total", "counter",
           "Spans the exporter gave up on (after its retries)");
  w.Sample("weft_sidecar_spans_failed_total", "", s.processor.failed);
  w.Family("weft_sidecar_draining", "gauge", "1 while draining after SIGTERM/SIGINT");
  w.Sample("weft_sidecar_draining", "", s.draining ? 1 : 0);
  return std::move(w.out);
}

}  // namespace weft::sidecar
