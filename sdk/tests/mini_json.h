#pragma once
// A strict little JSON parser for tests (RFC 8259: no raw control characters in strings,
// only the standard escapes, nothing after the value). Numbers keep their text.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace weft::testing {

struct Json {
  enum Type { kNull, kBool, kNumber, kString, kArray, kObject } type = kNull;
  bool b = false;
  std::string text;  // string value, or a number's text
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> members;

  const Json* get(std::string_view key) const {
    for (const auto& [k, v] : members)
      if (k == key) return &v;
    return nullptr;
  }
  // String member or "" (numbers give their text).
  std::string str(std::string_view key) const {
    const Json* j = get(key);
    return j ? j->text : std::string();
  }
};

class JsonParser {
 public:
  explicit JsonParser(std::string_view s) : s_(s) {}
  // Parses one complete document.
  static bool Parse(std::string_view s, Json* out) {
    JsonParser p(s);
    if (!p.Value(out)) return false;
    p.Ws();
    return p.i_ == s.size();
  }

 private:
  void Ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }
  bool Lit(std::string_view w) {
    if (s_.substr(i_, w.size()) != w) return false;
    i_ += w.size();
    return true;
  }
  bool Value(Json* out) {
    Ws();
    if (i_ >= s_.size()) return false;
    const char c = s_[i_];
    if (c == '{') return Object(out);
    if (c == '[') return Array(out);
    if (c == '"') {
      out->type = Json::kString;
      return String(&out->text);
    }
    if (Lit("true")) return out->type = Json::kBool, out->b = true, true;
    if (Lit("false")) return out->type = Json::kBool, true;
    if (Lit("null")) return out->type = Json::kNull, true;
    return Number(out);
  }
  bool Number(Json* out) {
    const size_t start = i_;
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    auto digits = [&] {
      const size_t d = i_;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
      return i_ > d;
    };
    if (!digits()) return false;
    if (i_ < s_.size() && s_[i_] == '.' && (++i_, !digits())) return false;
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (!digits()) return false;
    }
    out->type = Json::kNumber;
    out->text = std::string(s_.substr(start, i_ - start));
    return true;
  }
  static void PutUtf8(std::string* o, uint32_t cp) {
    if (cp < 0x80) {
      o->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      o->push_back(static_cast<char>(0xC0 | cp >> 6));
      o->push_back(static_cast<char>(0x80 | (cp & 63)));
    } else if (cp < 0x10000) {
      o->push_back(static_cast<char>(0xE0 | cp >> 12));
      o->push_back(static_cast<char>(0x80 | ((cp >> 6) & 63)));
      o->push_back(static_cast<char>(0x80 | (cp & 63)));
    } else {
      o->push_back(static_cast<char>(0xF0 | cp >> 18));
      o->push_back(static_cast<char>(0x80 | ((cp >> 12) & 63)));
      o->push_back(static_cast<char>(0x80 | ((cp >> 6) & 63)));
      o->push_back(static_cast<char>(0x80 | (cp & 63)));
    }
  }
  bool Hex4(uint32_t* v) {
    if (i_ + 4 > s_.size()) return false;
    *v = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = s_[i_++];
      *v <<= 4;
      if (c >= '0' && c <= '9')
        *v |= c - '0';
      else if (c >= 'a' && c <= 'f')
        *v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        *v |= c - 'A' + 10;
      else
        return false;
    }
    return true;
  }
  bool String(std::string* out) {
    ++i_;  // "
    out->clear();
    while (i_ < s_.size()) {
      const unsigned char c = static_cast<unsigned char>(s_[i_++]);
      if (c == '"') return true;
      if (c < 0x20) return false;
      if (c != '\\') {
        out->push_back(static_cast<char>(c));
        continue;
      }
      if (i_ >= s_.size()) return false;
      const char e = s_[i_++];
      switch (e) {
        case '"':
          out->push_back('"');
          break;
        case '\\':
          out->push_back('\\');
          break;
        case '/':
          out->push_back('/');
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          uint32_t cp;
          if (!Hex4(&cp)) return false;
          if (cp >= 0xD800 && cp < 0xDC00) {
            uint32_t lo;
            if (!Lit("\\u") || !Hex4(&lo) || lo < 0xDC00 || lo > 0xDFFF) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          PutUtf8(out, cp);
          break;
        }
        default:
          return false;
      }
    }
    return false;
  }
  bool Array(Json* out) {
    ++i_;
    out->type = Json::kArray;
    Ws();
    if (i_ < s_.size() && s_[i_] == ']') return ++i_, true;
    for (;;) {
      Json v;
      if (!Value(&v)) return false;
      out->items.push_back(std::move(v));
      Ws();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      return i_ < s_.size() && s_[i_++] == ']';
    }
  }
  bool Object(Json* out) {
    ++i_;
    out->type = Json::kObject;
    Ws();
    if (i_ < s_.size() && s_[i_] == '}') return ++i_, true;
    for (;;) {
      Ws();
      std::string key;
      if (i_ >= s_.size() || s_[i_] != '"' || !String(&key)) return false;
      Ws();
      if (i_ >= s_.size() || s_[i_++] != ':') return false;
      Json v;
      if (!Value(&v)) return false;
      out->members.emplace_back(std::move(key), std::move(v));
      Ws();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      return i_ < s_.size() && s_[i_++] == '}';
    }
  }

  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace weft::testing
