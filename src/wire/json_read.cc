#include "wire/json_read.h"

#include <charconv>
#include <cmath>
#include <limits>

#include <rapidjson/error/en.h>

namespace weft::wire::json {

bool key_matches(std::string_view key, std::string_view camel) {
  size_t i = 0;
  for (char c : camel) {
    if (i >= key.size()) return false;
    if (c >= 'A' && c <= 'Z') {
      if (key[i] == c) {
        ++i;
        continue;
      }
      if (key[i] == '_' && i + 1 < key.size() && key[i + 1] == c - 'A' + 'a') {
        i += 2;
        continue;
      }
      return false;
    }
    if (key[i++] != c) return false;
  }
  return i == key.size();
}

bool parse(std::string_view text, rapidjson::Document* doc, std::string* error) {
  doc->Parse<rapidjson::kParseFullPrecisionFlag | rapidjson::kParseIterativeFlag>(text.data(),
                                                                                  text.size());
  if (!doc->HasParseError()) return true;
  *error = "invalid JSON at offset " + std::to_string(doc->GetErrorOffset()) + ": " +
           rapidjson::GetParseError_En(doc->GetParseError());
  return false;
}

std::string Path::str() const {
  std::string s;
  for (const Frame& f : frames_) {
    if (!s.empty()) s += '.';
    s += f.name;
    if (f.index >= 0) s += "[" + std::to_string(f.index) + "]";
  }
  return s;
}

std::string Path::member(std::string_view name) const {
  std::string s = str();
  if (name.empty()) return s;
  if (!s.empty()) s += '.';
  s += name;
  return s;
}

bool read_string(const Value& v, std::string* out) {
  if (!v.IsString()) return false;
  out->assign(v.GetString(), v.GetStringLength());
  return true;
}

namespace {
template <typename T>
bool parse_decimal(std::string_view s, T* out) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && !s.empty();
}
}  // namespace

bool read_uint64(const Value& v, uint64_t* out) {
  if (v.IsUint64()) {
    *out = v.GetUint64();
    return true;
  }
  if (v.IsDouble()) {  // 1.7e18 written by a JavaScript sender
    double d = v.GetDouble();
    if (d < 0 || d >= 18446744073709551616.0 || d != std::floor(d)) return false;
    *out = static_cast<uint64_t>(d);
    return true;
  }
  return v.IsString() && parse_decimal(view(v), out);
}

bool read_int64(const Value& v, int64_t* out) {
  if (v.IsInt64()) {
    *out = v.GetInt64();
    return true;
  }
  if (v.IsDouble()) {
    double d = v.GetDouble();
    if (d < -9223372036854775808.0 || d >= 9223372036854775808.0 || d != std::floor(d))
      return false;
    *out = static_cast<int64_t>(d);
    return true;
  }
  return v.IsString() && parse_decimal(view(v), out);
}

bool read_uint32(const Value& v, uint32_t* out) {
  uint64_t u;
  if (!read_uint64(v, &u) || u > std::numeric_limits<uint32_t>::max()) return false;
  *out = static_cast<uint32_t>(u);
  return true;
}

bool read_double(const Value& v, double* out) {
  if (v.IsNumber()) {
    *out = v.GetDouble();
    return true;
  }
  if (!v.IsString()) return false;
  std::string_view s = view(v);
  if (s == "NaN") {
    *out = std::numeric_limits<double>::quiet_NaN();
  } else if (s == "Infinity") {
    *out = std::numeric_limits<double>::infinity();
  } else if (s == "-Infinity") {
    *out = -std::numeric_limits<double>::infinity();
  } else {
    return parse_decimal(s, out);
  }
  return true;
}

bool read_bool(const Value& v, bool* out) {
  if (!v.IsBool()) return false;
  *out = v.GetBool();
  return true;
}

}  // namespace weft::wire::json
