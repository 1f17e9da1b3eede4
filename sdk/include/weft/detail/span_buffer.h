#pragma once
// The buffer an open span writes into: a SpanRecord header and its data area. Buffers are
// allocated once and recycled through a per-thread free list, so a warm thread starts and
// ends spans without touching the heap. A buffer may end on another thread than it began;
// it then joins that thread's list.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>

#include "weft/attribute.h"
#include "weft/detail/proto.h"
#include "weft/span_record.h"

namespace weft::detail {

struct SpanBuffer {
  SpanBuffer* next_free;
  uint32_t capacity;  // bytes of data area
  uint32_t used;      // bytes written
  // Bytes kept free at the end of the data area: the status message waits there (in its
  // last status_message_len bytes) until End() encodes the status field.
  uint32_t reserved;
  uint32_t status_message_len;
  // The TSC at the span's start (0 = none): its end is measured from it (weft/clock.h).
  uint64_t start_tsc;
  SpanRecord rec;  // the data area follows immediately

  uint8_t* data() { return rec.data(); }
  uint8_t* cursor() { return rec.data() + used; }
  uint32_t room() const { return capacity - used - reserved; }
};

SpanBuffer* AllocateSpanBuffer(uint32_t capacity);  // out of line: the cold path
void FreeSpanBuffer(SpanBuffer* b);

struct SpanBufferPool {
  SpanBuffer* head = nullptr;
  uint32_t count = 0;
  ~SpanBufferPool() {
    while (head) FreeSpanBuffer(std::exchange(head, head->next_free));
  }
};
inline SpanBufferPool& span_buffer_pool() {
  static thread_local SpanBufferPool pool;
  return pool;
}
inline constexpr uint32_t kMaxPooledBuffers = 256;
// Kept free in every buffer so a status (code + a short message) always fits at End().
inline constexpr uint32_t kStatusReserve = 64;

inline SpanBuffer* AcquireSpanBuffer(uint32_t capacity) {
  SpanBufferPool& pool = span_buffer_pool();
  SpanBuffer* b = pool.head;
  if (b && b->capacity == capacity) [[likely]] {
    pool.head = b->next_free;
    --pool.count;
  } else {
    b = AllocateSpanBuffer(capacity);
  }
  b->used = 0;
  b->reserved = kStatusReserve;
  b->status_message_len = 0;
  return b;
}
inline void ReleaseSpanBuffer(SpanBuffer* b) {
  SpanBufferPool& pool = span_buffer_pool();
  if (pool.count >= kMaxPooledBuffers) {
    FreeSpanBuffer(b);
    return;
  }
  b->next_free = pool.head;
  pool.head = b;
  ++pool.count;
}

// --- encoding attribute values into the buffer ---

// Encoded size of an AnyValue message body for scalar types; 0 for the others.
inline uint32_t ScalarAnyValueSize(const AttrValue& v) {
  switch (v.type) {
    case AttrValue::kBool:
      return 2;
    case AttrValue::kInt:
      return 1 + VarintSize(static_cast<uint64_t>(v.i));
    case AttrValue::kDouble:
      return 9;
    case AttrValue::kString:
    case AttrValue::kBytes:
      return LenFieldSize(1, static_cast<uint32_t>(v.s.size()));
    default:
      return 0;
  }
}
inline uint8_t* PutScalarAnyValue(uint8_t* p, const AttrValue& v) {
  switch (v.type) {
    case AttrValue::kBool:
      p = PutTag(p, 2, kVarint);
      *p++ = v.b ? 1 : 0;
      return p;
    case AttrValue::kInt:
      return PutVarint(PutTag(p, 3, kVarint), static_cast<uint64_t>(v.i));
    case AttrValue::kDouble: {
      uint64_t bits;
      std::memcpy(&bits, &v.d, 8);
      return PutFixed64(p, 4, bits);
    }
    case AttrValue::kString:
      return PutString(p, 1, v.s);
    case AttrValue::kBytes:
      return PutString(p, 7, v.s);
    default:
      return p;
  }
}

// Out of line: arrays and owned Values. Returns false (writing nothing) if it does not fit.
bool PutComplexKeyValue(SpanBuffer* b, uint32_t field, std::string_view key, const AttrValue& v);

// Appends KeyValue{key, value} as field `field`. Returns false, writing nothing, when the
// buffer has no room (the caller counts a dropped attribute).
inline bool PutKeyValue(SpanBuffer* b, uint32_t field, std::string_view key, const AttrValue& v) {
  const uint32_t any = ScalarAnyValueSize(v);
  if (any == 0 && v.type != AttrValue::kString && v.type != AttrValue::kBytes)
    return PutComplexKeyValue(b, field, key, v);
  const uint32_t kv = LenFieldSize(1, static_cast<uint32_t>(key.size())) + LenFieldSize(2, any);
  const uint32_t total = LenFieldSize(field, kv);
  if (total > b->room()) [[unlikely]]
    return false;
  uint8_t* p = PutLenHeader(b->cursor(), field, kv);
  p = PutString(p, 1, key);
  p = PutLenHeader(p, 2, any);
  p = PutScalarAnyValue(p, v);
  b->used = static_cast<uint32_t>(p - b->data());
  return true;
}

// Typed fast paths (the type is known at compile time, so there is no switch).
// KeyValue{key = 1, value = 2: AnyValue{<field> = v}} as span field 9.
// Always inlined into SetAttribute: with a literal key (and a bool or double value) every
// size folds to a constant, and the key copy to a few fixed-size moves.
[[gnu::always_inline]] inline bool PutKeyValueHeader(SpanBuffer* b, uint32_t field,
                                                     std::string_view key, uint32_t any,
                                                     uint8_t** out) {
  const uint32_t klen = static_cast<uint32_t>(key.size());
  const uint32_t kv = 1 + VarintSize(klen) + klen + 1 + VarintSize(any) + any;
  if (kv + 1 + VarintSize(kv) > b->room()) [[unlikely]]
    return false;
  uint8_t* p = PutLenHeader(b->cursor(), field, kv);
  p = PutLenHeader(p, 1, klen);
  std::memcpy(p, key.data(), klen);
  *out = PutLenHeader(p + klen, 2, any);
  return true;
}
[[gnu::always_inline]] inline bool PutIntKeyValue(SpanBuffer* b, uint32_t field,
                                                  std::string_view key, int64_t v) {
  uint8_t* p;
  const uint64_t u = static_cast<uint64_t>(v);
  if (!PutKeyValueHeader(b, field, key, 1 + VarintSize(u), &p)) return false;
  *p++ = 3 << 3;
  b->used = static_cast<uint32_t>(PutVarint(p, u) - b->data());
  return true;
}
[[gnu::always_inline]] inline bool PutBoolKeyValue(SpanBuffer* b, uint32_t field,
                                                   std::string_view key, bool v) {
  uint8_t* p;
  if (!PutKeyValueHeader(b, field, key, 2, &p)) return false;
  p[0] = 2 << 3;
  p[1] = v ? 1 : 0;
  b->used = static_cast<uint32_t>(p + 2 - b->data());
  return true;
}
[[gnu::always_inline]] inline bool PutDoubleKeyValue(SpanBuffer* b, uint32_t field,
                                                     std::string_view key, double v) {
  uint8_t* p;
  if (!PutKeyValueHeader(b, field, key, 9, &p)) return false;
  p[0] = 4 << 3 | kFixed64;
  std::memcpy(p + 1, &v, 8);
  b->used = static_cast<uint32_t>(p + 9 - b->data());
  return true;
}
[[gnu::always_inline]] inline bool PutStringKeyValue(SpanBuffer* b, uint32_t field,
                                                     std::string_view key, std::string_view v) {
  uint8_t* p;
  const uint32_t len = static_cast<uint32_t>(v.size());
  if (!PutKeyValueHeader(b, field, key, 1 + VarintSize(len) + len, &p)) return false;
  p = PutLenHeader(p, 1, len);
  std::memcpy(p, v.data(), len);
  b->used = static_cast<uint32_t>(p + len - b->data());
  return true;
}

inline bool PutStringField(SpanBuffer* b, uint32_t field, std::string_view s) {
  if (LenFieldSize(field, static_cast<uint32_t>(s.size())) > b->room()) return false;
  b->used = static_cast<uint32_t>(PutString(b->cursor(), field, s) - b->data());
  return true;
}

}  // namespace weft::detail

namespace weft::detail {
// Sizes and writers for any AttrValue (out of line; used for events, links and arrays).
uint32_t AnyValueSize(const AttrValue& v);
uint8_t* PutAnyValue(uint8_t* p, const AttrValue& v);
uint32_t KeyValueSize(std::string_view key, const AttrValue& v);  // KeyValue body
uint8_t* PutKeyValueBody(uint8_t* p, std::string_view key, const AttrValue& v);
}  // namespace weft::detail
