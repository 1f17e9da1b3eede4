// weft_logline_sdk_writer SCHEME OUT_DIR: writes one trace through the C++ SDK's log-line
// exporter, as two services in one process ("frontend" calls "inventory"), each with its
// own Sdk and its own log file: OUT_DIR/frontend.log and OUT_DIR/inventory.log. SCHEME is
// per-request or per-call (RpcIds on, the rpcid / rpcid-percall propagator) or none (no
// RpcIds: the lines carry x_span_id / x_parent_span_id). Built on the SDK only; the reader
// side is sdk_roundtrip_test.cc (the SDK and the server define clashing types, issue 11).
//
// The trace:
//   frontend  SERVER  checkout       attrs order.id=42, cart.total=99.5, vip=true,
//                                    event "cart loaded" {items=3}
//     frontend CLIENT SELECT orders  db.system=mysql, db.name=shop, server.address/port
//     frontend CLIENT reserve        http POST to inventory (context propagated)
//       inventory SERVER reserve
//         inventory CLIENT GET stock   db.system=redis
//         inventory INTERNAL compute price   RecordException + error status
// OUT_DIR/expected.tsv: "trace\t<32 hex>" then "<name>\t<kind>\t<span id hex>" per span.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

#include "weft/weft.h"

namespace {

std::string Hex(const weft::TraceId& id) {
  char buf[32];
  id.to_hex(buf);
  return std::string(buf, 32);
}
std::string Hex(const weft::SpanId& id) {
  char buf[16];
  id.to_hex(buf);
  return std::string(buf, 16);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: weft_logline_sdk_writer per-request|per-call|none OUT_DIR\n");
    return 2;
  }
  const std::string scheme = argv[1];
  const std::string out = argv[2];
  const bool rpc_ids = scheme != "none";
  auto options = [&](const char* service, const char* file) {
    weft::Options o;
    o.service_name = service;
    o.resource_attributes = {{"service.version", weft::Value(std::string("1.2.3"))}};
    o.exporter = weft::MakeLogLineExporter({.path = out + "/" + file});
    o.simple_processor = true;
    o.flush_on_signal = false;
    o.rpc_ids = rpc_ids;
    o.rpc_scheme =
        scheme == "per-call" ? weft::RpcIdScheme::kPerCall : weft::RpcIdScheme::kPerRequest;
    o.propagators = !rpc_ids               ? "tracecontext"
                    : scheme == "per-call" ? "tracecontext,rpcid-percall"
                                           : "tracecontext,rpcid";
    return o;
  };
  weft::Sdk front = weft::Init(options("frontend", "frontend.log"));
  weft::Sdk back = weft::Init(options("inventory", "inventory.log"));
  const weft::Tracer ft = front.tracer("frontend");
  const weft::Tracer bt = back.tracer("inventory");

  std::ofstream expected(out + "/expected.tsv");
  auto note = [&](const weft::Span& s, const char* name, const char* kind) {
    expected << name << '\t' << kind << '\t' << Hex(s.span_id()) << '\n';
  };
  {
    weft::Span checkout = ft.StartSpan("checkout", weft::SpanKind::kServer);
    expected << "trace\t" << Hex(checkout.trace_id()) << '\n';
    note(checkout, "checkout", "server");
    checkout.SetAttribute("order.id", 42);
    checkout.SetAttribute("cart.total", weft::AttrValue(99.5));
    checkout.SetAttribute("vip", weft::AttrValue(true));
    checkout.AddEvent("cart loaded", {{"items", 3}});
    {
      weft::Span q = ft.StartSpan("SELECT orders", weft::SpanKind::kClient);
      note(q, "SELECT orders", "client");
      q.SetAttribute("db.system", "mysql");
      q.SetAttribute("db.statement", "select * from orders where id = ?");
      q.SetAttribute("db.name", "shop");
      q.SetAttribute("server.address", "10.0.0.7");
      q.SetAttribute("server.port", 3306);
    }
    {
      weft::Span call = ft.StartSpan("reserve", weft::SpanKind::kClient);
      note(call, "reserve", "client");
      call.SetAttribute("http.request.method", "POST");
      call.SetAttribute("url.full", "http://inventory/reserve");
      std::map<std::string, std::string> headers;
      weft::MapCarrier carrier(headers);
      front.propagator().Inject(weft::Context::Current(), carrier);

      // The callee, "in another process".
      weft::ContextScope incoming(back.propagator().Extract(carrier, weft::Context()));
      weft::Span srv = bt.StartSpan("reserve", weft::SpanKind::kServer);
      note(srv, "reserve", "server");
      {
        weft::Span r = bt.StartSpan("GET stock", weft::SpanKind::kClient);
        note(r, "GET stock", "client");
        r.SetAttribute("db.system", "redis");
        r.SetAttribute("server.address", "10.0.0.9");
        r.SetAttribute("server.port", 6379);
      }
      {
        weft::Span w = bt.StartSpan("compute price", weft::SpanKind::kInternal);
        note(w, "compute price", "internal");
        w.RecordException("std::runtime_error", "no price");
        w.SetStatus(weft::StatusCode::kError, "no price");
      }
    }
  }
  expected.close();
  back.Shutdown();
  front.Shutdown();
  return 0;
}
