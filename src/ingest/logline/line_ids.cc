#include "logline/line_ids.h"

#include <xxhash.h>

#include <cstring>
#include <string>

namespace weft::logline {

using namespace weft::model;

namespace {

SpanId span_id_from_u64(uint64_t v) {
  if (v == 0) v = 1;
  SpanId id;
  for (int i = 7; i >= 0; --i) {
    id.bytes[static_cast<size_t>(i)] = static_cast<uint8_t>(v & 0xff);
    v >>= 8;
  }
  return id;
}

}  // namespace

TraceId trace_id_from_text(std::string_view text, bool* hashed) {
  if (auto id = TraceId::from_hex(text); id && !id->is_zero()) {
    *hashed = false;
    return *id;
  }
  *hashed = true;
  const XXH128_hash_t h = XXH3_128bits(text.data(), text.size());
  XXH128_canonical_t c;
  XXH128_canonicalFromHash(&c, h);
  TraceId id;
  std::memcpy(id.bytes.data(), c.digest, 16);
  if (id.is_zero()) id.bytes[15] = 1;
  return id;
}

SpanId span_id_from_text(std::string_view text, bool* hashed) {
  if (auto id = SpanId::from_hex(text); id && !id->is_zero()) {
    *hashed = false;
    return *id;
  }
  *hashed = true;
  return span_id_from_u64(XXH3_64bits(text.data(), text.size()));
}

SpanId derive_span_id(const TraceId& trace, std::string_view rpc_id, std::string_view role_key,
                      std::string_view suffix) {
  // Built on the stack when it fits (it nearly always does), else on the heap.
  const size_t n =
      16 + rpc_id.size() + 1 + role_key.size() + (suffix.empty() ? 0 : 1 + suffix.size());
  char stack[256];
  std::string heap;
  char* key = stack;
  if (n > sizeof stack) {
    heap.resize(n);
    key = heap.data();
  }
  char* p = key;
  auto put = [&p](std::string_view s) {
    if (!s.empty()) std::memcpy(p, s.data(), s.size());
    p += s.size();
  };
  put(trace.as_bytes());
  put(rpc_id);
  *p++ = '\0';
  put(role_key);
  if (!suffix.empty()) {
    *p++ = '\0';
    put(suffix);
  }
  return span_id_from_u64(XXH3_64bits(key, n));
}

uint64_t line_hash(std::string_view line) { return XXH3_64bits(line.data(), line.size()); }

}  // namespace weft::logline
