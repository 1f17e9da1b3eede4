#include "sidecar/http_head.h"

#include <array>
#include <cstring>

namespace weft::sidecar {
namespace {

inline char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// RFC 9110 tchar.
bool IsTchar(unsigned char c) {
  static constexpr auto kTable = [] {
    std::array<bool, 256> t{};
    for (int c = '0'; c <= '9'; ++c) t[c] = true;
    for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
    for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
    for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
    return t;
  }();
  return kTable[c];
}

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!IsTchar(static_cast<unsigned char>(c))) return false;
  return true;
}

// Field-value characters: VCHAR, obs-text, SP, HTAB.
bool ValidValue(std::string_view v) {
  for (char ch : v) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 ? c != '\t' : c == 0x7f) return false;
  }
  return true;
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls f(token) for each comma-separated, OWS-trimmed, non-empty element of a list value.
template <typename F>
void ForEachToken(std::string_view v, F&& f) {
  while (!v.empty()) {
    const size_t comma = v.find(',');
    const std::string_view item = TrimOws(v.substr(0, comma));
    if (!item.empty()) f(item);
    if (comma == std::string_view::npos) break;
    v.remove_prefix(comma + 1);
  }
}

struct Known {
  std::string_view name;
  FieldId id;
};
constexpr Known kKnown[] = {
    {"host", FieldId::kHost},
    {"user-agent", FieldId::kUserAgent},
    {"connection", FieldId::kConnection},
    {"content-length", FieldId::kContentLength},
    {"transfer-encoding", FieldId::kTransferEncoding},
    {"traceparent", FieldId::kTraceparent},
    {"tracestate", FieldId::kTracestate},
    {"baggage", FieldId::kBaggage},
    {"keep-alive", FieldId::kKeepAlive},
    {"proxy-connection", FieldId::kProxyConnection},
    {"proxy-authorization", FieldId::kProxyAuthorization},
    {"te", FieldId::kTe},
    {"trailer", FieldId::kTrailer},
    {"upgrade", FieldId::kUpgrade},
    {"expect", FieldId::kExpect},
    {"x-forwarded-for", FieldId::kXForwardedFor},
    {"b3", FieldId::kB3},
    {"x-b3-traceid", FieldId::kB3Multi},
    {"x-b3-spanid", FieldId::kB3Multi},
    {"x-b3-parentspanid", FieldId::kB3Multi},
    {"x-b3-sampled", FieldId::kB3Multi},
    {"x-b3-flags", FieldId::kB3Multi},
    {"uber-trace-id", FieldId::kUberTraceId},
    {"jaeger-debug-id", FieldId::kJaegerDebugId},
    {"x-rpc-id", FieldId::kRpcId},
    {"x-trace-id", FieldId::kTraceIdHeader},
    {"x-weft-debug", FieldId::kWeftDebug},
};

uint32_t TraceBit(FieldId id) {
  switch (id) {
    case FieldId::kTraceparent: return trace_field::kTraceparent;
    case FieldId::kTracestate: return trace_field::kTracestate;
    case FieldId::kBaggage: return trace_field::kBaggage;
    case FieldId::kB3: return trace_field::kB3;
    case FieldId::kB3Multi: return trace_field::kB3Multi;
    case FieldId::kUberTraceId: return trace_field::kUberTraceId;
    case FieldId::kJaegerDebugId: return trace_field::kJaegerDebugId;
    case FieldId::kUberCtx: return trace_field::kUberCtx;
    case FieldId::kRpcId: return trace_field::kRpcId;
    case FieldId::kTraceIdHeader: return trace_field::kTraceIdHeader;
    case FieldId::kWeftDebug: return trace_field::kWeftDebug;
    default: return 0;
  }
}

// Parses a Content-Length value: one or more equal decimal numbers separated by commas.
bool ParseContentLength(std::string_view v, int64_t* out) {
  int64_t seen = -1;
  bool ok = true, any = false;
  ForEachToken(v, [&](std::string_view item) {
    if (item.size() > 18) {
      ok = false;
      return;
    }
    int64_t n = 0;
    for (char c : item) {
      if (c < '0' || c > '9') {
        ok = false;
        return;
      }
      n = n * 10 + (c - '0');
    }
    if (seen >= 0 && seen != n) ok = false;
    seen = n;
    any = true;
  });
  if (!ok || !any) return false;
  *out = seen;
  return true;
}

// "HTTP/1.1" -> 1, "HTTP/1.0" -> 0; -2 for another well-formed version, -1 for garbage.
int ParseVersion(std::string_view v) {
  if (v.size() != 8 || v.substr(0, 5) != "HTTP/" || v[6] != '.' || v[5] < '0' || v[5] > '9' ||
      v[7] < '0' || v[7] > '9')
    return -1;
  if (v[5] == '1' && (v[7] == '0' || v[7] == '1')) return v[7] - '0';
  return -2;
}

// The line starting at p (not including its line ending), and where the next one starts.
// False if the line holds a CR anywhere but at its end.
bool NextLine(const char* p, const char* end, std::string_view* line, const char** next) {
  const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
  if (!nl) nl = end;
  const char* stop = nl;
  if (stop > p && stop[-1] == '\r') --stop;
  *line = std::string_view(p, static_cast<size_t>(stop - p));
  *next = nl < end ? nl + 1 : end;
  return line->find('\r') == std::string_view::npos;
}

}  // namespace

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (Lower(a[i]) != Lower(b[i])) return false;
  return true;
}

FieldId ClassifyField(std::string_view name) {
  for (const Known& k : kKnown)
    if (k.name.size() == name.size() && IEquals(k.name, name)) return k.id;
  if (name.size() > 8 && IEquals(name.substr(0, 8), "uberctx-")) return FieldId::kUberCtx;
  return FieldId::kOther;
}

std::string_view MessageHead::Get(std::string_view name) const {
  for (const Field& f : fields)
    if (IEquals(f.name, name)) return f.value;
  return {};
}

bool MessageHead::NamedByConnection(const Field& f) const {
  if (!conn_other_tokens) return false;
  bool named = false;
  for (const Field& c : fields) {
    if (c.id != FieldId::kConnection) continue;
    ForEachToken(c.value, [&](std::string_view t) {
      // close / keep-alive / upgrade are handled on their own (Upgrade is kept for a switch).
      if (IEquals(t, "close") || IEquals(t, "keep-alive") || IEquals(t, "upgrade")) return;
      named = named || IEquals(t, f.name);
    });
  }
  return named;
}

void MessageHead::Clear() {
  method = target = reason = {};
  status = 0;
  version_minor = 1;
  fields.clear();
  head_bytes = 0;
  content_length = -1;
  chunked = other_coding = length_and_coding = false;
  conn_close = conn_keep_alive = conn_upgrade = conn_other_tokens = has_upgrade = false;
  expect_continue = false;
  trace_fields = 0;
  host = user_agent = x_forwarded_for = {};
}

bool HeadParser::FindEnd(const char* data, size_t len, size_t start, size_t* end) {
  size_t i = scanned_ > start ? scanned_ : start;
  while (i < len) {
    const void* nl = std::memchr(data + i, '\n', len - i);
    if (!nl) break;
    const size_t k = static_cast<size_t>(static_cast<const char*>(nl) - data);
    if ((k >= start + 1 && data[k - 1] == '\n') ||
        (k >= start + 2 && data[k - 1] == '\r' && data[k - 2] == '\n')) {
      *end = k + 1;
      return true;
    }
    i = k + 1;
  }
  scanned_ = len;
  return false;
}

ParseStatus HeadParser::ParseRequest(const char* data, size_t len, size_t max_bytes,
                                     MessageHead* out) {
  // RFC 9112 2.2: ignore empty lines before the request line.
  size_t start = 0;
  while (start < len && (data[start] == '\r' || data[start] == '\n')) {
    if (data[start] == '\r' && (start + 1 >= len || data[start + 1] != '\n')) {
      if (start + 1 >= len) return ParseStatus::kIncomplete;
      return Fail("stray CR before the request line");
    }
    start += data[start] == '\r' ? 2 : 1;
  }
  size_t end;
  if (!FindEnd(data, len, start, &end))
    return len >= max_bytes ? ParseStatus::kTooLarge : ParseStatus::kIncomplete;
  if (end > max_bytes) return ParseStatus::kTooLarge;
  out->Clear();
  out->head_bytes = end;
  const char* p = data + start;
  const char* stop = data + end;
  std::string_view line;
  const char* next;
  if (!NextLine(p, stop, &line, &next)) return Fail("CR inside the request line");
  // method SP target SP version
  const size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return Fail("malformed request line");
  const size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return Fail("malformed request line");
  out->method = line.substr(0, sp1);
  out->target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!IsToken(out->method)) return Fail("malformed method");
  if (out->target.empty()) return Fail("empty request target");
  for (char ch : out->target) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == 0x7f) return Fail("malformed request target");
  }
  const int v = ParseVersion(version);
  if (v == -2) return ParseStatus::kBadVersion;
  if (v < 0) return Fail("malformed HTTP version");
  out->version_minor = v;
  ParseStatus s = ParseFields(next, stop, out, /*request=*/true);
  if (s != ParseStatus::kOk) return s;
  if (out->chunked || out->other_coding) {
    if (out->content_length >= 0) return Fail("both Transfer-Encoding and Content-Length");
    if (out->version_minor == 0) return Fail("Transfer-Encoding in an HTTP/1.0 request");
    if (!out->chunked) return Fail("Transfer-Encoding does not end in chunked");
  }
  return ParseStatus::kOk;
}

ParseStatus HeadParser::ParseResponse(const char* data, size_t len, size_t max_bytes,
                                      MessageHead* out) {
  size_t end;
  if (!FindEnd(data, len, 0, &end))
    return len >= max_bytes ? ParseStatus::kTooLarge : ParseStatus::kIncomplete;
  if (end > max_bytes) return ParseStatus::kTooLarge;
  out->Clear();
  out->head_bytes = end;
  std::string_view line;
  const char* next;
  if (!NextLine(data, data + end, &line, &next)) return Fail("CR inside the status line");
  // HTTP/1.x SP 3DIGIT [SP reason]
  if (line.size() < 12 || line[8] != ' ') return Fail("malformed status line");
  const int v = ParseVersion(line.substr(0, 8));
  if (v == -2) return ParseStatus::kBadVersion;
  if (v < 0) return Fail("malformed status line");
  out->version_minor = v;
  int status = 0;
  for (size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') return Fail("malformed status code");
    status = status * 10 + (line[i] - '0');
  }
  if (status < 100) return Fail("malformed status code");
  out->status = status;
  if (line.size() > 12) {
    if (line[12] != ' ') return Fail("malformed status line");
    out->reason = line.substr(13);
    if (!ValidValue(out->reason)) return Fail("malformed reason phrase");
  }
  ParseStatus s = ParseFields(next, data + end, out, /*request=*/false);
  if (s != ParseStatus::kOk) return s;
  if ((out->chunked || out->other_coding) && out->content_length >= 0) {
    out->content_length = -1;
    out->length_and_coding = true;
  }
  return ParseStatus::kOk;
}

ParseStatus HeadParser::ParseFields(const char* p, const char* end, MessageHead* out,
                                    bool request) {
  // Transfer codings across every Transfer-Encoding field, in order.
  int codings = 0, chunked_count = 0;
  bool last_chunked = false;
  for (;;) {
    std::string_view line;
    const char* next;
    if (!NextLine(p, end, &line, &next)) return Fail("CR inside a header field");
    p = next;
    if (line.empty()) break;  // the blank line ending the head
    if (line.front() == ' ' || line.front() == '\t') return Fail("obsolete line folding");
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return Fail("header field without a colon");
    Field f;
    f.name = line.substr(0, colon);
    if (!IsToken(f.name)) return Fail("malformed header field name");
    f.value = TrimOws(line.substr(colon + 1));
    if (!ValidValue(f.value)) return Fail("control character in a header field value");
    if (out->fields.size() >= kMaxFields) return ParseStatus::kTooLarge;
    f.id = ClassifyField(f.name);
    switch (f.id) {
      case FieldId::kContentLength: {
        int64_t n;
        if (!ParseContentLength(f.value, &n)) return Fail("malformed Content-Length");
        if (out->content_length >= 0 && out->content_length != n)
          return Fail("conflicting Content-Length values");
        out->content_length = n;
        break;
      }
      case FieldId::kTransferEncoding:
        ForEachToken(f.value, [&](std::string_view t) {
          const std::string_view coding = TrimOws(t.substr(0, t.find(';')));
          ++codings;
          last_chunked = IEquals(coding, "chunked");
          chunked_count += last_chunked;
        });
        break;
      case FieldId::kConnection:
        ForEachToken(f.value, [&](std::string_view t) {
          if (IEquals(t, "close"))
            out->conn_close = true;
          else if (IEquals(t, "keep-alive"))
            out->conn_keep_alive = true;
          else if (IEquals(t, "upgrade"))
            out->conn_upgrade = true;
          else
            out->conn_other_tokens = true;
        });
        break;
      case FieldId::kUpgrade:
        out->has_upgrade = true;
        break;
      case FieldId::kHost:
        if (request && !out->host.empty()) return Fail("more than one Host field");
        out->host = f.value;
        break;
      case FieldId::kExpect:
        if (IEquals(f.value, "100-continue")) out->expect_continue = true;
        break;
      case FieldId::kUserAgent:
        out->user_agent = f.value;
        break;
      case FieldId::kXForwardedFor:
        if (out->x_forwarded_for.empty()) out->x_forwarded_for = f.value;
        break;
      default:
        out->trace_fields |= TraceBit(f.id);
        break;
    }
    out->fields.push_back(f);
  }
  if (codings > 0) {
    out->chunked = last_chunked && chunked_count == 1;
    out->other_coding = !out->chunked;
  }
  return ParseStatus::kOk;
}

TargetParts SplitTarget(std::string_view target) {
  TargetParts t;
  std::string_view rest = target;
  if (!target.empty() && target.front() != '/' && target != "*") {
    const size_t scheme_end = target.find("://");
    if (scheme_end == std::string_view::npos) {
      t.path = target;  // authority form
      return t;
    }
    t.scheme = target.substr(0, scheme_end);
    rest = target.substr(scheme_end + 3);
    const size_t path_at = rest.find_first_of("/?#");
    t.authority = rest.substr(0, path_at);
    rest = path_at == std::string_view::npos ? std::string_view() : rest.substr(path_at);
  }
  const size_t hash = rest.find('#');
  if (hash != std::string_view::npos) rest = rest.substr(0, hash);
  const size_t q = rest.find('?');
  t.path = rest.substr(0, q);
  if (q != std::string_view::npos) t.query = rest.substr(q + 1);
  if (t.path.empty()) t.path = "/";
  return t;
}

}  // namespace weft::sidecar
