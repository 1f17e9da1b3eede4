// The TextMapCarrier implementations. HTTP headers, maps and gRPC metadata match names
// case-insensitively; message-queue headers match exactly; URL query parameters match
// case-insensitively on the percent-decoded name. Values returned by Get and Keys are views
// into the carrier's storage, valid until the next Set.
// With several entries of one name, Get returns the first (the carriers do not join
// repeated headers: that would need storage the string_view results cannot own).
#include "propagation/util.h"
#include "weft/propagation.h"

namespace weft {

using propagation::IEquals;

// --- HttpHeaderCarrier ---

std::string_view HttpHeaderCarrier::Get(std::string_view key) const {
  for (const auto& [k, v] : headers_)
    if (IEquals(k, key)) return v;
  return {};
}

void HttpHeaderCarrier::Set(std::string_view key, std::string_view value) {
  for (auto& [k, v] : headers_)
    if (IEquals(k, key)) {
      v.assign(value);
      return;
    }
  headers_.emplace_back(std::string(key), std::string(value));
}

std::vector<std::string_view> HttpHeaderCarrier::Keys() const {
  std::vector<std::string_view> keys;
  keys.reserve(headers_.size());
  for (const auto& h : headers_) keys.emplace_back(h.first);
  return keys;
}

// --- MapCarrier ---

std::string_view MapCarrier::Get(std::string_view key) const {
  if (auto it = map_.find(std::string(key)); it != map_.end()) return it->second;
  for (const auto& [k, v] : map_)
    if (IEquals(k, key)) return v;
  return {};
}

void MapCarrier::Set(std::string_view key, std::string_view value) {
  for (auto& [k, v] : map_)
    if (IEquals(k, key)) {
      v.assign(value);
      return;
    }
  map_.emplace(std::string(key), std::string(value));
}

std::vector<std::string_view> MapCarrier::Keys() const {
  std::vector<std::string_view> keys;
  keys.reserve(map_.size());
  for (const auto& kv : map_) keys.emplace_back(kv.first);
  return keys;
}

// --- GrpcMetadataCarrier ---

std::string_view GrpcMetadataCarrier::Get(std::string_view key) const {
  if (auto it = md_.find(propagation::ToLowerAscii(key)); it != md_.end()) return it->second;
  for (const auto& [k, v] : md_)  // metadata copied in by hand may not be lowercase
    if (IEquals(k, key)) return v;
  return {};
}

void GrpcMetadataCarrier::Set(std::string_view key, std::string_view value) {
  std::string lower = propagation::ToLowerAscii(key);
  for (auto it = md_.begin(); it != md_.end();) {
    if (IEquals(it->first, lower))
      it = md_.erase(it);
    else
      ++it;
  }
  md_.emplace(std::move(lower), std::string(value));
}

std::vector<std::string_view> GrpcMetadataCarrier::Keys() const {
  std::vector<std::string_view> keys;
  keys.reserve(md_.size());
  for (const auto& kv : md_) keys.emplace_back(kv.first);
  return keys;
}

// --- MessageHeaderCarrier ---

std::string_view MessageHeaderCarrier::Get(std::string_view key) const {
  for (const auto& [k, v] : headers_)
    if (k == key) return v;
  return {};
}

void MessageHeaderCarrier::Set(std::string_view key, std::string_view value) {
  for (auto& [k, v] : headers_)
    if (k == key) {
      v.assign(value);
      return;
    }
  headers_.emplace_back(std::string(key), std::string(value));
}

std::vector<std::string_view> MessageHeaderCarrier::Keys() const {
  std::vector<std::string_view> keys;
  keys.reserve(headers_.size());
  for (const auto& h : headers_) keys.emplace_back(h.first);
  return keys;
}

// --- UrlQueryCarrier ---
// The query is what follows the first '?' up to a '#'; parameters are separated by '&' (and
// ';' is not a separator); a parameter without '=' has an empty value. Names and values are
// percent-decoded with '+' as a space. Set percent-encodes both and rewrites the target:
// the first parameter of that (decoded, case-insensitive) name gets the new value (its name
// kept as written), others of the same name are removed; otherwise "name=value" is appended before
// any fragment.

namespace {

struct QueryBounds {
  size_t begin;  // first character of the query (after '?'), or npos when there is no '?'
  size_t end;    // one past the last character of the query ('#' or size)
};

QueryBounds FindQuery(std::string_view target) {
  const size_t hash = target.find('#');
  const size_t end = hash == std::string_view::npos ? target.size() : hash;
  const size_t q = target.substr(0, end).find('?');
  return {q == std::string_view::npos ? std::string_view::npos : q + 1, end};
}

std::string Decode(std::string_view s) {
  std::string out;
  propagation::PercentDecode(s, /*plus_is_space=*/true, /*strict=*/false, &out);
  return out;
}

// Calls f(raw_begin, raw_end, decoded_name, raw_value) for each parameter.
template <typename F>
void ForEachParam(std::string_view target, F&& f) {
  const QueryBounds b = FindQuery(target);
  if (b.begin == std::string_view::npos) return;
  size_t pos = b.begin;
  while (pos <= b.end) {
    size_t amp = target.find('&', pos);
    if (amp == std::string_view::npos || amp > b.end) amp = b.end;
    const std::string_view param = target.substr(pos, amp - pos);
    if (!param.empty()) {
      const size_t eq = param.find('=');
      const std::string_view name = param.substr(0, eq);
      const std::string_view value =
          eq == std::string_view::npos ? std::string_view() : param.substr(eq + 1);
      f(pos, amp, Decode(name), value);
    }
    pos = amp + 1;
  }
}

}  // namespace

UrlQueryCarrier::UrlQueryCarrier(std::string& target) : target_(target) { reparse(); }

void UrlQueryCarrier::reparse() {
  decoded_.clear();
  ForEachParam(target_, [this](size_t, size_t, std::string name, std::string_view value) {
    decoded_.emplace_back(std::move(name), Decode(value));
  });
}

std::string_view UrlQueryCarrier::Get(std::string_view key) const {
  for (const auto& [k, v] : decoded_)
    if (IEquals(k, key)) return v;
  return {};
}

void UrlQueryCarrier::Set(std::string_view key, std::string_view value) {
  const std::string param =
      propagation::PercentEncode(key) + "=" + propagation::PercentEncode(value);
  // Raw ranges of the parameters named `key`, in order.
  std::vector<std::pair<size_t, size_t>> hits;
  ForEachParam(target_, [&](size_t begin, size_t end, const std::string& name, std::string_view) {
    if (IEquals(name, key)) hits.emplace_back(begin, end);
  });
  if (hits.empty()) {
    const std::string param =
        propagation::PercentEncode(key) + "=" + propagation::PercentEncode(value);
    const QueryBounds b = FindQuery(target_);
    if (b.begin == std::string_view::npos) {
      target_.insert(b.end, "?" + param);
    } else {
      const bool needs_amp = b.end > b.begin && target_[b.end - 1] != '&';
      target_.insert(b.end, (needs_amp ? "&" : "") + param);
    }
  } else {
    // Back to front so earlier offsets stay valid; the first hit gets the new value.
    for (size_t i = hits.size(); i-- > 1;) {
      auto [begin, end] = hits[i];
      // Remove "&name=value" (the separator before it; the first hit precedes it).
      target_.erase(begin - 1, end - begin + 1);
    }
    // Keep the name as written; replace only the value.
    const auto [begin, end] = hits[0];
    const size_t eq = target_.find('=', begin);
    if (eq == std::string::npos || eq >= end)
      target_.insert(end, "=" + propagation::PercentEncode(value));
    else
      target_.replace(eq + 1, end - eq - 1, propagation::PercentEncode(value));
  }
  reparse();
}

std::vector<std::string_view> UrlQueryCarrier::Keys() const {
  std::vector<std::string_view> keys;
  keys.reserve(decoded_.size());
  for (const auto& kv : decoded_) keys.emplace_back(kv.first);
  return keys;
}

}  // namespace weft
