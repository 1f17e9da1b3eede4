// Zipkin v2 JSON -> model. The mapping (docs/format/zipkin.md) is the inverse of
// zipkin_json_encode.cc for everything a Zipkin span can carry.
#include <algorithm>
#include <charconv>
#include <cstring>
#include <deque>
#include <unordered_set>

#include <rapidjson/encodedstream.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include "wire/json_read.h"
#include "wire/zipkin_json.h"
#include "wire/zipkin_mapping.h"

namespace weft::wire {

using namespace weft::model;

namespace {

using json::Value;

struct Endpoint {
  std::string service_name, ipv4, ipv6;
  int64_t port = 0;
  bool present = false;
  bool operator==(const Endpoint&) const = default;
};

// Builds the DOM as rapidjson::Document would, but reads numbers as text
// (kParseNumbersAsStringsFlag): a number that is an integer fitting int64/uint64 becomes a
// JSON number as usual; any other (a fraction, an exponent, too large) becomes a string value
// whose characters live in `raw` and whose address is in `raw_ptrs`. Its exact text thus
// survives (a double cannot hold 1795265275070000.2 µs to the nanosecond), and is_raw_number()
// still tells it from a JSON string.
class RawNumberHandler {
 public:
  RawNumberHandler(rapidjson::Document& doc, std::deque<std::string>& raw,
                   std::unordered_set<const char*>& raw_ptrs)
      : doc_(doc), raw_(raw), raw_ptrs_(raw_ptrs) {}
  bool Null() { return doc_.Null(); }
  bool Bool(bool b) { return doc_.Bool(b); }
  bool Int(int i) { return doc_.Int(i); }
  bool Uint(unsigned u) { return doc_.Uint(u); }
  bool Int64(int64_t i) { return doc_.Int64(i); }
  bool Uint64(uint64_t u) { return doc_.Uint64(u); }
  bool Double(double d) { return doc_.Double(d); }
  bool RawNumber(const char* str, rapidjson::SizeType len, bool) {
    std::string_view t(str, len);
    if (t.find_first_of(".eE") == std::string_view::npos) {
      if (t[0] == '-') {
        int64_t i;
        auto r = std::from_chars(t.data(), t.data() + t.size(), i);
        if (r.ec == std::errc() && r.ptr == t.data() + t.size()) return doc_.Int64(i);
      } else {
        uint64_t u;
        auto r = std::from_chars(t.data(), t.data() + t.size(), u);
        if (r.ec == std::errc() && r.ptr == t.data() + t.size()) return doc_.Uint64(u);
      }
    }
    const std::string& kept = raw_.emplace_back(t);
    raw_ptrs_.insert(kept.data());
    return doc_.String(kept.data(), len, false);  // not copied: the address identifies it
  }
  bool String(const char* str, rapidjson::SizeType len, bool copy) {
    return doc_.String(str, len, copy);
  }
  bool StartObject() { return doc_.StartObject(); }
  bool Key(const char* str, rapidjson::SizeType len, bool copy) { return doc_.Key(str, len, copy); }
  bool EndObject(rapidjson::SizeType n) { return doc_.EndObject(n); }
  bool StartArray() { return doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType n) { return doc_.EndArray(n); }

 private:
  rapidjson::Document& doc_;
  std::deque<std::string>& raw_;
  std::unordered_set<const char*>& raw_ptrs_;
};

enum class Micros { kOk, kNotANumber, kOutOfRange };

// Microseconds written as a decimal number ("1795265275070000.2", "12", "1.5e3", "+7") ->
// nanoseconds, rounded to the nearest (halves up), computed on the digits: no double
// rounding. Negative values (other than zero) are not a number of microseconds.
Micros decimal_micros_to_nanos(std::string_view t, uint64_t* nanos) {
  auto digit = [&](size_t i) { return i < t.size() && t[i] >= '0' && t[i] <= '9'; };
  size_t i = 0;
  bool negative = false;
  if (i < t.size() && (t[i] == '-' || t[i] == '+')) negative = t[i++] == '-';
  std::string digits;  // the value is digits * 10^exp10
  int64_t exp10 = 0;
  bool any = false;
  for (; digit(i); ++i, any = true) digits.push_back(t[i]);
  if (i < t.size() && t[i] == '.') {
    for (++i; digit(i); ++i, any = true, --exp10) digits.push_back(t[i]);
  }
  if (!any) return Micros::kNotANumber;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < t.size() && (t[i] == '-' || t[i] == '+')) exp_negative = t[i++] == '-';
    if (!digit(i)) return Micros::kNotANumber;
    int64_t e = 0;
    for (; digit(i); ++i) e = std::min<int64_t>(e * 10 + (t[i] - '0'), 1'000'000'000);
    exp10 += exp_negative ? -e : e;
  }
  if (i != t.size()) return Micros::kNotANumber;
  size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) {  // zero, "-0" included
    *nanos = 0;
    return Micros::kOk;
  }
  if (negative) return Micros::kNotANumber;
  digits.erase(0, first);
  exp10 += 3;  // µs -> ns
  bool round_up = false;
  if (exp10 >= 0) {
    if (static_cast<int64_t>(digits.size()) + exp10 > 20) return Micros::kOutOfRange;
    digits.append(static_cast<size_t>(exp10), '0');
  } else {
    int64_t keep = static_cast<int64_t>(digits.size()) + exp10;  // digits before the point
    if (keep < 0) {
      *nanos = 0;  // below 0.1 ns
      return Micros::kOk;
    }
    round_up = digits[static_cast<size_t>(keep)] >= '5';
    digits.resize(static_cast<size_t>(keep));
    if (digits.empty()) digits = "0";
  }
  uint64_t v;
  auto r = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (r.ec != std::errc() || (round_up && v == UINT64_MAX)) return Micros::kOutOfRange;
  *nanos = v + (round_up ? 1 : 0);
  return Micros::kOk;
}

// Adds the endpoint's address fields under the given keys (ipv6 goes under `ip_key` when
// there is no ipv4, as OTel does with one address attribute).
void add_address(const Endpoint& e, const char* ip_key, const char* ipv6_key, const char* port_key,
                 KeyValueList* attrs) {
  if (!e.ipv4.empty()) attrs->push_back({ip_key, e.ipv4});
  if (!e.ipv6.empty()) attrs->push_back({e.ipv4.empty() ? ip_key : ipv6_key, e.ipv6});
  if (e.port != 0) attrs->push_back({port_key, e.port});
}

class Decoder {
 public:
  explicit Decoder(DecodeResult* out) : out_(out) {}

  Status run(std::string_view text) {
    rapidjson::Document doc;
    if (!parse(text, &doc)) return invalid_argument(error_);
    if (!doc.IsArray()) return invalid_argument("expected a JSON array of spans");
    scope_ = std::make_shared<InstrumentationScope>();
    auto& spans = out_->batch.spans;
    spans.reserve(spans.size() + doc.Size());
    std::string reject;
    for (rapidjson::SizeType i = 0; i < doc.Size(); ++i) {
      prefix_ = "[" + std::to_string(i) + "]";
      if (!doc[i].IsObject()) return invalid_argument(prefix_ + ": expected an object");
      Span& s = spans.emplace_back();
      reject.clear();
      if (!span(doc[i], &s, &reject)) return invalid_argument(error_);
      if (!reject.empty()) {
        spans.pop_back();
        out_->reject("span " + std::to_string(i) + ": " + reject);
      }
    }
    return Status::ok();
  }

 private:
  bool fail(std::string_view member, std::string_view what) {
    error_ = prefix_ + "." + std::string(member) + ": " + std::string(what);
    return false;
  }
  // As json::parse, numbers other than int64/uint64 kept as their text (RawNumberHandler).
  bool parse(std::string_view text, rapidjson::Document* doc) {
    rapidjson::ParseResult result;
    auto generate = [&](rapidjson::Document& d) {
      RawNumberHandler handler(d, raw_numbers_, raw_number_ptrs_);
      rapidjson::MemoryStream ms(text.data(), text.size());
      rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> is(ms);
      rapidjson::Reader reader;
      result = reader.Parse<rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseIterativeFlag>(
          is, handler);
      return !result.IsError();
    };
    doc->Populate(generate);
    if (!result.IsError()) return true;
    error_ = "invalid JSON at offset " + std::to_string(result.Offset()) + ": " +
             rapidjson::GetParseError_En(result.Code());
    return false;
  }
  // A number the parser kept as text (see RawNumberHandler), not a JSON string.
  bool is_raw_number(const Value& v) const {
    return v.IsString() && raw_number_ptrs_.count(v.GetString()) != 0;
  }
  bool str(const Value& v, const char* name, std::string* out) {
    if (!v.IsString() || is_raw_number(v)) return fail(name, "expected a string");
    out->assign(v.GetString(), v.GetStringLength());
    return true;
  }
  // Any non-negative JSON number of microseconds (a fraction kept to the nearest
  // nanosecond), or such a number in a string (lenient) -> nanoseconds.
  bool micros(const Value& v, const char* name, uint64_t* nanos) {
    if (v.IsUint64()) {
      if (v.GetUint64() > UINT64_MAX / 1000) return fail(name, "out of range");
      *nanos = v.GetUint64() * 1000;
      return true;
    }
    Micros m = v.IsString() ? decimal_micros_to_nanos(json::view(v), nanos) : Micros::kNotANumber;
    if (m == Micros::kOutOfRange) return fail(name, "out of range");
    return m == Micros::kOk || fail(name, "expected microseconds (a non-negative number)");
  }

  bool span(const Value& v, Span* s, std::string* reject);
  bool endpoint(const Value& v, const char* name, Endpoint* e);
  bool annotations(const Value& v, Span* s);
  bool tags(const Value& v, Span* s);
  std::shared_ptr<const Resource> resource_for(const Endpoint& local);

  DecodeResult* out_;
  std::deque<std::string> raw_numbers_;  // texts of the numbers kept as text
  std::unordered_set<const char*> raw_number_ptrs_;
  std::string prefix_;  // "[i]": the span being decoded
  std::string error_;
  std::shared_ptr<const InstrumentationScope> scope_;
  Endpoint last_local_;
  std::shared_ptr<const Resource> last_resource_;
};

bool Decoder::span(const Value& v, Span* s, std::string* reject) {
  std::string trace_id, id, parent_id;
  uint64_t duration = 0;
  bool shared = false;
  Endpoint local, remote;
  const Value* tags_v = nullptr;
  for (auto& m : v.GetObject()) {
    if (m.value.IsNull()) continue;
    std::string_view k = json::view(m.name);
    const Value& x = m.value;
    bool ok = true;
    if (k == "traceId") {
      ok = str(x, "traceId", &trace_id);
    } else if (k == "id") {
      ok = str(x, "id", &id);
    } else if (k == "parentId") {
      ok = str(x, "parentId", &parent_id);
    } else if (k == "name") {
      ok = str(x, "name", &s->name);
    } else if (k == "kind") {
      std::string kind;
      ok = str(x, "kind", &kind);
      if (kind == "CLIENT")
        s->kind = SpanKind::kClient;
      else if (kind == "SERVER")
        s->kind = SpanKind::kServer;
      else if (kind == "PRODUCER")
        s->kind = SpanKind::kProducer;
      else if (kind == "CONSUMER")
        s->kind = SpanKind::kConsumer;
    } else if (k == "timestamp") {
      ok = micros(x, "timestamp", &s->start_time_unix_nano);
    } else if (k == "duration") {
      ok = micros(x, "duration", &duration);
    } else if (k == "debug") {
      bool b;
      ok = json::read_bool(x, &b) || fail("debug", "expected true or false");
      if (ok && b) s->flags |= kZipkinDebugFlag;
    } else if (k == "shared") {
      ok = json::read_bool(x, &shared) || fail("shared", "expected true or false");
    } else if (k == "localEndpoint") {
      ok = endpoint(x, "localEndpoint", &local);
    } else if (k == "remoteEndpoint") {
      ok = endpoint(x, "remoteEndpoint", &remote);
    } else if (k == "annotations") {
      ok = annotations(x, s);
    } else if (k == "tags") {
      ok = x.IsObject() || fail("tags", "expected an object");
      tags_v = &x;
    }
    if (!ok) return false;
  }
  if (duration > UINT64_MAX - s->start_time_unix_nano) return fail("duration", "out of range");
  s->end_time_unix_nano = s->start_time_unix_nano + duration;

  // Attributes: the remote endpoint, then "shared", then the tags in their order. The flags
  // say which attributes are remoteEndpoint fields (each the first with its key), so that the
  // encoder tells them from a tag of the same name (zipkin_json.h).
  s->flags |= kZipkinSpanFlag;
  if (remote.present) {
    if (!remote.service_name.empty()) {
      s->attributes.push_back({zipkin::kPeerService, remote.service_name});
      s->flags |= kZipkinRemoteServiceFlag;
    }
    add_address(remote, zipkin::kPeerIp, zipkin::kPeerIpv6, zipkin::kPeerPort, &s->attributes);
    if (!remote.ipv4.empty()) s->flags |= kZipkinRemoteIpv4Flag;
    if (!remote.ipv6.empty()) s->flags |= kZipkinRemoteIpv6Flag;
    if (remote.port != 0) s->flags |= kZipkinRemotePortFlag;
  }
  if (shared) s->attributes.push_back({zipkin::kShared, true});
  if (tags_v && !tags(*tags_v, s)) return false;
  s->resource = resource_for(local);
  s->scope = scope_;

  // Zipkin ids: traceId 16 or 32 hex digits (64-bit ids left-padded), id 16, parentId 16.
  std::optional<TraceId> tid;
  if (trace_id.size() == 16 || trace_id.size() == 32) tid = TraceId::from_hex_padded(trace_id);
  auto sid = SpanId::from_hex(id);
  if (!tid) {
    *reject = "traceId: not 16 or 32 hex digits";
  } else if (tid->is_zero()) {
    *reject = "traceId: must not be all zero";
  } else if (!sid) {
    *reject = "id: not 16 hex digits";
  } else if (sid->is_zero()) {
    *reject = "id: must not be all zero";
  } else if (!parent_id.empty() && !SpanId::from_hex(parent_id)) {
    *reject = "parentId: not 16 hex digits";
  } else {
    s->trace_id = *tid;
    s->span_id = *sid;
    if (!parent_id.empty()) s->parent_span_id = *SpanId::from_hex(parent_id);
  }
  return true;
}

bool Decoder::endpoint(const Value& v, const char* name, Endpoint* e) {
  if (!v.IsObject()) return fail(name, "expected an object");
  e->present = true;
  for (auto& m : v.GetObject()) {
    if (m.value.IsNull()) continue;
    std::string_view k = json::view(m.name);
    std::string member = std::string(name) + "." + std::string(k);
    bool ok = true;
    if (k == "serviceName") {
      ok = str(m.value, member.c_str(), &e->service_name);
    } else if (k == "ipv4") {
      ok = str(m.value, member.c_str(), &e->ipv4);
    } else if (k == "ipv6") {
      ok = str(m.value, member.c_str(), &e->ipv6);
    } else if (k == "port") {
      ok = (json::read_int64(m.value, &e->port) && e->port >= 0 && e->port <= 65535) ||
           fail(member, "expected a port number");
    }
    if (!ok) return false;
  }
  return true;
}

bool Decoder::annotations(const Value& v, Span* s) {
  if (!v.IsArray()) return fail("annotations", "expected an array");
  s->events.reserve(v.Size());
  for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
    std::string at = "annotations[" + std::to_string(i) + "]";
    if (!v[i].IsObject()) return fail(at, "expected an object");
    SpanEvent& e = s->events.emplace_back();
    for (auto& m : v[i].GetObject()) {
      if (m.value.IsNull()) continue;
      std::string_view k = json::view(m.name);
      if (k == "timestamp") {
        if (!micros(m.value, (at + ".timestamp").c_str(), &e.time_unix_nano)) return false;
      } else if (k == "value") {
        if (!str(m.value, (at + ".value").c_str(), &e.name)) return false;
      }
    }
  }
  return true;
}

bool Decoder::tags(const Value& v, Span* s) {
  s->attributes.reserve(s->attributes.size() + v.MemberCount());
  const std::string* error_tag = nullptr;
  const std::string* status_code = nullptr;
  const std::string* status_description = nullptr;
  for (auto& m : v.GetObject()) {
    std::string_view k = json::view(m.name);
    std::string value;
    const Value& x = m.value;
    if (x.IsString()) {  // a number other than an integer too, as written
      value = json::view(x);
    } else if (x.IsBool()) {  // lenient: some senders write non-string tags
      value = x.GetBool() ? "true" : "false";
    } else if (x.IsInt64()) {
      value = std::to_string(x.GetInt64());
    } else if (x.IsUint64()) {
      value = std::to_string(x.GetUint64());
    } else if (x.IsNull()) {
      continue;
    } else {
      return fail("tags." + std::string(k), "expected a string");
    }
    if (k == zipkin::kTraceState && !value.empty()) {
      s->trace_state = std::move(value);
      continue;
    }
    s->attributes.push_back({std::string(k), std::move(value)});
  }
  // Status, from the tags OTel's exporter and Zipkin instrumentation write. The tags stay
  // attributes too: the encoder then renders them as they came (see zipkin_json_encode.cc).
  for (const KeyValue& kv : s->attributes) {
    const std::string* sv = kv.value.as_string();
    if (!sv) continue;
    if (kv.key == zipkin::kError)
      error_tag = sv;
    else if (kv.key == zipkin::kStatusCode)
      status_code = sv;
    else if (kv.key == zipkin::kStatusDescription)
      status_description = sv;
  }
  if (error_tag || (status_code && *status_code == "ERROR")) {
    s->status.code = SpanStatusCode::kError;
    if (error_tag)
      s->status.message = *error_tag;
    else if (status_description)
      s->status.message = *status_description;
  } else if (status_code && *status_code == "OK") {
    s->status.code = SpanStatusCode::kOk;
  }
  return true;
}

std::shared_ptr<const Resource> Decoder::resource_for(const Endpoint& local) {
  if (last_resource_ && local == last_local_) return last_resource_;
  auto res = std::make_shared<Resource>();
  if (!local.service_name.empty())
    res->attributes.push_back({zipkin::kServiceName, local.service_name});
  add_address(local, zipkin::kLocalIp, zipkin::kLocalIpv6, zipkin::kLocalPort, &res->attributes);
  last_local_ = local;
  last_resource_ = std::move(res);
  return last_resource_;
}

}  // namespace

Status decode_zipkin_json(std::string_view json, DecodeResult* out) {
  const DecodeResult::Mark before = out->mark();
  Status st = Decoder(out).run(json);
  if (!st.is_ok()) out->rollback(before);  // leave *out as it was
  return st;
}

}  // namespace weft::wire
