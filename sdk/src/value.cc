#include "weft/value.h"

#include <cstdio>

namespace weft {

std::string Value::ToString() const {
  struct Visitor {
    std::string operator()(std::monostate) const { return "null"; }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", d);
      return buf;
    }
    std::string operator()(const std::string& s) const { return '"' + s + '"'; }
    std::string operator()(const Bytes& b) const {
      return "bytes(" + std::to_string(b.data.size()) + ")";
    }
    std::string operator()(const ValueArray& a) const {
      std::string out = "[";
      for (size_t i = 0; i < a.size(); ++i) out += (i ? "," : "") + a[i].ToString();
      return out + "]";
    }
    std::string operator()(const KeyValueList& kv) const {
      std::string out = "{";
      for (size_t i = 0; i < kv.size(); ++i)
        out += (i ? ",\"" : "\"") + kv[i].first + "\":" + kv[i].second.ToString();
      return out + "}";
    }
  };
  return std::visit(Visitor{}, v);
}

}  // namespace weft
