#include "logline/trace_builder.h"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <limits>
#include <set>

#include "logline/line_ids.h"
#include "logline/rpc_id.h"

namespace weft::logline {

using namespace weft::model;

const char* rpc_id_scheme_name(RpcIdScheme s) {
  return s == RpcIdScheme::kPerCall ? "per-call" : "per-request";
}

bool parse_scheme_mode(std::string_view text, SchemeMode* out) {
  if (text == "detect" || text == "auto") {
    *out = SchemeMode::kDetect;
  } else if (text == "per-request" || text == "per_request") {
    *out = SchemeMode::kPerRequest;
  } else if (text == "per-call" || text == "per_call" || text == "eagleeye") {
    *out = SchemeMode::kPerCall;
  } else {
    return false;
  }
  return true;
}

namespace {

using Rpc = std::vector<uint32_t>;

bool same_service(std::string_view a, std::string_view b) {
  return a.empty() || b.empty() || a == b;
}

bool is_client_role(LineRole r) { return r == LineRole::kClient || r == LineRole::kConnect; }

}  // namespace

SchemeVotes count_scheme_votes(std::span<const LogLine* const> lines) {
  // Sorted arrays of views into the lines' RpcIds (no copy per line): the CLIENT lines by
  // RpcId, and each distinct SERVER RpcId with its first line (its votes come from that
  // line; the order in which requests are counted does not matter).
  using View = std::span<const uint32_t>;
  auto less = [](View a, View b) {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
  };
  auto same = [](View a, View b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); };
  std::vector<std::pair<View, const LogLine*>> clients, servers;
  for (const LogLine* l : lines) {
    if (!l->has_rpc_id()) continue;
    if (is_client_role(l->role)) clients.emplace_back(View(l->rpc), l);
    if (l->role == LineRole::kServer) servers.emplace_back(View(l->rpc), l);
  }
  auto by_rpc = [&](const auto& a, const auto& b) { return less(a.first, b.first); };
  std::stable_sort(clients.begin(), clients.end(), by_rpc);
  std::stable_sort(servers.begin(), servers.end(), by_rpc);
  auto first_client = [&](View r) {
    return std::lower_bound(clients.begin(), clients.end(), r,
                            [&](const auto& c, View v) { return less(c.first, v); });
  };
  SchemeVotes v;
  for (size_t i = 0; i < servers.size(); ++i) {
    if (i > 0 && same(servers[i - 1].first, servers[i].first))
      continue;  // one vote set per request
    const LogLine* s = servers[i].second;
    const View r = servers[i].first;
    if (r.size() == 1 || r.back() != 1) ++v.per_call;
    // The caller's CLIENT line of the same call.
    if (auto it = first_client(r); it != clients.end() && same(it->first, r)) ++v.per_call;
    // CLIENT lines of the same service one level below (per-call) or beside (per-request).
    bool below = false, beside = false;
    for (auto it = first_client(r); it != clients.end(); ++it) {
      const View c = it->first;
      if (c.size() < r.size() || !std::equal(r.begin(), r.end(), c.begin())) break;
      if (c.size() != r.size() + 1) continue;
      below |= same_service(it->second->service, s->service);
    }
    if (r.size() >= 2 && r.back() == 1) {
      const View prefix = r.first(r.size() - 1);
      for (auto it = first_client(prefix); it != clients.end(); ++it) {
        const View c = it->first;
        if (c.size() < prefix.size() || !std::equal(prefix.begin(), prefix.end(), c.begin())) break;
        if (c.size() != r.size() || c.back() < 2) continue;
        beside |= same_service(it->second->service, s->service);
      }
    }
    if (below) ++v.per_call;
    if (beside) ++v.per_request;
  }
  return v;
}

RpcIdScheme choose_scheme(SchemeVotes votes, RpcIdScheme undecided) {
  if (votes.per_call > votes.per_request) return RpcIdScheme::kPerCall;
  if (votes.per_request > votes.per_call) return RpcIdScheme::kPerRequest;
  return undecided;
}

bool EmittedTrace::has_line(uint64_t hash) const {
  return std::binary_search(lines.begin(), lines.end(), hash);
}

void EmittedTrace::add_lines(std::vector<uint64_t> hashes) {
  std::sort(hashes.begin(), hashes.end());
  const size_t old = lines.size();
  lines.insert(lines.end(), hashes.begin(), hashes.end());
  std::inplace_merge(lines.begin(), lines.begin() + static_cast<std::ptrdiff_t>(old), lines.end());
  lines.erase(std::unique(lines.begin(), lines.end()), lines.end());
}

size_t EmittedTrace::approx_bytes() const {
  size_t b = sizeof(*this) + lines.capacity() * sizeof(uint64_t);
  for (const auto& [k, n] : nodes) b += 64 + k.capacity() + n.service.capacity();
  return b;
}

std::shared_ptr<const Resource> ResourceCache::get(const std::string& service,
                                                   const std::string& version) {
  auto key = std::make_pair(service, version);
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second;
  if (cache_.size() >= max_entries_) cache_.clear();
  auto r = std::make_shared<Resource>();
  if (!service.empty()) r->attributes.push_back(KeyValue{"service.name", AnyValue(service)});
  if (!version.empty()) r->attributes.push_back(KeyValue{"service.version", AnyValue(version)});
  std::shared_ptr<const Resource> shared = std::move(r);
  cache_.emplace(std::move(key), shared);
  return shared;
}

std::shared_ptr<const InstrumentationScope> logline_scope() {
  static const auto* scope = new std::shared_ptr<const InstrumentationScope>(
      std::make_shared<InstrumentationScope>(InstrumentationScope{"weft.logline", "", {}, 0, ""}));
  return *scope;
}

namespace {

enum class Cls : uint8_t { kServer, kCall, kConnect, kInternal };

SpanKind kind_of(Cls c) {
  switch (c) {
    case Cls::kServer:
      return SpanKind::kServer;
    case Cls::kCall:
    case Cls::kConnect:
      return SpanKind::kClient;
    case Cls::kInternal:
      return SpanKind::kInternal;
  }
  return SpanKind::kInternal;
}

Cls cls_of(LineRole r) {
  switch (r) {
    case LineRole::kServer:
      return Cls::kServer;
    case LineRole::kClient:
      return Cls::kCall;
    case LineRole::kConnect:
      return Cls::kConnect;
    default:
      return Cls::kInternal;
  }
}

std::string role_key(const LogLine& l) {
  switch (l.role) {
    case LineRole::kServer:
      return "server";
    case LineRole::kClient:
      return "call:" + l.prefix;
    case LineRole::kConnect:
      return "connect:" + l.prefix;
    default:
      return "internal";
  }
}

std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

struct Node {
  Cls cls = Cls::kInternal;
  Rpc rpc;
  std::string rpc_text;
  std::string role;  // role key of RpcId-placed nodes
  SpanId id;
  bool explicit_id = false;
  bool placeholder = false;
  bool remembered = false;             // emitted by an earlier batch: only a parent / event target
  bool late_copy = false;              // a span line whose span an earlier batch emitted
  std::string service;                 // placeholders and remembered nodes
  std::vector<const LogLine*> lines;   // span lines (merged into one span)
  std::vector<const LogLine*> events;  // event lines
  SpanId hint_parent;                  // explicit placeholders: the parent their lines name
  SpanId missing_id;                   // explicit placeholders: the x_span_id they stand for
  Node* parent = nullptr;
  SpanId parent_id;  // a parent that is no node here (an explicit x_parent_span_id)
  std::vector<Node*> children;
  uint64_t start = std::numeric_limits<uint64_t>::max();
  uint64_t end = 0;
  KeyValueList gap_attrs;
  int state = 0;  // cycle check
};

class Builder {
 public:
  // consume: the lines are the caller's to give away (build_trace_consuming): their names,
  // attributes and events are moved into the spans.
  Builder(std::span<const LogLine* const> lines, const BuildOptions& options, EmittedTrace* emitted,
          ResourceCache* resources, bool consume)
      : options_(options), emitted_(emitted), resources_(resources), consume_(consume) {
    // Deterministic order whatever the arrival order: RpcId (numerically), time, line hash.
    lines_.assign(lines.begin(), lines.end());
    std::sort(lines_.begin(), lines_.end(), [](const LogLine* a, const LogLine* b) {
      if (auto c = std::lexicographical_compare_three_way(a->rpc.begin(), a->rpc.end(),
                                                          b->rpc.begin(), b->rpc.end());
          c != 0)
        return c < 0;
      if (a->end_ns != b->end_ns) return a->end_ns < b->end_ns;
      return a->hash < b->hash;
    });
  }

  BuildResult run();

 private:
  // --- lookups: this batch's nodes first, then what earlier batches emitted ---
  // (Callers skip building the key when nothing was emitted before: the common case.)
  Node* remembered(const std::string& key, Cls cls, const Rpc& rpc) {
    auto it = emitted_->nodes.find(key);
    if (it == emitted_->nodes.end()) return nullptr;
    Node& n = nodes_.emplace_back();
    n.cls = cls;
    n.rpc = rpc;
    n.rpc_text = format_rpc_id(rpc);
    n.id = it->second.id;
    n.placeholder = it->second.placeholder;
    n.remembered = true;
    n.service = it->second.service;
    return &n;
  }
  Node* find_server(const Rpc& rpc) {
    if (auto it = servers_.find(rpc); it != servers_.end()) return it->second;
    if (emitted_->nodes.empty()) return nullptr;
    Node* n = remembered("S:" + format_rpc_id(rpc), Cls::kServer, rpc);
    if (n) servers_[rpc] = n;
    return n;
  }
  Node* find_call(const Rpc& rpc) {
    if (auto it = calls_.find(rpc); it != calls_.end()) return it->second;
    if (emitted_->nodes.empty()) return nullptr;
    Node* n = remembered("C:" + format_rpc_id(rpc), Cls::kCall, rpc);
    if (n) calls_[rpc] = n;
    return n;
  }
  Node* find_explicit(const SpanId& id) {
    if (auto it = explicit_.find(id); it != explicit_.end()) return it->second;
    if (emitted_->nodes.empty()) return nullptr;
    Node* n = remembered("X:" + id.to_hex(), Cls::kInternal, {});
    if (n) {
      n->explicit_id = true;
      explicit_[id] = n;
    }
    return n;
  }

  Node* new_placeholder(Cls cls, const Rpc& rpc, std::string role) {
    Node& n = nodes_.emplace_back();
    n.cls = cls;
    n.rpc = rpc;
    n.rpc_text = format_rpc_id(rpc);
    n.role = std::move(role);
    n.placeholder = true;
    n.id = derive_span_id(trace_, n.rpc_text, n.role, "placeholder");
    worklist_.push_back(&n);
    ++placeholders_;
    return &n;
  }
  Node* placeholder_server(const Rpc& rpc) {
    Node* n = new_placeholder(Cls::kServer, rpc, "server");
    servers_[rpc] = n;
    return n;
  }
  Node* placeholder_call(const Rpc& rpc) {
    Node* n = new_placeholder(Cls::kCall, rpc, "call");
    calls_[rpc] = n;
    return n;
  }
  Node* placeholder_explicit(const LogLine& l) {
    if (auto it = explicit_placeholders_.find(l.span_id); it != explicit_placeholders_.end())
      return it->second;
    Node& n = nodes_.emplace_back();
    n.cls = Cls::kInternal;
    n.rpc = l.rpc;
    n.rpc_text = l.rpc_id;
    n.explicit_id = true;
    n.placeholder = true;
    n.hint_parent = l.parent_span_id;
    n.missing_id = l.span_id;
    n.service = l.service;
    n.id = derive_span_id(trace_, l.span_id.to_hex(), "span", "placeholder");
    explicit_placeholders_[l.span_id] = &n;
    worklist_.push_back(&n);
    ++placeholders_;
    return &n;
  }

  // --- the scheme's rules ---
  Node* parent_of_server(const Rpc& r) {
    if (scheme_ == RpcIdScheme::kPerRequest) {
      if (r.size() <= 1) return nullptr;
      const Rpc p = rpc_prefix(r);
      if (Node* c = find_call(p)) return c;
      if (p.size() <= 1) return nullptr;  // an entry service's request (R.1 of R = 0 or 1)
      return placeholder_call(p);
    }
    if (Node* c = find_call(r)) return c;
    if (r.size() <= 1) return nullptr;
    return placeholder_call(r);
  }
  Node* parent_of_call(const Rpc& r) {
    if (r.size() <= 1) return nullptr;
    const Rpc owner =
        scheme_ == RpcIdScheme::kPerRequest ? rpc_child(rpc_prefix(r), 1) : rpc_prefix(r);
    if (Node* s = find_server(owner)) return s;
    return placeholder_server(owner);
  }
  Node* event_target(const Rpc& r, std::string_view service) {
    if (scheme_ == RpcIdScheme::kPerRequest) {
      const Rpc owner = rpc_child(r.size() <= 1 ? r : rpc_prefix(r), 1);
      if (Node* s = find_server(owner)) return s;
      return placeholder_server(owner);
    }
    Node* a = find_server(r);
    Node* b = r.size() >= 2 ? find_server(rpc_prefix(r)) : nullptr;
    if (a && !a->placeholder && service_of(a) == service) return a;
    if (b && !b->placeholder && service_of(b) == service) return b;
    if (a) return a;
    if (b) return b;
    if (r.size() >= 2 && find_call(r)) return placeholder_server(rpc_prefix(r));
    return placeholder_server(r);
  }
  static std::string_view service_of(const Node* n) {
    return n->lines.empty() ? std::string_view(n->service) : std::string_view(n->lines[0]->service);
  }

  Node* by_role(Cls cls, const Rpc& rpc, std::string_view service) {
    switch (cls) {
      case Cls::kServer:
        return parent_of_server(rpc);
      case Cls::kCall:
      case Cls::kConnect:
        return parent_of_call(rpc);
      case Cls::kInternal:
        return event_target(rpc, service);
    }
    return nullptr;
  }

  void resolve(Node* n) {
    if (n->remembered) return;
    const LogLine* l = n->lines.empty() ? nullptr : n->lines[0];
    const std::string_view service =
        l ? std::string_view(l->service) : std::string_view(n->service);
    Node* p = nullptr;
    if (n->explicit_id) {
      const SpanId parent = l ? l->parent_span_id : n->hint_parent;
      const SpanId own = l ? l->span_id : SpanId{};
      if (!parent.is_zero() && parent != own) p = find_explicit(parent);
      if (!p && !n->rpc.empty()) p = by_role(n->cls, n->rpc, service);
      if (!p && !parent.is_zero() && parent != own) n->parent_id = parent;  // may come later
    } else {
      p = by_role(n->cls, n->rpc, service);
    }
    if (p == n) p = nullptr;
    n->parent = p;
  }
  void drain_worklist() {
    for (size_t i = 0; i < worklist_.size(); ++i) resolve(worklist_[i]);
    worklist_.clear();
  }

  void break_cycles();
  void placeholder_times_and_services();
  void mark_gaps();
  void emit(BuildResult* out);
  Span make_span(Node* n);
  void remember();

  // A line's name / attributes / events: moved out when consuming, else copied.
  LogLine* take(const LogLine* l) const { return consume_ ? const_cast<LogLine*>(l) : nullptr; }
  template <typename T>
  T give(const T& field, T* movable) const {
    if (movable) return std::move(*movable);
    return field;
  }

  const BuildOptions& options_;
  EmittedTrace* emitted_;
  ResourceCache* resources_;
  bool consume_ = false;
  std::vector<const LogLine*> lines_;
  TraceId trace_;
  std::string trace_original_;
  RpcIdScheme scheme_ = RpcIdScheme::kPerRequest;
  std::deque<Node> nodes_;
  std::map<Rpc, Node*> servers_;
  std::map<Rpc, Node*> calls_;  // the call (or, without one, a connect) at each RpcId
  std::map<std::pair<Rpc, std::string>, Node*> by_key_;
  std::unordered_map<SpanId, Node*, FixedIdHash> explicit_;
  std::unordered_map<SpanId, Node*, FixedIdHash> explicit_placeholders_;
  std::vector<Node*> worklist_;
  std::vector<std::pair<const LogLine*, Node*>> late_events_;
  uint32_t placeholders_ = 0;
  uint32_t events_ = 0;
  uint32_t merged_ = 0;
  uint32_t duplicates_ = 0;
};

BuildResult Builder::run() {
  BuildResult out;
  // Drop lines already emitted, or present twice (the same bytes parse to the same RpcId
  // and time, so the sort by RpcId, time, hash puts copies of a line next to each other).
  std::vector<const LogLine*> fresh;
  fresh.reserve(lines_.size());
  for (const LogLine* l : lines_) {
    if (emitted_->has_line(l->hash) || (!fresh.empty() && fresh.back()->hash == l->hash)) {
      ++duplicates_;
      continue;
    }
    fresh.push_back(l);
  }
  lines_ = std::move(fresh);
  out.duplicate_lines = duplicates_;
  if (lines_.empty()) {
    out.scheme = emitted_->scheme;
    return out;
  }
  trace_ = lines_[0]->trace_id;
  for (const LogLine* l : lines_)
    if (!l->trace_id_original.empty()) {
      trace_original_ = l->trace_id_original;
      break;
    }

  if (emitted_->has_scheme) {
    scheme_ = emitted_->scheme;
  } else if (options_.scheme == SchemeMode::kPerRequest) {
    scheme_ = RpcIdScheme::kPerRequest;
  } else if (options_.scheme == SchemeMode::kPerCall) {
    scheme_ = RpcIdScheme::kPerCall;
  } else {
    scheme_ = choose_scheme(count_scheme_votes(lines_), options_.undecided);
  }
  out.scheme = scheme_;

  // 1. Span lines -> nodes (lines of one identity merge into one node).
  std::vector<Node*> real;
  for (const LogLine* l : lines_) {
    if (!l->is_span()) continue;
    if (l->has_span_id()) {
      if (auto it = explicit_.find(l->span_id); it != explicit_.end() && !it->second->remembered) {
        it->second->lines.push_back(l);
        ++merged_;
        continue;
      }
      Node& n = nodes_.emplace_back();
      n.cls = cls_of(l->role);
      n.rpc = l->rpc;
      n.rpc_text = l->rpc_id;
      n.explicit_id = true;
      n.lines.push_back(l);
      const std::string key = "X:" + l->span_id.to_hex();
      if (auto m = emitted_->nodes.find(key);
          m != emitted_->nodes.end() && !m->second.placeholder) {
        n.late_copy = true;
        n.id = derive_span_id(trace_, l->span_id.to_hex(), "span", "line:" + hex64(l->hash));
      } else {
        n.id = l->span_id;
        explicit_[l->span_id] = &n;
        // A span line with an RpcId as well is found by RpcId too (unless one is there).
        if (!l->rpc.empty() && n.cls == Cls::kServer && !servers_.contains(l->rpc))
          servers_[l->rpc] = &n;
        if (!l->rpc.empty() && n.cls == Cls::kCall && !calls_.contains(l->rpc)) calls_[l->rpc] = &n;
      }
      real.push_back(&n);
      continue;
    }
    const std::string role = role_key(*l);
    auto key = std::make_pair(l->rpc, role);
    if (auto it = by_key_.find(key); it != by_key_.end()) {
      it->second->lines.push_back(l);
      ++merged_;
      continue;
    }
    Node& n = nodes_.emplace_back();
    n.cls = cls_of(l->role);
    n.rpc = l->rpc;
    n.rpc_text = l->rpc_id;
    n.role = role;
    n.lines.push_back(l);
    if (!emitted_->nodes.empty() && emitted_->nodes.contains("K:" + l->rpc_id + "|" + role)) {
      // An earlier batch emitted this span: this line gets an ID of its own, so that the
      // store (which keeps the first span of an ID) does not drop it.
      n.late_copy = true;
      n.id = derive_span_id(trace_, l->rpc_id, role, "line:" + hex64(l->hash));
    } else {
      n.id = derive_span_id(trace_, l->rpc_id, role);
      by_key_[key] = &n;
      if (n.cls == Cls::kServer) servers_[n.rpc] = &n;
      if (n.cls == Cls::kCall) calls_[n.rpc] = &n;
    }
    real.push_back(&n);
  }
  // A connect stands for the call at its RpcId when no call line is there.
  for (Node* n : real)
    if (n->cls == Cls::kConnect && !n->late_copy && !n->explicit_id && !calls_.contains(n->rpc))
      calls_[n->rpc] = n;

  // 2. Parents of the span nodes (making placeholders on the way).
  for (Node* n : real) resolve(n);
  drain_worklist();

  // 3. Event lines -> the span they belong to.
  for (const LogLine* l : lines_) {
    if (l->is_span()) continue;
    Node* t = nullptr;
    if (l->has_span_id()) t = find_explicit(l->span_id);
    if (!t && l->has_rpc_id()) t = event_target(l->rpc, l->service);
    if (!t) t = placeholder_explicit(*l);
    drain_worklist();
    if (t->remembered)
      late_events_.emplace_back(l, t);
    else
      t->events.push_back(l);
  }

  break_cycles();
  placeholder_times_and_services();
  mark_gaps();
  emit(&out);
  remember();
  out.placeholders = placeholders_;
  out.events = events_;
  out.merged_lines = merged_;
  out.late_event_spans = static_cast<uint32_t>(late_events_.size());
  return out;
}

void Builder::break_cycles() {
  // Explicit span IDs can name each other as parents in a loop: cut the loop at the node
  // whose parent closes it (it becomes a root).
  std::vector<Node*> path;
  for (Node& start : nodes_) {
    if (start.state) continue;
    path.clear();
    Node* cur = &start;
    while (cur && cur->state == 0) {
      cur->state = 1;
      path.push_back(cur);
      cur = cur->parent;
    }
    if (cur && cur->state == 1) path.back()->parent = nullptr;
    for (Node* n : path) n->state = 2;
  }
}

void Builder::placeholder_times_and_services() {
  for (Node& n : nodes_) {
    if (n.remembered) continue;
    for (const LogLine* l : n.lines) {
      n.start = std::min(n.start, l->start_ns);
      n.end = std::max(n.end, l->end_ns);
    }
    for (const LogLine* l : n.events) {
      n.start = std::min(n.start, l->end_ns);
      n.end = std::max(n.end, l->end_ns);
    }
    if (n.parent) n.parent->children.push_back(&n);
  }
  std::vector<Node*> ph;
  for (Node& n : nodes_)
    if (n.placeholder && !n.remembered) ph.push_back(&n);
  // Deeper in the tree first, so a placeholder's placeholder children have their times.
  std::unordered_map<const Node*, size_t> depth;
  auto depth_of = [&](const Node* n) {
    std::vector<const Node*> path;
    size_t d = 0;
    for (const Node* c = n; c; c = c->parent) {
      if (auto it = depth.find(c); it != depth.end()) {
        d = it->second + 1;
        break;
      }
      path.push_back(c);
    }
    for (auto it = path.rbegin(); it != path.rend(); ++it) depth[*it] = d++;
    return depth[n];
  };
  std::vector<std::pair<size_t, Node*>> order;
  for (Node* n : ph) order.emplace_back(depth_of(n), n);
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t i = 0; i < ph.size(); ++i) ph[i] = order[i].second;
  for (Node* n : ph) {
    for (const Node* c : n->children) {
      if (c->start == std::numeric_limits<uint64_t>::max()) continue;
      n->start = std::min(n->start, c->start);
      n->end = std::max(n->end, c->end);
    }
    if (n->start == std::numeric_limits<uint64_t>::max()) n->start = n->end = lines_[0]->end_ns;
  }
  // Services: a SERVER placeholder takes the service of what it holds (its calls and log
  // lines were written by that service); a call placeholder the service of its caller.
  for (Node* n : ph) {
    if (n->cls != Cls::kServer || !n->service.empty()) continue;
    for (const Node* c : n->children)
      if (c->cls != Cls::kServer && !c->lines.empty() && !c->lines[0]->service.empty()) {
        n->service = c->lines[0]->service;
        break;
      }
    if (n->service.empty())
      for (const LogLine* l : n->events)
        if (!l->service.empty()) {
          n->service = l->service;
          break;
        }
  }
  for (Node* n : ph) {
    if (n->cls == Cls::kServer || !n->service.empty() || !n->parent) continue;
    n->service = std::string(service_of(n->parent));
  }
}

void Builder::mark_gaps() {
  // Every number a line's RpcId shows was made (0.3.2.1 shows 0.3 and 0.3.2): per counter
  // (the RpcId prefix it extends), the largest number made.
  // (Prefixes as views into the lines' RpcIds, sorted and merged: no copy per prefix.)
  using Prefix = std::span<const uint32_t>;
  std::vector<std::pair<Prefix, uint32_t>> made;
  for (const LogLine* l : lines_)
    for (size_t i = 1; i < l->rpc.size(); ++i)
      made.emplace_back(Prefix(l->rpc.data(), i), l->rpc[i]);
  auto less = [](const Prefix& a, const Prefix& b) {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
  };
  auto same = [](const Prefix& a, const Prefix& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  };
  std::sort(made.begin(), made.end(),
            [&](const auto& a, const auto& b) { return less(a.first, b.first); });
  std::vector<std::pair<Prefix, uint32_t>> max_k;
  for (const auto& [p, k] : made) {
    if (!max_k.empty() && same(max_k.back().first, p))
      max_k.back().second = std::max(max_k.back().second, k);
    else
      max_k.emplace_back(p, k);
  }
  for (const auto& entry : max_k) {
    const Rpc p(entry.first.begin(), entry.first.end());  // (no structured binding: clang 14
    const uint32_t max = entry.second;                    //  cannot capture one)
    const uint32_t first = scheme_ == RpcIdScheme::kPerRequest ? 2 : 1;
    if (max < first) continue;
    Node* owner = nullptr;
    {
      const Rpc o = scheme_ == RpcIdScheme::kPerRequest ? rpc_child(p, 1) : p;
      auto it = servers_.find(o);
      if (it != servers_.end()) owner = it->second;
    }
    if (!owner || owner->remembered) continue;  // an emitted span cannot be changed
    // The numbers under p that have a span (real or placeholder) in this batch...
    std::set<uint32_t> present;
    for (const std::map<Rpc, Node*>* m : {&servers_, &calls_}) {
      for (auto it = m->lower_bound(rpc_child(p, first)); it != m->end(); ++it) {
        const Rpc& r = it->first;
        if (r.size() <= p.size() || !std::equal(p.begin(), p.end(), r.begin())) break;
        if (r.size() == p.size() + 1 && r.back() <= max) present.insert(r.back());
      }
    }
    // ... or in an earlier batch (looked up one by one, over a bounded range).
    if (!emitted_->nodes.empty()) {
      constexpr uint32_t kMaxLookups = 4096;
      const uint32_t last = max - first >= kMaxLookups ? first + kMaxLookups - 1 : max;
      for (uint32_t k = first; k <= last; ++k) {
        if (present.contains(k)) continue;
        const std::string text = format_rpc_id(p, k);
        if (emitted_->nodes.contains("S:" + text) || emitted_->nodes.contains("C:" + text))
          present.insert(k);
      }
    }
    const uint64_t missing = uint64_t{max} - first + 1 - present.size();
    std::string listed;
    size_t n_listed = 0;
    for (uint32_t k = first; k <= max && n_listed < options_.max_missing_listed; ++k) {
      if (present.contains(k)) continue;
      if (!listed.empty()) listed += ',';
      listed += format_rpc_id(p, k);
      ++n_listed;
    }
    if (missing == 0) continue;
    owner->gap_attrs.push_back(KeyValue{"weft.rpcid.missing", AnyValue(listed)});
    owner->gap_attrs.push_back(
        KeyValue{"weft.rpcid.missing_count", AnyValue(static_cast<int64_t>(missing))});
  }
}

namespace {

void add_if_absent(KeyValueList* list, const KeyValue& kv) {
  for (const KeyValue& e : *list)
    if (e.key == kv.key) return;
  list->push_back(kv);
}

const char* cls_noun(Cls c) {
  switch (c) {
    case Cls::kServer:
      return "request";
    case Cls::kCall:
    case Cls::kConnect:
      return "call";
    case Cls::kInternal:
      return "span";
  }
  return "span";
}

}  // namespace

Span Builder::make_span(Node* n) {
  Span s;
  s.trace_id = trace_;
  s.span_id = n->id;
  if (n->parent)
    s.parent_span_id = n->parent->id;
  else
    s.parent_span_id = n->parent_id;
  s.kind = kind_of(n->cls);
  s.rpc_id = n->rpc_text;
  s.scope = logline_scope();
  s.start_time_unix_nano = n->start;
  s.end_time_unix_nano = n->end;
  std::string service, version;
  if (n->placeholder) {
    s.name = n->explicit_id ? "(missing span " + n->missing_id.to_hex() + ")"
                            : std::string("(missing ") + cls_noun(n->cls) + " " + n->rpc_text + ")";
    s.attributes.push_back(KeyValue{"weft.placeholder", AnyValue(true)});
    if (!trace_original_.empty())
      s.attributes.push_back(KeyValue{"weft.log.trace_id", AnyValue(trace_original_)});
    service = n->service;
  } else {
    const LogLine* primary = n->lines[0];
    LogLine* own = take(primary);
    s.name = give(primary->name, own ? &own->name : nullptr);
    s.attributes = give(primary->attributes, own ? &own->attributes : nullptr);
    s.dropped_attributes_count = primary->dropped_attributes;
    service = primary->service;
    version = primary->version;
    // Merged lines add what the first lacks, within the span's attribute budget (room is
    // kept for weft's own attributes below).
    const size_t budget =
        options_.max_attributes_per_span > 8 ? options_.max_attributes_per_span - 8 : 0;
    for (size_t i = 1; i < n->lines.size(); ++i)
      for (const KeyValue& kv : n->lines[i]->attributes) {
        if (s.attributes.size() < budget)
          add_if_absent(&s.attributes, kv);
        else if (!find_attribute(s.attributes, kv.key))
          ++s.dropped_attributes_count;
      }
    if (n->lines.size() > 1)
      s.attributes.push_back(
          KeyValue{"weft.log.merged_lines", AnyValue(static_cast<int64_t>(n->lines.size() - 1))});
    for (const LogLine* l : n->lines) {
      if (l->error && s.status.code != SpanStatusCode::kError) {
        s.status.code = SpanStatusCode::kError;
        s.status.message = l->message;
      }
      LogLine* mine = take(l);
      for (size_t i = 0; i < l->events.size(); ++i) {
        if (s.events.size() >= options_.max_events_per_span)
          ++s.dropped_events_count;
        else if (mine)
          s.events.push_back(std::move(mine->events[i]));
        else
          s.events.push_back(l->events[i]);
      }
    }
  }
  for (const KeyValue& kv : n->gap_attrs) s.attributes.push_back(kv);
  for (const LogLine* l : n->events) {
    ++events_;
    if (l->error && (s.status.code != SpanStatusCode::kError || s.status.message.empty())) {
      s.status.code = SpanStatusCode::kError;
      if (s.status.message.empty()) s.status.message = l->message;
    }
    if (s.events.size() >= options_.max_events_per_span) {
      ++s.dropped_events_count;
      continue;
    }
    LogLine* mine = take(l);
    SpanEvent e{l->end_ns, give(l->name, mine ? &mine->name : nullptr),
                give(l->attributes, mine ? &mine->attributes : nullptr), l->dropped_attributes};
    if (l->rpc_id != s.rpc_id && !l->rpc_id.empty())
      e.attributes.push_back(KeyValue{"log.rpc_id", AnyValue(l->rpc_id)});
    if (l->service != service && !l->service.empty())
      e.attributes.push_back(KeyValue{"service.name", AnyValue(l->service)});
    if (l->version != version && !l->version.empty())
      e.attributes.push_back(KeyValue{"service.version", AnyValue(l->version)});
    s.events.push_back(std::move(e));
  }
  s.resource = resources_->get(service, version);
  return s;
}

void Builder::emit(BuildResult* out) {
  out->spans.reserve(nodes_.size() + late_events_.size());
  for (Node& n : nodes_) {
    if (n.remembered) continue;
    out->spans.push_back(make_span(&n));
  }
  // Log lines of a span an earlier batch emitted: a span of their own under it (a stored
  // span cannot take events any more).
  for (const auto& [l, target] : late_events_) {
    Span s;
    s.trace_id = trace_;
    s.span_id = derive_span_id(trace_, l->rpc_id.empty() ? l->span_id.to_hex() : l->rpc_id, "event",
                               "event:" + hex64(l->hash));
    s.parent_span_id = target->id;
    s.kind = SpanKind::kInternal;
    s.name = l->name;
    s.rpc_id = l->rpc_id;
    s.scope = logline_scope();
    s.start_time_unix_nano = s.end_time_unix_nano = l->end_ns;
    s.attributes.push_back(KeyValue{"weft.log.late_event", AnyValue(true)});
    if (!trace_original_.empty())
      s.attributes.push_back(KeyValue{"weft.log.trace_id", AnyValue(trace_original_)});
    LogLine* mine = take(l);
    s.events.push_back(SpanEvent{l->end_ns, l->name,
                                 give(l->attributes, mine ? &mine->attributes : nullptr),
                                 l->dropped_attributes});
    if (l->error) {
      s.status.code = SpanStatusCode::kError;
      s.status.message = l->message;
    }
    s.resource = resources_->get(l->service, l->version);
    out->spans.push_back(std::move(s));
  }
}

void Builder::remember() {
  emitted_->has_scheme = true;
  emitted_->scheme = scheme_;
  std::vector<uint64_t> hashes;
  hashes.reserve(lines_.size());
  for (const LogLine* l : lines_) hashes.push_back(l->hash);
  emitted_->add_lines(std::move(hashes));
  auto put = [&](const std::string& key, const Node& n, bool overwrite_placeholder) {
    auto it = emitted_->nodes.find(key);
    if (it != emitted_->nodes.end() &&
        !(overwrite_placeholder && it->second.placeholder && !n.placeholder))
      return;
    emitted_->nodes[key] = EmittedTrace::Node{n.id, n.placeholder, std::string(service_of(&n))};
  };
  for (const auto& [rpc, n] : servers_)
    if (!n->remembered && !n->late_copy) put("S:" + format_rpc_id(rpc), *n, true);
  for (const auto& [rpc, n] : calls_)
    if (!n->remembered && !n->late_copy) put("C:" + format_rpc_id(rpc), *n, true);
  for (const auto& [key, n] : by_key_)
    if (!n->remembered && !n->late_copy)
      put("K:" + format_rpc_id(key.first) + "|" + key.second, *n, false);
  for (const auto& [id, n] : explicit_)
    if (!n->remembered && !n->late_copy) put("X:" + id.to_hex(), *n, false);
}

}  // namespace

BuildResult build_trace(std::span<const LogLine* const> lines, const BuildOptions& options,
                        EmittedTrace* emitted, ResourceCache* resources) {
  Builder b(lines, options, emitted, resources, /*consume=*/false);
  return b.run();
}

BuildResult build_trace_consuming(std::span<LogLine* const> lines, const BuildOptions& options,
                                  EmittedTrace* emitted, ResourceCache* resources) {
  std::span<const LogLine* const> view(const_cast<const LogLine* const*>(lines.data()),
                                       lines.size());
  Builder b(view, options, emitted, resources, /*consume=*/true);
  return b.run();
}

}  // namespace weft::logline
