#include "logline/line_parser.h"

#include <fnmatch.h>
#include <simdjson.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include "logline/line_ids.h"
#include "logline/rpc_id.h"

namespace weft::logline {

using namespace weft::model;

std::string_view reject_reason_name(RejectReason r) {
  switch (r) {
    case RejectReason::kNone:
      return "accepted";
    case RejectReason::kEmptyLine:
      return "empty_line";
    case RejectReason::kTooLong:
      return "too_long";
    case RejectReason::kBinary:
      return "binary";
    case RejectReason::kNotJson:
      return "not_json";
    case RejectReason::kNotObject:
      return "not_object";
    case RejectReason::kFieldTooLarge:
      return "field_too_large";
    case RejectReason::kWrongType:
      return "wrong_type";
    case RejectReason::kMissingTraceId:
      return "missing_trace_id";
    case RejectReason::kMissingRpcId:
      return "missing_rpc_id";
    case RejectReason::kMissingTimestamp:
      return "missing_timestamp";
    case RejectReason::kBadRpcId:
      return "bad_rpc_id";
    case RejectReason::kBadTimestamp:
      return "bad_timestamp";
    case RejectReason::kBadDuration:
      return "bad_duration";
  }
  return "unknown";
}

LineStatus LineStatus::reject(RejectReason reason, std::string message) {
  LineStatus s;
  s.reason = reason;
  s.status = invalid_argument(std::string(reject_reason_name(reason)) + ": " + message);
  return s;
}

const char* line_role_name(LineRole r) {
  switch (r) {
    case LineRole::kServer:
      return "server";
    case LineRole::kClient:
      return "client";
    case LineRole::kConnect:
      return "connect";
    case LineRole::kInternal:
      return "internal";
    case LineRole::kEvent:
      return "event";
  }
  return "event";
}

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// The fields of LOGFORMAT.md's table (and the span-ID fields the SDK writes).
enum Field : uint8_t {
  kName,
  kTraceId,
  kRpcId,
  kSpanId,
  kParentSpanId,
  kTimestamp,
  kDuration,
  kDepartment,
  kService,
  kVersion,
  kModule,
  kAction,
  kParam,
  kServerIp,
  kClientIp,
  kHost,
  kInstanceName,
  kDb,
  kCode,
  kMsg,
  kBacktrace,
  kFile,
  kLine,
  kUid,
  kPid,
  kSource,
  kUserAgent,
  kResponse,
  kResponseLen,
  kDnsDuration,
  kExtra,
  kFieldCount
};

// The field a member name (without its x_) stands for, or kFieldCount. A switch on the
// length first: a few comparisons per member instead of hashing the name.
Field field_of(std::string_view n) {
  switch (n.size()) {
    case 2:
      return n == "db" ? kDb : kFieldCount;
    case 3:
      return n == "uid" ? kUid : n == "msg" ? kMsg : n == "pid" ? kPid : kFieldCount;
    case 4:
      return n == "name"   ? kName
             : n == "host" ? kHost
             : n == "code" ? kCode
             : n == "file" ? kFile
             : n == "line" ? kLine
                           : kFieldCount;
    case 5:
      return n == "param" ? kParam : n == "extra" ? kExtra : kFieldCount;
    case 6:
      return n == "rpc_id"   ? kRpcId
             : n == "module" ? kModule
             : n == "action" ? kAction
             : n == "source" ? kSource
                             : kFieldCount;
    case 7:
      return n == "span_id"   ? kSpanId
             : n == "service" ? kService
             : n == "version" ? kVersion
                              : kFieldCount;
    case 8:
      return n == "trace_id"   ? kTraceId
             : n == "duration" ? kDuration
             : n == "response" ? kResponse
                               : kFieldCount;
    case 9:
      return n == "timestamp"   ? kTimestamp
             : n == "server_ip" ? kServerIp
             : n == "client_ip" ? kClientIp
             : n == "backtrace" ? kBacktrace
                                : kFieldCount;
    case 10:
      return n == "department" ? kDepartment : n == "user_agent" ? kUserAgent : kFieldCount;
    case 12:
      return n == "response_len" ? kResponseLen : n == "dns_duration" ? kDnsDuration : kFieldCount;
    case 13:
      return n == "instance_name" ? kInstanceName : kFieldCount;
    case 14:
      return n == "parent_span_id" ? kParentSpanId : kFieldCount;
    case 15:
      return n == "response_length" ? kResponseLen : kFieldCount;
    default:
      return kFieldCount;
  }
}

struct Slot {
  element value;
  std::string_view key;  // as written
  bool set = false;
  bool prefixed = false;
};

// A value quoted for a message: at most 64 bytes, control and non-ASCII bytes as \xNN.
std::string quote(std::string_view v) {
  std::string s = "\"";
  const size_t n = std::min<size_t>(v.size(), 64);
  for (size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(v[i]);
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
      static constexpr char kHex[] = "0123456789abcdef";
      s += "\\x";
      s += kHex[c >> 4];
      s += kHex[c & 15];
    } else {
      s += static_cast<char>(c);
    }
  }
  if (v.size() > n) s += "...";
  s += '"';
  return s;
}

const char* type_name(element_type t) {
  switch (t) {
    case element_type::ARRAY:
      return "an array";
    case element_type::OBJECT:
      return "an object";
    case element_type::INT64:
    case element_type::UINT64:
      return "an integer";
    case element_type::DOUBLE:
      return "a number";
    case element_type::STRING:
      return "a string";
    case element_type::BOOL:
      return "a boolean";
    case element_type::NULL_VALUE:
      return "null";
  }
  return "a value";
}

std::string double_text(double d) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

// "a.b:80" -> {"a.b", 80}; "[::1]:80" -> {"::1", 80}; anything without a numeric port
// after its last colon (or an unbracketed IPv6 address) -> {text, -1}.
std::pair<std::string_view, int64_t> split_host_port(std::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon + 1 >= text.size() || text.size() - colon > 6)
    return {text, -1};
  int64_t port = 0;
  for (size_t i = colon + 1; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return {text, -1};
    port = port * 10 + (text[i] - '0');
  }
  if (port > 65535) return {text, -1};
  std::string_view host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    return {host.substr(1, host.size() - 2), port};
  if (host.find(':') != std::string_view::npos) return {text, -1};  // bare IPv6
  return {host, port};
}

// The authority ("host:port") of an absolute URL, or "".
std::string_view url_authority(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  std::string_view rest = url.substr(scheme + 3);
  const size_t end = rest.find_first_of("/?#");
  rest = rest.substr(0, end);
  if (const size_t at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
  return rest;
}

// The path of a URL or of a request target ("/v3/user/getinfo"), or "" if `text` is
// neither.
std::string_view url_path(std::string_view text) {
  std::string_view rest;
  if (const size_t scheme = text.find("://"); scheme != std::string_view::npos) {
    rest = text.substr(scheme + 3);
    const size_t slash = rest.find_first_of("/?#");
    if (slash == std::string_view::npos || rest[slash] != '/') return "/";
    rest = rest.substr(slash);
  } else if (!text.empty() && text.front() == '/') {
    rest = text;
  } else {
    return {};
  }
  return rest.substr(0, rest.find_first_of("?#"));
}

// Cuts `s` to at most `n` bytes without splitting a UTF-8 sequence.
void cut_utf8(std::string* s, size_t n) {
  if (s->size() <= n) return;
  size_t end = n;
  while (end > 0 && (static_cast<unsigned char>((*s)[end]) & 0xC0) == 0x80) --end;
  s->resize(end);
}

bool parse_int_text(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool parse_double_text(std::string_view s, double* out) {
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && std::isfinite(*out);
}

// Attributes of one line: keys kept unique (the first value set wins), at most `max`.
// Writes over the entries `list` already holds (a LogLine reused from line to line keeps
// the memory of its keys and string values) and cuts it to what was set in finish().
class Attrs {
 public:
  Attrs(KeyValueList* list, uint32_t* dropped, size_t max)
      : list_(list), dropped_(dropped), max_(max) {}
  bool has(std::string_view key) const {
    const uint64_t sig = signature(key);
    for (size_t i = 0; i < n_; ++i)
      if ((i >= kSigs || sigs_[i] == sig) && (*list_)[i].key == key) return true;
    return false;
  }
  void add(std::string_view key, AnyValue value) {
    if (value.is_empty() || has(key)) return;
    if (KeyValue* kv = next(key)) {
      kv->key.assign(key);
      kv->value = std::move(value);
    }
  }
  void add_string(std::string_view key, std::string_view v) {
    if (v.empty() || has(key)) return;
    if (KeyValue* kv = next(key)) {
      kv->key.assign(key);
      if (std::string* s = std::get_if<std::string>(&kv->value.v))
        s->assign(v);
      else
        kv->value.v.emplace<std::string>(v);
    }
  }
  // The list holds exactly the attributes set.
  void finish() { list_->resize(n_); }

 private:
  // Length and first bytes of a key: most keys differ in them, so has() rarely compares
  // whole keys.
  static uint64_t signature(std::string_view key) {
    uint64_t v = 0;
    std::memcpy(&v, key.data(), std::min<size_t>(key.size(), 7));
    return v ^ (uint64_t{key.size()} << 56);
  }
  KeyValue* next(std::string_view key) {
    if (n_ >= max_) {
      ++*dropped_;
      return nullptr;
    }
    if (n_ < kSigs) sigs_[n_] = signature(key);
    if (n_ == list_->size()) list_->emplace_back();
    return &(*list_)[n_++];
  }
  static constexpr size_t kSigs = 48;
  std::array<uint64_t, kSigs> sigs_;
  KeyValueList* list_;
  uint32_t* dropped_;
  size_t max_;
  size_t n_ = 0;
};

// Empties `l` for the next line, keeping the memory its strings hold.
void reset_line(LogLine* l) {
  l->trace_id = TraceId{};
  l->trace_id_original.clear();
  l->rpc_id.clear();
  l->rpc.clear();
  l->span_id = SpanId{};
  l->parent_span_id = SpanId{};
  l->hash = 0;
  l->type.clear();
  l->prefix.clear();
  l->role = LineRole::kEvent;
  l->error = false;
  l->end_ns = l->start_ns = 0;
  l->service.clear();
  l->version.clear();
  l->name.clear();
  l->message.clear();
  l->dropped_attributes = 0;
  l->events.clear();
  l->bytes = 0;
  // (attributes: written over by Attrs, then cut to size)
}

}  // namespace

struct LineParser::Impl {
  ParserOptions options;
  simdjson::dom::parser parser;
  simdjson::dom::parser extra_parser;  // x_extra given as a JSON string
  std::string buffer;                  // the line, padded for simdjson
  std::string extra_buffer;
  std::array<Slot, kFieldCount> slots;
  std::vector<std::pair<std::string_view, element>> unknown;
  // Field texts of the line being read (members, so their memory is reused).
  std::string trace_text, rpc_text, span_text, parent_text, type_lower, module, action, param,
      server_ip, client_ip, host, instance, db, code, msg, backtrace, file, uid, source_field,
      user_agent, response, department, service, scratch;

  explicit Impl(ParserOptions o)
      : options(std::move(o)),
        parser(std::max<size_t>(options.max_line_bytes, 64)),
        extra_parser(std::max<size_t>(options.max_field_bytes, 64)) {
    // Room for ordinary lines up front; simdjson grows it (up to max_line_bytes) for larger.
    const size_t initial = std::min<size_t>(options.max_line_bytes, 64u << 10);
    // (A failed allocation shows again, as an error, at the first parse.)
    auto err = parser.allocate(std::max<size_t>(initial, 64), options.max_json_depth);
    auto err2 =
        extra_parser.allocate(std::min<size_t>(std::max<size_t>(options.max_field_bytes, 64), 4096),
                              options.max_json_depth);
    (void)err;
    (void)err2;
  }

  LineStatus parse(std::string_view line, std::string_view source, LogLine* out);

  // --- helpers returning a rejection (reason != kNone) or OK ---
  LineStatus check_string(std::string_view key, std::string_view v) const {
    if (v.size() > options.max_field_bytes)
      return LineStatus::reject(RejectReason::kFieldTooLarge,
                                "field " + quote(key) + " holds " + std::to_string(v.size()) +
                                    " bytes, over the limit of " +
                                    std::to_string(options.max_field_bytes));
    return {};
  }
  // A string field: a string, or a number (kept as its decimal text); null = absent.
  LineStatus text(Field f, std::string* out, bool limit = true) const {
    out->clear();
    const Slot& s = slots[f];
    if (!s.set) return {};
    switch (s.value.type()) {
      case element_type::STRING: {
        const std::string_view v = s.value.get_string().value_unsafe();
        if (limit) {
          LineStatus st = check_string(s.key, v);
          if (!st.ok()) return st;
        }
        out->assign(v);
        return {};
      }
      case element_type::INT64:
        *out = std::to_string(int64_t(s.value.get_int64().value_unsafe()));
        return {};
      case element_type::UINT64:
        *out = std::to_string(uint64_t(s.value.get_uint64().value_unsafe()));
        return {};
      case element_type::DOUBLE:
        *out = double_text(s.value.get_double().value_unsafe());
        return {};
      case element_type::NULL_VALUE:
        return {};
      default:
        return LineStatus::reject(
            RejectReason::kWrongType,
            quote(s.key) + " must be a string, not " + type_name(s.value.type()));
    }
  }
  // A numeric field: a number or a numeric string. *present false for absent/null.
  LineStatus number(Field f, double* out, int64_t* int_out, bool* is_int, bool* present) const {
    *present = false;
    *is_int = false;
    const Slot& s = slots[f];
    if (!s.set) return {};
    switch (s.value.type()) {
      case element_type::INT64:
        *int_out = s.value.get_int64().value_unsafe();
        *out = static_cast<double>(*int_out);
        *is_int = true;
        break;
      case element_type::UINT64: {
        const uint64_t u = s.value.get_uint64().value_unsafe();
        *out = static_cast<double>(u);
        if (u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
          *int_out = static_cast<int64_t>(u);
          *is_int = true;
        }
        break;
      }
      case element_type::DOUBLE:
        *out = s.value.get_double().value_unsafe();
        break;
      case element_type::STRING: {
        const std::string_view v = s.value.get_string().value_unsafe();
        if (parse_int_text(v, int_out)) {
          *out = static_cast<double>(*int_out);
          *is_int = true;
        } else if (!parse_double_text(v, out)) {
          return LineStatus::reject(RejectReason::kWrongType,
                                    quote(s.key) + " must be a number, not the string " + quote(v));
        }
        break;
      }
      case element_type::NULL_VALUE:
        return {};
      default:
        return LineStatus::reject(
            RejectReason::kWrongType,
            quote(s.key) + " must be a number, not " + type_name(s.value.type()));
    }
    *present = true;
    return {};
  }
  // An integer field kept as int64 under `int_key` when it is one (a JSON integer, an
  // integral number, or a decimal string), else as a string under `text_key`.
  LineStatus int_or_text(Field f, Attrs& attrs, std::string_view int_key,
                         std::string_view text_key) const {
    const Slot& s = slots[f];
    if (!s.set) return {};
    const element_type t = s.value.type();
    if (t == element_type::INT64) {
      attrs.add(int_key, AnyValue(int64_t(s.value.get_int64().value_unsafe())));
      return {};
    }
    if (t == element_type::DOUBLE) {
      const double d = s.value.get_double().value_unsafe();
      if (std::trunc(d) == d && std::fabs(d) < 9e15) {
        attrs.add(int_key, AnyValue(static_cast<int64_t>(d)));
        return {};
      }
    }
    std::string v;
    LineStatus st = text(f, &v);
    if (!st.ok()) return st;
    int64_t i;
    if (parse_int_text(v, &i))
      attrs.add(int_key, AnyValue(i));
    else
      attrs.add_string(text_key, v);
    return {};
  }

  // Any JSON value -> AnyValue (objects as key-value lists, arrays as arrays, null as an
  // empty value). Strings over max_field_bytes reject the line.
  LineStatus convert(std::string_view key, element e, AnyValue* out) const {
    switch (e.type()) {
      case element_type::STRING: {
        const std::string_view v = e.get_string().value_unsafe();
        LineStatus st = check_string(key, v);
        if (!st.ok()) return st;
        *out = AnyValue(std::string(v));
        return {};
      }
      case element_type::INT64:
        *out = AnyValue(int64_t(e.get_int64().value_unsafe()));
        return {};
      case element_type::UINT64:
        // Beyond int64: its exact decimal text (a double would round it).
        *out = AnyValue(std::to_string(uint64_t(e.get_uint64().value_unsafe())));
        return {};
      case element_type::DOUBLE:
        *out = AnyValue(double(e.get_double().value_unsafe()));
        return {};
      case element_type::BOOL:
        *out = AnyValue(bool(e.get_bool().value_unsafe()));
        return {};
      case element_type::NULL_VALUE:
        *out = AnyValue();
        return {};
      case element_type::ARRAY: {
        ArrayValue arr;
        const simdjson::dom::array a = e.get_array().value_unsafe();
        for (element item : a) {
          AnyValue v;
          LineStatus st = convert(key, item, &v);
          if (!st.ok()) return st;
          arr.push_back(std::move(v));
        }
        *out = AnyValue(std::move(arr));
        return {};
      }
      case element_type::OBJECT: {
        KeyValueList kvs;
        const simdjson::dom::object o = e.get_object().value_unsafe();
        for (auto kv : o) {
          LineStatus st = check_string(kv.key, kv.key);
          if (!st.ok()) return st;
          AnyValue v;
          st = convert(kv.key, kv.value, &v);
          if (!st.ok()) return st;
          kvs.push_back(KeyValue{std::string(kv.key), std::move(v)});
        }
        *out = AnyValue(std::move(kvs));
        return {};
      }
    }
    return {};
  }

  LineStatus add_members(simdjson::dom::object o, Attrs& attrs) const {
    for (auto kv : o) {
      LineStatus st = check_string(kv.key, kv.key);
      if (!st.ok()) return st;
      if (kv.key.empty()) continue;
      AnyValue v;
      st = convert(kv.key, kv.value, &v);
      if (!st.ok()) return st;
      attrs.add(kv.key, std::move(v));
    }
    return {};
  }

  // x_extra: an object's members become attributes; a string holding a JSON object too;
  // any other string is kept as `log.extra`.
  LineStatus extra(Attrs& attrs) {
    const Slot& s = slots[kExtra];
    if (!s.set) return {};
    const element_type t = s.value.type();
    if (t == element_type::OBJECT) {
      const simdjson::dom::object o = s.value.get_object().value_unsafe();
      return add_members(o, attrs);
    }
    if (t == element_type::NULL_VALUE) return {};
    if (t != element_type::STRING) {
      AnyValue v;
      LineStatus st = convert(s.key, s.value, &v);
      if (!st.ok()) return st;
      attrs.add("log.extra", std::move(v));
      return {};
    }
    const std::string_view v = s.value.get_string().value_unsafe();
    LineStatus st = check_string(s.key, v);
    if (!st.ok()) return st;
    if (!v.empty() && v.front() == '{') {
      extra_buffer.assign(v);
      extra_buffer.resize(v.size() + simdjson::SIMDJSON_PADDING);
      element doc;
      if (!extra_parser.parse(extra_buffer.data(), v.size(), false).get(doc) &&
          doc.type() == element_type::OBJECT) {
        const simdjson::dom::object o = doc.get_object().value_unsafe();
        return add_members(o, attrs);
      }
    }
    attrs.add_string("log.extra", v);
    return {};
  }
};

namespace {

constexpr uint64_t kMaxNanos = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

// Seconds (or, for values too large to be seconds, milliseconds / microseconds /
// nanoseconds since the epoch) -> ns. False if not positive, not finite or past 2262.
bool timestamp_nanos(double d, int64_t i, bool is_int, uint64_t* out) {
  if (is_int) {
    if (i <= 0) return false;
    uint64_t mul;
    if (i < 100'000'000'000LL)
      mul = 1'000'000'000;
    else if (i < 100'000'000'000'000LL)
      mul = 1'000'000;
    else if (i < 100'000'000'000'000'000LL)
      mul = 1'000;
    else
      mul = 1;
    const auto u = static_cast<uint64_t>(i);
    if (u > kMaxNanos / mul) return false;
    *out = u * mul;
    return true;
  }
  if (!std::isfinite(d) || d <= 0 || d >= 9.2e18) return false;
  // A double holds about 16 significant digits: round to microseconds, which is all a
  // seconds timestamp written with a fraction can carry anyway (integer arithmetic from
  // there: past 2^53 a double has no exact nanoseconds).
  uint64_t micros;
  if (d < 1e11)
    micros = static_cast<uint64_t>(std::llround(d * 1e6));
  else if (d < 1e14)
    micros = static_cast<uint64_t>(std::llround(d * 1e3));
  else if (d < 1e17)
    micros = static_cast<uint64_t>(std::llround(d));
  else {
    *out = static_cast<uint64_t>(std::llround(d));
    return true;
  }
  if (micros == 0 || micros > kMaxNanos / 1000) return false;
  *out = micros * 1000;
  return true;
}

}  // namespace

LineStatus LineParser::Impl::parse(std::string_view line, std::string_view source, LogLine* out) {
  reset_line(out);
  // Trim: a UTF-8 BOM, surrounding blanks, the '\r' of CRLF files.
  if (line.size() >= 3 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
  while (!line.empty() &&
         (line.back() == '\n' || line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
    line.remove_suffix(1);
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  if (line.empty()) return LineStatus::reject(RejectReason::kEmptyLine, "the line is empty");
  if (line.size() > options.max_line_bytes)
    return LineStatus::reject(RejectReason::kTooLong, "the line is " + std::to_string(line.size()) +
                                                          " bytes, over the limit of " +
                                                          std::to_string(options.max_line_bytes));
  buffer.assign(line);
  buffer.resize(line.size() + simdjson::SIMDJSON_PADDING);
  element root;
  if (auto err = parser.parse(buffer.data(), line.size(), false).get(root)) {
    // Control bytes other than tab/CR/LF are never valid JSON (not in strings, not between
    // tokens), so a line that parsed has none: looked for only here.
    for (size_t i = 0; i < line.size(); ++i) {
      const auto c = static_cast<unsigned char>(line[i]);
      if (c < 0x20 && c != '\t' && c != '\r' && c != '\n') {
        char buf[8];
        std::snprintf(buf, sizeof buf, "0x%02x", c);
        return LineStatus::reject(RejectReason::kBinary, std::string("control byte ") + buf +
                                                             " at offset " + std::to_string(i));
      }
    }
    if (err == simdjson::UTF8_ERROR)
      return LineStatus::reject(RejectReason::kBinary, "not valid UTF-8");
    if (err == simdjson::DEPTH_ERROR)
      return LineStatus::reject(RejectReason::kNotJson,
                                "nested deeper than " + std::to_string(options.max_json_depth));
    if (err == simdjson::CAPACITY)
      return LineStatus::reject(RejectReason::kTooLong, "the line is too long to parse");
    return LineStatus::reject(RejectReason::kNotJson, simdjson::error_message(err));
  }
  if (root.type() != element_type::OBJECT)
    return LineStatus::reject(
        RejectReason::kNotObject,
        std::string("the line is ") + type_name(root.type()) + ", not a JSON object");
  const simdjson::dom::object obj = root.get_object().value_unsafe();

  // Sort the members into the table's fields (the x_ spelling wins over the bare one; the
  // same spelling twice: the last wins) and the rest.
  for (Slot& s : slots) s = Slot{};
  unknown.clear();
  for (auto kv : obj) {
    LineStatus st = check_string(kv.key, kv.key);
    if (!st.ok()) return st;
    const bool prefixed = kv.key.size() > 2 && kv.key[0] == 'x' && kv.key[1] == '_';
    const Field f = field_of(prefixed ? kv.key.substr(2) : kv.key);
    if (f == kFieldCount) {
      if (!kv.key.empty()) unknown.emplace_back(kv.key, kv.value);
      continue;
    }
    Slot& s = slots[f];
    if (!s.set || prefixed || !s.prefixed) s = Slot{kv.value, kv.key, true, prefixed};
  }

  LineStatus st;
  // --- required: trace ID, RpcId or span ID, timestamp ---
  if (slots[kTraceId].set && slots[kTraceId].value.type() != element_type::STRING &&
      slots[kTraceId].value.type() != element_type::NULL_VALUE)
    return LineStatus::reject(RejectReason::kWrongType,
                              quote(slots[kTraceId].key) + " must be a string, not " +
                                  type_name(slots[kTraceId].value.type()));
  if (!(st = text(kTraceId, &trace_text)).ok()) return st;
  if (trace_text.empty()) return LineStatus::reject(RejectReason::kMissingTraceId, "no x_trace_id");
  bool hashed = false;
  out->trace_id = trace_id_from_text(trace_text, &hashed);
  if (hashed) out->trace_id_original = trace_text;

  rpc_text.clear();
  if (slots[kRpcId].set) {
    const element_type t = slots[kRpcId].value.type();
    if (t != element_type::STRING && t != element_type::INT64 && t != element_type::UINT64 &&
        t != element_type::NULL_VALUE)
      return LineStatus::reject(
          RejectReason::kWrongType,
          quote(slots[kRpcId].key) + " must be a string, not " + type_name(t));
    if (!(st = text(kRpcId, &rpc_text)).ok()) return st;
  }
  for (auto [f, dst] : {std::pair{kSpanId, &span_text}, std::pair{kParentSpanId, &parent_text}}) {
    if (slots[f].set && slots[f].value.type() != element_type::STRING &&
        slots[f].value.type() != element_type::NULL_VALUE)
      return LineStatus::reject(
          RejectReason::kWrongType,
          quote(slots[f].key) + " must be a string, not " + type_name(slots[f].value.type()));
    if (!(st = text(f, dst)).ok()) return st;
  }
  if (rpc_text.empty() && span_text.empty())
    return LineStatus::reject(RejectReason::kMissingRpcId, "no x_rpc_id (and no x_span_id)");
  if (!rpc_text.empty()) {
    std::string why;
    if (!parse_rpc_id(rpc_text, options.max_rpc_id_depth, &out->rpc, &why))
      return LineStatus::reject(RejectReason::kBadRpcId, "x_rpc_id " + quote(rpc_text) + " " + why);
    format_rpc_id_to(out->rpc, &out->rpc_id);
  }
  bool span_hashed = false, parent_hashed = false;
  if (!span_text.empty()) out->span_id = span_id_from_text(span_text, &span_hashed);
  if (!parent_text.empty()) out->parent_span_id = span_id_from_text(parent_text, &parent_hashed);

  double d;
  int64_t i;
  bool is_int, present;
  if (!(st = number(kTimestamp, &d, &i, &is_int, &present)).ok()) return st;
  if (!present) return LineStatus::reject(RejectReason::kMissingTimestamp, "no x_timestamp");
  if (!timestamp_nanos(d, i, is_int, &out->end_ns))
    return LineStatus::reject(RejectReason::kBadTimestamp,
                              "x_timestamp " + (is_int ? std::to_string(i) : double_text(d)) +
                                  " is not a time between 1970 and 2262");
  uint64_t duration_ns = 0;
  bool has_duration = false;
  if (!(st = number(kDuration, &d, &i, &is_int, &has_duration)).ok()) return st;
  if (has_duration) {
    const double ns = std::round(d * 1e9);
    // (A start at the epoch itself is no time either: start must stay > 0.)
    if (!std::isfinite(d) || d < 0 || ns >= static_cast<double>(out->end_ns))
      return LineStatus::reject(
          RejectReason::kBadDuration,
          "x_duration " + double_text(d) + " is negative, not finite or reaches back to 1970");
    duration_ns = static_cast<uint64_t>(ns);
  }
  out->start_ns = out->end_ns - duration_ns;

  // --- type and role ---
  if (slots[kName].set && slots[kName].value.type() != element_type::STRING &&
      slots[kName].value.type() != element_type::NULL_VALUE)
    return LineStatus::reject(
        RejectReason::kWrongType,
        quote(slots[kName].key) + " must be a string, not " + type_name(slots[kName].value.type()));
  if (!(st = text(kName, &out->type)).ok()) return st;
  type_lower.assign(out->type);
  for (char& c : type_lower)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  const std::string& type = type_lower;
  const size_t dot = type.find('.');
  out->prefix.assign(type, 0, dot);
  const std::string_view suffix = dot == std::string::npos
                                      ? std::string_view()
                                      : std::string_view(type).substr(type.rfind('.') + 1);
  if (type.starts_with("request.")) {
    out->role = LineRole::kServer;
  } else if (dot != std::string::npos && suffix == "connect") {
    out->role = LineRole::kConnect;
  } else if (dot != std::string::npos &&
             std::find(options.client_types.begin(), options.client_types.end(), out->prefix) !=
                 options.client_types.end()) {
    out->role = LineRole::kClient;
  } else if (!out->span_id.is_zero() && has_duration) {
    out->role = LineRole::kInternal;
  } else {
    out->role = LineRole::kEvent;
  }
  out->error = suffix == "error" || type == "log.exception" || type == "log.alarm";

  // --- the other fields of the table ---
  struct TextField {
    Field f;
    std::string* dst;
  };
  for (const TextField& tf : {TextField{kModule, &module},
                              {kAction, &action},
                              {kParam, &param},
                              {kServerIp, &server_ip},
                              {kClientIp, &client_ip},
                              {kHost, &host},
                              {kInstanceName, &instance},
                              {kDb, &db},
                              {kCode, &code},
                              {kMsg, &msg},
                              {kBacktrace, &backtrace},
                              {kFile, &file},
                              {kUid, &uid},
                              {kSource, &source_field},
                              {kUserAgent, &user_agent},
                              {kDepartment, &department},
                              {kService, &service},
                              {kVersion, &out->version}}) {
    if (!(st = text(tf.f, tf.dst)).ok()) return st;
  }
  if (!(st = text(kResponse, &response, /*limit=*/false)).ok()) return st;
  cut_utf8(&response, options.max_response_bytes);

  // Service: the path mapping, else x_service / service, else x_department.
  for (const ServiceMapping& m : options.service_mappings) {
    const bool glob = m.pattern.find_first_of("*?[") != std::string::npos;
    const bool match = glob ? ::fnmatch(m.pattern.c_str(), std::string(source).c_str(), 0) == 0
                            : std::string_view(source).starts_with(m.pattern);
    if (match && !m.pattern.empty()) {
      out->service = m.service;
      break;
    }
  }
  if (out->service.empty()) out->service = !service.empty() ? service : department;

  const bool span = out->is_span();
  const bool exceptional = type == "log.exception" || !backtrace.empty();
  const bool metric = out->prefix == "metric" || out->prefix == "metrix";
  // --- name ---
  switch (out->role) {
    case LineRole::kServer: {
      std::string_view path = url_path(action);
      out->name.assign(!module.empty() ? std::string_view(module)
                       : !path.empty() ? path
                                       : std::string_view(out->type));
      break;
    }
    case LineRole::kClient:
    case LineRole::kConnect:
      out->name = !module.empty() ? module : out->type;
      break;
    case LineRole::kInternal:
      out->name = !module.empty() ? module : !msg.empty() ? msg : out->type;
      break;
    case LineRole::kEvent:
      out->name = exceptional          ? "exception"
                  : metric             ? out->type
                  : !msg.empty()       ? msg
                  : !out->type.empty() ? out->type
                                       : "log";
      break;
  }

  // --- attributes ---
  Attrs attrs(&out->attributes, &out->dropped_attributes, options.max_attributes);
  attrs.add_string("log.type", out->type);
  if (out->role == LineRole::kEvent) {
    if (out->prefix == "log" && dot != std::string::npos && !exceptional)
      attrs.add_string("log.level", suffix);
    attrs.add_string("log.module", module);
    if (exceptional)
      attrs.add_string("exception.message", msg);
    else if (msg != out->name)
      attrs.add_string("log.msg", msg);
    attrs.add_string("exception.stacktrace", backtrace);
    attrs.add_string("code.filepath", file);
    if (!(st = int_or_text(kLine, attrs, "code.lineno", "log.line")).ok()) return st;
  }
  const bool db_type =
      out->prefix == "mysql" || out->prefix == "redis" || out->prefix == "memcache";
  const bool http_type = out->prefix == "http" || out->prefix == "request";
  attrs.add_string(db_type ? "db.statement" : http_type ? "http.url" : "log.action", action);
  attrs.add_string("log.param", param);
  auto add_address = [&](std::string_view text, std::string_view addr_key,
                         std::string_view port_key) {
    if (text.empty()) return;
    auto [h, port] = split_host_port(text);
    attrs.add_string(addr_key, h);
    if (port >= 0) attrs.add(port_key, AnyValue(port));
  };
  if (out->role == LineRole::kClient || out->role == LineRole::kConnect) {
    add_address(host, "server.address", "server.port");
    add_address(server_ip, "network.peer.address", "network.peer.port");
    add_address(client_ip, "client.address", "client.port");
  } else {
    add_address(server_ip, "server.address", "server.port");
    add_address(client_ip, "client.address", "client.port");
    attrs.add_string("host.name", host);
  }
  attrs.add_string("db.instance.id", instance);
  attrs.add_string("db.name", db);
  attrs.add_string("log.code", code);
  if (http_type && code.size() == 3) {
    int64_t status;
    if (parse_int_text(code, &status) && status >= 100 && status <= 599)
      attrs.add("http.status_code", AnyValue(status));
  }
  if (span) {
    if (out->error)
      out->message = msg;
    else if (msg != out->name)
      attrs.add_string("log.msg", msg);
  } else if (out->error) {
    out->message = msg;
  }
  attrs.add_string("enduser.id", uid);
  if (!(st = int_or_text(kPid, attrs, "process.pid", "log.pid")).ok()) return st;
  attrs.add_string("log.source", source_field);
  attrs.add_string("user_agent.original", user_agent);
  attrs.add_string("log.response", response);
  if (!(st = int_or_text(kResponseLen, attrs, "http.response.body.size", "log.response_length"))
           .ok())
    return st;
  if (!(st = number(kDnsDuration, &d, &i, &is_int, &present)).ok()) return st;
  if (present) attrs.add("log.dns_duration", AnyValue(d));
  if (!span && has_duration)
    attrs.add("log.duration", AnyValue(static_cast<double>(duration_ns) / 1e9));
  if (!department.empty() && department != out->service)
    attrs.add_string("log.department", department);
  if (out->role == LineRole::kClient || out->role == LineRole::kConnect) {
    if (out->prefix == "mysql") attrs.add_string("db.system", "mysql");
    if (out->prefix == "redis") attrs.add_string("db.system", "redis");
    if (out->prefix == "memcache") attrs.add_string("db.system", "memcached");
    if (out->prefix == "http" && dot != std::string::npos && suffix != "request" &&
        suffix != "error" && suffix != "connect") {
      std::string method(suffix);
      for (char& c : method)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      attrs.add_string("http.request.method", method);
    }
    // The virtual peer: "<type prefix>:<host>/<db>", the service graph's node for it.
    std::string_view peer_host = host;
    if (peer_host.empty() && out->prefix == "http") peer_host = url_authority(action);
    std::string& peer = scratch;
    peer.assign(out->prefix);
    if (!peer_host.empty()) {
      peer += ':';
      peer += peer_host;
    }
    if (!db.empty()) {
      peer += '/';
      peer += db;
    }
    attrs.add_string("peer.service", peer);
  }
  if (!source.empty()) attrs.add_string("log.file.path", source);
  if (!out->trace_id_original.empty())
    attrs.add_string("weft.log.trace_id", out->trace_id_original);
  if (span_hashed) attrs.add_string("weft.log.span_id", span_text);
  if (parent_hashed) attrs.add_string("weft.log.parent_span_id", parent_text);

  // The exception of a span line: an `exception` event at the line's time.
  if (span) {
    KeyValueList ex_attrs;
    uint32_t ex_dropped = 0;
    Attrs ex(&ex_attrs, &ex_dropped, options.max_attributes);
    const bool has_line = slots[kLine].set && slots[kLine].value.type() != element_type::NULL_VALUE;
    if (!backtrace.empty() || !file.empty() || has_line) {
      ex.add_string("exception.message", msg);
      ex.add_string("exception.stacktrace", backtrace);
      ex.add_string("code.filepath", file);
      if (!(st = int_or_text(kLine, ex, "code.lineno", "log.line")).ok()) return st;
      out->events.push_back(SpanEvent{out->end_ns, "exception", std::move(ex_attrs), ex_dropped});
    }
  }

  // Unknown fields, then x_extra's members, as attributes of their own names.
  for (auto& [key, value] : unknown) {
    AnyValue v;
    if (!(st = convert(key, value, &v)).ok()) return st;
    attrs.add(key, std::move(v));
  }
  if (!(st = extra(attrs)).ok()) return st;
  attrs.finish();

  out->hash = line_hash(line);
  out->bytes = sizeof(LogLine) + out->trace_id_original.capacity() + out->rpc_id.capacity() +
               out->rpc.capacity() * sizeof(uint32_t) + out->type.capacity() +
               out->prefix.capacity() + out->service.capacity() + out->version.capacity() +
               out->name.capacity() + out->message.capacity() + approx_bytes(out->attributes);
  for (const SpanEvent& e : out->events)
    out->bytes += sizeof(SpanEvent) + e.name.capacity() + approx_bytes(e.attributes);
  return {};
}

LineParser::LineParser(ParserOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
LineParser::~LineParser() = default;
LineParser::LineParser(LineParser&&) noexcept = default;
LineParser& LineParser::operator=(LineParser&&) noexcept = default;

LineStatus LineParser::parse(std::string_view line, std::string_view source, LogLine* out) {
  return impl_->parse(line, source, out);
}

const ParserOptions& LineParser::options() const { return impl_->options; }

}  // namespace weft::logline
