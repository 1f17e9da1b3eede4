#include "sidecar/trace_context.h"

#include "weft/baggage.h"

namespace weft::sidecar {
namespace {

using namespace trace_field;

bool SameIds(const SpanContext& a, const SpanContext& b) {
  return a.trace_id == b.trace_id && a.span_id == b.span_id;
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::vector<std::string_view> HeadCarrier::Keys() const {
  std::vector<std::string_view> keys;
  keys.reserve(head_.fields.size());
  for (const Field& f : head_.fields) keys.push_back(f.name);
  return keys;
}

HeaderOverrides::Entry& HeaderOverrides::Slot(std::string_view key) {
  for (size_t i = 0; i < n_; ++i)
    if (IEquals(entries_[i].name, key)) return entries_[i];
  if (n_ == entries_.size()) entries_.emplace_back();
  Entry& e = entries_[n_++];
  e.name.assign(key);
  return e;
}

std::string_view HeaderOverrides::Get(std::string_view key) const {
  const Entry* e = Find(key);
  return e && !e->remove ? std::string_view(e->value) : std::string_view();
}

void HeaderOverrides::Set(std::string_view key, std::string_view value) {
  Entry& e = Slot(key);
  e.value.assign(value);
  e.remove = false;
}

void HeaderOverrides::Remove(std::string_view key) {
  Entry& e = Slot(key);
  e.value.clear();
  e.remove = true;
}

std::vector<std::string_view> HeaderOverrides::Keys() const {
  std::vector<std::string_view> keys;
  for (size_t i = 0; i < n_; ++i)
    if (!entries_[i].remove) keys.push_back(entries_[i].name);
  return keys;
}

const HeaderOverrides::Entry* HeaderOverrides::Find(std::string_view name) const {
  for (size_t i = 0; i < n_; ++i)
    if (IEquals(entries_[i].name, name)) return &entries_[i];
  return nullptr;
}

std::unique_ptr<ContextCodec> ContextCodec::Make(std::string_view extract_names,
                                                 std::string* error) {
  auto codec = std::unique_ptr<ContextCodec>(new ContextCodec);
  codec->w3c_ = W3CTraceContextPropagator();
  codec->baggage_ = W3CBaggagePropagator();
  codec->b3_single_ = B3Propagator(B3Encoding::kSingle);
  codec->b3_multi_ = B3Propagator(B3Encoding::kMulti);
  codec->jaeger_ = JaegerPropagator();
  bool any = false;
  for (std::string_view rest = extract_names;;) {
    const size_t comma = rest.find(',');
    std::string name(TrimOws(rest.substr(0, comma)));
    for (char& c : name) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    if (!name.empty()) {
      any = true;
      Member m;
      if (name == "tracecontext") {
        m = {codec->w3c_, kTraceparent | kTracestate, kTraceparent, TraceFormat::kTraceContext,
             true};
      } else if (name == "baggage") {
        m = {codec->baggage_, kBaggage, 0, TraceFormat::kBaggage, false};
      } else if (name == "b3" || name == "b3multi") {
        // Extraction reads both B3 encodings whichever is named.
        m = {codec->b3_single_, kB3 | kB3Multi, kB3 | kB3Multi, TraceFormat::kB3, true};
      } else if (name == "jaeger") {
        m = {codec->jaeger_, kUberTraceId | kJaegerDebugId | kUberCtx, kUberTraceId,
             TraceFormat::kJaeger, true};
      } else if (name == "rpcid" || name == "rpcid-percall") {
        auto p = RpcIdPropagator(name == "rpcid" ? RpcIdScheme::kPerRequest : RpcIdScheme::kPerCall);
        if (!codec->rpcid_) codec->rpcid_ = p;
        m = {p, kRpcId | kTraceIdHeader, kRpcId | kTraceIdHeader, TraceFormat::kRpcId, true};
      } else if (name == "debug") {
        m = {DebugHeaderPropagator(), kWeftDebug, 0, TraceFormat::kTraceContext, false};
      } else if (name == "none") {
        m.propagator = nullptr;
      } else {
        *error = "unknown propagator '" + name +
                 "' (known: tracecontext, baggage, b3, b3multi, jaeger, rpcid, rpcid-percall, "
                 "debug, none)";
        return nullptr;
      }
      bool dup = false;
      for (const Member& have : codec->members_) dup = dup || have.fields == m.fields;
      if (m.propagator && !dup) {
        codec->all_fields_ |= m.fields;
        codec->members_.push_back(std::move(m));
      }
    }
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  if (!any) {
    *error = "empty propagator list";
    return nullptr;
  }
  if (!codec->rpcid_) codec->rpcid_ = RpcIdPropagator(RpcIdScheme::kPerRequest);
  return codec;
}

Context ContextCodec::Extract(const MessageHead& head, uint32_t* malformed_mask) const {
  *malformed_mask = 0;
  const uint32_t present = head.trace_fields & all_fields_;
  if (present == 0) return Context();
  const HeadCarrier carrier(head);
  Context acc;
  bool found = false, debug = false;
  for (const Member& m : members_) {
    if (!(present & m.fields)) continue;
    Context next = m.propagator->Extract(carrier, acc);
    debug |= next.span().debug();
    const bool has_ids = next.span().valid() && !SameIds(next.span(), acc.span());
    if (m.span_format && (present & m.primary)) {
      // Present but unreadable? Before a context was found, "no new ids" says so; after,
      // the format is read again on its own (rare: a request with two formats).
      bool ok = has_ids;
      if (found) ok = m.propagator->Extract(carrier, Context()).span().valid();
      if (!ok && m.format == TraceFormat::kB3 && !(present & kB3Multi)) {
        const std::string_view v = TrimOws(head.Get("b3"));
        ok = v.size() == 1;  // "b3: 0", "1" or "d": a sampling decision without ids
      }
      if (!ok && m.format == TraceFormat::kRpcId) {
        // An RpcId alone (no x-trace-id) carries no span context; it is fine if it was read.
        ok = !(present & kTraceIdHeader) && next.rpc_state() != nullptr;
        if (found && (present & kTraceIdHeader)) ok = true;  // ignored, not malformed (SDK)
      }
      if (!ok) *malformed_mask |= 1u << static_cast<unsigned>(m.format);
    }
    if (!found) {
      found = has_ids;
    } else if (!SameIds(next.span(), acc.span())) {
      next = next.WithSpan(acc.span());
    }
    acc = std::move(next);
  }
  if (debug && !acc.span().debug()) {
    SpanContext sc = acc.span();
    sc.flags |= kTraceFlagDebug | kTraceFlagSampled;
    acc = acc.WithSpan(std::move(sc));
  }
  return acc;
}

void ContextCodec::Inject(const Context& ctx, uint32_t incoming, HeaderOverrides* out) const {
  w3c_->Inject(ctx, *out);
  if (ctx.baggage()) baggage_->Inject(ctx, *out);
  if (incoming & kB3) b3_single_->Inject(ctx, *out);
  if (incoming & kB3Multi) {
    for (std::string_view h :
         {"x-b3-traceid", "x-b3-spanid", "x-b3-parentspanid", "x-b3-sampled", "x-b3-flags"})
      out->Remove(h);
    b3_multi_->Inject(ctx, *out);
  }
  if (incoming & kUberTraceId) jaeger_->Inject(ctx, *out);
  if (incoming & (kRpcId | kTraceIdHeader)) rpcid_->Inject(ctx, *out);
}

}  // namespace weft::sidecar
