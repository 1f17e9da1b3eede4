#include "query/params.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <charconv>
#include <limits>

namespace weft::query {

using namespace weft::model;

namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

Status cannot_parse(std::string_view param, std::string_view text, std::string_view what) {
  std::string msg(param);
  msg += ": cannot parse \"";
  msg += text;
  msg += "\" as ";
  msg += what;
  return invalid_argument(std::move(msg));
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Unit suffixes in nanoseconds, longest first where one is a prefix of another.
struct Unit {
  std::string_view name;
  uint64_t nanos;
};
constexpr Unit kUnits[] = {
    {"ns", 1},
    {"us", 1'000},
    {"\xC2\xB5s", 1'000},  // µs (micro sign)
    {"\xCE\xBCs", 1'000},  // μs (Greek mu)
    {"ms", 1'000'000},
    {"s", 1'000'000'000},
    {"m", 60'000'000'000},
    {"h", 3'600'000'000'000},
    {"d", 86'400'000'000'000},
    {"w", 604'800'000'000'000},
};

bool mul_add(uint64_t a, uint64_t b, uint64_t c, uint64_t* out) {
  uint64_t m;
  if (__builtin_mul_overflow(a, b, &m)) return false;
  return !__builtin_add_overflow(m, c, out);
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool read_fixed(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!is_digit(s[i])) return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

Result<uint64_t> parse_duration(std::string_view param, std::string_view text) {
  std::string_view s = text;
  if (s.empty()) return cannot_parse(param, text, "a duration");
  if (s[0] == '+') s.remove_prefix(1);
  if (s == "0") return uint64_t{0};
  if (s.empty()) return cannot_parse(param, text, "a duration");
  uint64_t total = 0;
  while (!s.empty()) {
    uint64_t whole = 0;
    size_t i = 0;
    bool any_digit = false;
    while (i < s.size() && is_digit(s[i])) {
      if (!mul_add(whole, 10, static_cast<uint64_t>(s[i] - '0'), &whole))
        return cannot_parse(param, text, "a duration");
      ++i;
      any_digit = true;
    }
    // Fraction: up to 18 digits kept exactly, the rest ignored.
    uint64_t frac = 0, frac_scale = 1;
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && is_digit(s[i])) {
        if (frac_scale < 1'000'000'000'000'000'000ULL) {
          frac = frac * 10 + static_cast<uint64_t>(s[i] - '0');
          frac_scale *= 10;
        }
        ++i;
        any_digit = true;
      }
    }
    if (!any_digit) return cannot_parse(param, text, "a duration");
    s.remove_prefix(i);
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (s.substr(0, u.name.size()) == u.name && (!unit || u.name.size() > unit->name.size()))
        unit = &u;
    }
    if (!unit) return cannot_parse(param, text, "a duration");
    s.remove_prefix(unit->name.size());
    uint64_t part;
    // frac / frac_scale * unit, computed without overflow in 128 bits.
    unsigned __int128 frac_nanos = static_cast<unsigned __int128>(frac) * unit->nanos / frac_scale;
    if (!mul_add(whole, unit->nanos, static_cast<uint64_t>(frac_nanos), &part) ||
        __builtin_add_overflow(total, part, &total))
      return cannot_parse(param, text, "a duration");
  }
  return total;
}

Result<uint64_t> parse_uint(std::string_view param, std::string_view text) {
  uint64_t v = 0;
  if (text.empty()) return cannot_parse(param, text, "a non-negative integer");
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size())
    return cannot_parse(param, text, "a non-negative integer");
  return v;
}

Result<uint64_t> parse_scaled_int(std::string_view param, std::string_view text,
                                  uint64_t unit_nanos) {
  WEFT_ASSIGN_OR_RETURN(uint64_t v, parse_uint(param, text));
  uint64_t out;
  if (__builtin_mul_overflow(v, unit_nanos, &out))
    return invalid_argument(std::string(param) + ": value " + std::string(text) +
                            " is out of range");
  return out;
}

Result<uint64_t> parse_rfc3339(std::string_view param, std::string_view text) {
  auto fail = [&] { return cannot_parse(param, text, "an RFC 3339 time"); };
  std::string_view s = text;
  int year, month, day, hour, minute, second;
  if (!read_fixed(s, 0, 4, &year) || s.size() < 19 || s[4] != '-' || !read_fixed(s, 5, 2, &month) ||
      s[7] != '-' || !read_fixed(s, 8, 2, &day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !read_fixed(s, 11, 2, &hour) || s[13] != ':' || !read_fixed(s, 14, 2, &minute) ||
      s[16] != ':' || !read_fixed(s, 17, 2, &second))
    return fail();
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return fail();
  size_t i = 19;
  uint64_t frac_nanos = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    uint64_t scale = 100'000'000;
    size_t digits = 0;
    while (i < s.size() && is_digit(s[i])) {
      frac_nanos += static_cast<uint64_t>(s[i] - '0') * scale;
      scale /= 10;
      ++i;
      ++digits;
    }
    if (digits == 0) return fail();
  }
  int64_t offset_seconds = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int oh, om;
    if (!read_fixed(s, i + 1, 2, &oh) || i + 3 >= s.size() || s[i + 3] != ':' ||
        !read_fixed(s, i + 4, 2, &om))
      return fail();
    offset_seconds = (oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
    i += 6;
  } else {
    return fail();
  }
  if (i != s.size()) return fail();
  int64_t secs =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
      hour * 3600 + minute * 60 + second - offset_seconds;
  if (secs < 0) return invalid_argument(std::string(param) + ": time before 1970 not supported");
  return static_cast<uint64_t>(secs) * 1'000'000'000ULL + frac_nanos;
}

Result<uint64_t> parse_time_nanos(std::string_view param, std::string_view text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos)
    return parse_uint(param, text);
  auto r = parse_rfc3339(param, text);
  if (!r.is_ok()) return cannot_parse(param, text, "a time (Unix nanoseconds or RFC 3339)");
  return r;
}

Result<TraceId> parse_trace_id(std::string_view param, std::string_view text) {
  auto id = TraceId::from_hex_padded(text);
  if (!id || id->is_zero())
    return cannot_parse(param, text, "a trace ID (1 to 32 hex digits, not all zero)");
  return *id;
}

Result<SpanKind> parse_span_kind_param(std::string_view param, std::string_view text) {
  SpanKind k;
  if (!parse_span_kind(text, &k)) return cannot_parse(param, text, "a span kind");
  return k;
}

Result<std::vector<TagCondition>> parse_tag_json(std::string_view param, std::string_view text) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject())
    return cannot_parse(param, text, "a JSON object of tags");
  std::vector<TagCondition> out;
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    TagCondition c;
    c.key.assign(it->name.GetString(), it->name.GetStringLength());
    if (it->value.IsString()) {
      c.value.assign(it->value.GetString(), it->value.GetStringLength());
    } else if (it->value.IsNumber() || it->value.IsBool()) {
      rapidjson::StringBuffer buf;
      rapidjson::Writer<rapidjson::StringBuffer> w(buf);
      it->value.Accept(w);
      c.value.assign(buf.GetString(), buf.GetSize());
    } else {
      return invalid_argument(std::string(param) + ": tag \"" + c.key +
                              "\" must have a string value");
    }
    out.push_back(std::move(c));
  }
  return out;
}

Result<std::vector<TagCondition>> parse_jaeger_tags(const std::vector<std::string>& tag,
                                                    const std::vector<std::string>& tags_json) {
  std::vector<TagCondition> out;
  for (const std::string& t : tag) {
    size_t colon = t.find(':');
    if (colon == std::string::npos || colon == 0)
      return invalid_argument("tag: expecting key:value, got \"" + t + "\"");
    out.push_back({t.substr(0, colon), t.substr(colon + 1)});
  }
  for (const std::string& j : tags_json) {
    WEFT_ASSIGN_OR_RETURN(auto parsed, parse_tag_json("tags", j));
    for (auto& c : parsed) out.push_back(std::move(c));
  }
  return out;
}

Result<TagCondition> parse_key_equals_value(std::string_view param, std::string_view text) {
  size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) return cannot_parse(param, text, "key=value");
  return TagCondition{std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
}

Result<AnnotationQuery> parse_annotation_query(std::string_view param, std::string_view text) {
  AnnotationQuery out;
  std::string_view rest = text;
  auto trim = [](std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
  };
  while (!rest.empty()) {
    size_t sep = rest.find(" and ");
    std::string_view term = trim(rest.substr(0, sep));
    rest = sep == std::string_view::npos ? std::string_view() : rest.substr(sep + 5);
    if (term.empty()) return cannot_parse(param, text, "an annotation query");
    size_t eq = term.find('=');
    if (eq == std::string_view::npos) {
      out.keys.emplace_back(term);
    } else {
      if (eq == 0) return cannot_parse(param, text, "an annotation query");
      out.tags.push_back({std::string(term.substr(0, eq)), std::string(term.substr(eq + 1))});
    }
  }
  return out;
}

}  // namespace weft::query
