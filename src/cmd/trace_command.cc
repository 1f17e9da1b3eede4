// `weft trace ID`: fetches a trace from a running weft (native API) and prints it as a
// tree: offset from the trace's start, duration, service, name, kind, and errors.
#include <rapidjson/document.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "cmd/commands.h"
#include "server/http_client.h"
#include "server/serve_options.h"

namespace weft::cmd {

using namespace weft::model;

namespace {

struct TraceOptions {
  std::string trace_id;
  std::string query_addr = "127.0.0.1:16686";
  std::string ports_file;
  bool json = false;
};

struct Node {
  std::string span_id, parent, service, name, kind, status, message;
  uint64_t start = 0, end = 0;
  std::vector<size_t> children;
};

uint64_t to_u64(const rapidjson::Value& v) {
  if (v.IsString()) return std::strtoull(v.GetString(), nullptr, 10);
  if (v.IsUint64()) return v.GetUint64();
  return 0;
}

std::string str(const rapidjson::Value& obj, const char* key) {
  auto it = obj.FindMember(key);
  return it != obj.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

std::string format_duration(uint64_t ns) {
  char buf[32];
  if (ns >= 1'000'000'000)
    std::snprintf(buf, sizeof buf, "%.2fs", ns / 1e9);
  else if (ns >= 1'000'000)
    std::snprintf(buf, sizeof buf, "%.2fms", ns / 1e6);
  else
    std::snprintf(buf, sizeof buf, "%.1fµs", ns / 1e3);
  return buf;
}

void print_tree(const std::vector<Node>& nodes, size_t i, uint64_t t0, const std::string& prefix,
                bool last, bool top) {
  const Node& n = nodes[i];
  std::string line = top ? "" : prefix + (last ? "└─ " : "├─ ");
  line += n.service + "  " + n.name + "  [" + n.kind + "]  +" + format_duration(n.start - t0) +
          "  " + format_duration(n.end > n.start ? n.end - n.start : 0);
  if (n.status == "error") line += "  ERROR" + (n.message.empty() ? "" : ": " + n.message);
  std::printf("%s\n", line.c_str());
  std::string child_prefix = top ? "" : prefix + (last ? "   " : "│  ");
  for (size_t k = 0; k < n.children.size(); ++k)
    print_tree(nodes, n.children[k], t0, child_prefix, k + 1 == n.children.size(), false);
}

int run_trace(const TraceOptions& o) {
  std::string addr = o.query_addr;
  if (!o.ports_file.empty()) {
    std::ifstream in(o.ports_file);
    std::stringstream ss;
    ss << in.rdbuf();
    rapidjson::Document d;
    d.Parse(ss.str().c_str());
    if (d.HasParseError() || !d.IsObject() || !d.HasMember("query")) {
      std::fprintf(stderr, "weft trace: %s is not a ports file\n", o.ports_file.c_str());
      return 2;
    }
    addr = d["query"].GetString();
  }
  auto hp = server::parse_host_port(addr, "127.0.0.1", 16686);
  if (!hp.is_ok()) {
    std::fprintf(stderr, "weft trace: %s\n", hp.status().message().c_str());
    return 2;
  }
  server::HttpConnection conn;
  if (Status s = conn.connect(hp->host, hp->port); !s.is_ok()) {
    std::fprintf(stderr, "weft trace: cannot reach weft at %s: %s\n", addr.c_str(),
                 s.message().c_str());
    return 1;
  }
  auto res = conn.request("GET", "/api/v1/traces/" + o.trace_id, {}, "");
  if (!res.is_ok()) {
    std::fprintf(stderr, "weft trace: %s\n", res.status().message().c_str());
    return 1;
  }
  if (res->status != 200) {
    std::fprintf(stderr, "weft trace: %d %s\n", res->status, res->body.c_str());
    return res->status == 404 ? 3 : 1;
  }
  if (o.json) {
    std::printf("%s\n", res->body.c_str());
    return 0;
  }
  rapidjson::Document doc;
  doc.Parse(res->body.c_str());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("spans")) {
    std::fprintf(stderr, "weft trace: unexpected answer from %s\n", addr.c_str());
    return 1;
  }
  std::vector<Node> nodes;
  std::map<std::string, size_t> by_id;
  std::map<std::string, size_t> services;
  for (const auto& s : doc["spans"].GetArray()) {
    Node n;
    n.span_id = str(s, "spanId");
    n.parent = str(s, "parentSpanId");
    n.service = str(s, "service");
    n.name = str(s, "name");
    n.kind = str(s, "kind");
    n.start = to_u64(s["startTimeUnixNano"]);
    n.end = to_u64(s["endTimeUnixNano"]);
    if (s.HasMember("status") && s["status"].IsObject()) {
      n.status = str(s["status"], "code");
      n.message = str(s["status"], "message");
    }
    ++services[n.service];
    by_id[n.span_id] = nodes.size();
    nodes.push_back(std::move(n));
  }
  std::vector<size_t> roots;
  for (size_t i = 0; i < nodes.size(); ++i) {
    auto it = nodes[i].parent.empty() ? by_id.end() : by_id.find(nodes[i].parent);
    if (it == by_id.end() || it->second == i)
      roots.push_back(i);
    else
      nodes[it->second].children.push_back(i);
  }
  auto by_start = [&](size_t a, size_t b) { return nodes[a].start < nodes[b].start; };
  for (auto& n : nodes) std::sort(n.children.begin(), n.children.end(), by_start);
  std::sort(roots.begin(), roots.end(), by_start);
  uint64_t t0 = UINT64_MAX, t1 = 0;
  for (const auto& n : nodes) {
    t0 = std::min(t0, n.start);
    t1 = std::max(t1, n.end);
  }
  std::printf("trace %s  %zu spans  %zu services  %s\n", o.trace_id.c_str(), nodes.size(),
              services.size(), format_duration(t1 > t0 ? t1 - t0 : 0).c_str());
  for (size_t r : roots) {
    if (!nodes[r].parent.empty())
      std::printf("(parent %s not in trace)\n", nodes[r].parent.c_str());
    print_tree(nodes, r, t0, "", true, true);
  }
  return 0;
}

}  // namespace

void register_trace_command(CLI::App& app) {
  auto opts = std::make_shared<TraceOptions>();
  CLI::App* cmd = app.add_subcommand("trace", "Print a trace of a running weft as a tree");
  cmd->add_option("id", opts->trace_id, "Trace ID (32 hex digits; shorter IDs are left-padded)")
      ->required();
  cmd->add_option("--query-addr", opts->query_addr, "Address of weft's query API")
      ->envname("WEFT_QUERY_ADDR")
      ->capture_default_str();
  cmd->add_option("--ports-file", opts->ports_file, "Read the query address from this ports file");
  cmd->add_flag("--json", opts->json, "Print the native JSON instead of a tree");
  cmd->callback([opts] { exit_code = run_trace(*opts); });
}

}  // namespace weft::cmd
