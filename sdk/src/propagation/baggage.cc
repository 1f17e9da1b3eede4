// W3C Baggage: the `baggage` header.
//
//   baggage-string = list-member 0*179( OWS "," OWS list-member )
//   list-member    = key OWS "=" OWS value *( OWS ";" OWS property )
//   property       = key OWS "=" OWS value / key OWS
//   key = RFC 7230 token; value = *baggage-octet (percent-encoded UTF-8)
//
// Extract keeps every valid list-member and skips (and counts as malformed) each invalid
// one; empty members (",,") are skipped silently. Values are percent-decoded; properties are
// kept verbatim (trimmed, without the leading ';'). Only the first kMaxBaggageBytes of the
// header and the first kMaxMembers members are read; anything beyond is dropped and counted
// once. Incoming entries are merged over base's baggage (incoming wins; for a key repeated
// in the header the last one wins). Inject writes every entry with its value
// percent-encoded, within the same limits (entries with an invalid key are not sent).
#include <vector>

#include "propagation/util.h"
#include "weft/propagation.h"

namespace weft {
namespace {

using namespace propagation;

constexpr std::string_view kHeader = "baggage";
constexpr size_t kMaxMembers = 180;
constexpr size_t kMaxBaggageBytes = 8192;

// baggage-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E
bool IsBaggageValue(std::string_view s) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x21 || c > 0x7e || c == '"' || c == ',' || c == ';' || c == '\\') return false;
  }
  return true;
}

bool ValidProperty(std::string_view p) {
  p = TrimOws(p);
  const size_t eq = p.find('=');
  if (eq == std::string_view::npos) return IsToken(p);
  return IsToken(TrimOws(p.substr(0, eq))) && IsBaggageValue(TrimOws(p.substr(eq + 1)));
}

// ";"-separated properties (without the leading ';').
bool ValidProperties(std::string_view props) {
  for (std::string_view rest = props;;) {
    const size_t next = rest.find(';');
    if (!ValidProperty(rest.substr(0, next))) return false;
    if (next == std::string_view::npos) return true;
    rest = rest.substr(next + 1);
  }
}

// One list-member into *entry; false if it is not valid per the grammar above.
bool ParseMember(std::string_view m, Baggage::Entry* entry) {
  std::string_view kv = m, props;
  if (const size_t semi = m.find(';'); semi != std::string_view::npos) {
    kv = m.substr(0, semi);
    props = TrimOws(m.substr(semi + 1));
    if (!ValidProperties(props)) return false;
  }
  const size_t eq = kv.find('=');
  if (eq == std::string_view::npos) return false;
  const std::string_view key = TrimOws(kv.substr(0, eq)), value = TrimOws(kv.substr(eq + 1));
  if (!IsToken(key) || !IsBaggageValue(value)) return false;
  std::string decoded;
  if (!PercentDecode(value, /*plus_is_space=*/false, /*strict=*/true, &decoded)) return false;
  entry->key.assign(key);
  entry->value = std::move(decoded);
  entry->properties.assign(props);
  return true;
}

class W3CBaggage final : public Propagator {
 public:
  Context Extract(const TextMapCarrier& carrier, const Context& base) const override {
    std::string_view header = carrier.Get(kHeader);
    if (TrimOws(header).empty()) return base;
    bool malformed = false, truncated = false;
    if (header.size() > kMaxBaggageBytes) {
      // Keep only whole members inside the limit.
      const size_t cut = header.rfind(',', kMaxBaggageBytes);
      header = header.substr(0, cut == std::string_view::npos ? 0 : cut);
      truncated = true;
    }
    std::vector<Baggage::Entry> incoming;
    size_t members = 0;
    for (std::string_view rest = header;;) {
      const size_t comma = rest.find(',');
      const std::string_view m = TrimOws(rest.substr(0, comma));
      if (!m.empty()) {
        if (++members > kMaxMembers) {
          truncated = true;
          break;
        }
        Baggage::Entry e;
        if (ParseMember(m, &e))
          incoming.push_back(std::move(e));
        else
          malformed = true;
      }
      if (comma == std::string_view::npos) break;
      rest = rest.substr(comma + 1);
    }
    if (malformed || truncated) CountMalformed();
    if (incoming.empty()) return base;
    Baggage merged = base.baggage() ? *base.baggage() : Baggage();
    for (auto& e : incoming)
      merged = merged.With(std::move(e.key), std::move(e.value), std::move(e.properties));
    return base.WithBaggage(std::move(merged));
  }

  void Inject(const Context& context, TextMapCarrier& carrier) const override {
    const Baggage* b = context.baggage();
    if (!b || b->empty()) return;
    std::string out;
    size_t n = 0;
    for (const auto& e : b->entries()) {
      if (!IsToken(e.key) || n == kMaxMembers) continue;
      std::string member = e.key + "=" + PercentEncode(e.value);
      if (!e.properties.empty() && ValidProperties(e.properties)) member += ";" + e.properties;
      if (out.size() + (out.empty() ? 0 : 1) + member.size() > kMaxBaggageBytes) continue;
      if (!out.empty()) out.push_back(',');
      out += member;
      ++n;
    }
    if (!out.empty()) carrier.Set(kHeader, out);
  }

  std::vector<std::string> Fields() const override { return {std::string(kHeader)}; }
};

}  // namespace

std::shared_ptr<Propagator> W3CBaggagePropagator() {
  static const auto p = std::make_shared<W3CBaggage>();
  return p;
}

}  // namespace weft
