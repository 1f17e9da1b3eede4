// Span buffers and the encoding of attribute values that are not scalars.
#include <cstdlib>
#include <new>

#include "weft/detail/span_buffer.h"

namespace weft::detail {

SpanBuffer* AllocateSpanBuffer(uint32_t capacity) {
  void* p = ::operator new (sizeof(SpanBuffer) + capacity, std::align_val_t{64});
  auto* b = static_cast<SpanBuffer*>(p);
  b->next_free = nullptr;
  b->capacity = capacity;
  b->used = 0;
  return b;
}

void FreeSpanBuffer(SpanBuffer* b) { ::operator delete (b, std::align_val_t{64}); }

namespace {

uint32_t ValueSize(const Value& v);

uint32_t KeyValueBodySize(std::string_view key, uint32_t any_size) {
  return LenFieldSize(1, static_cast<uint32_t>(key.size())) + LenFieldSize(2, any_size);
}

// AnyValue body size of an owned Value.
uint32_t ValueSize(const Value& v) {
  struct Visitor {
    uint32_t operator()(std::monostate) const { return 0; }
    uint32_t operator()(bool) const { return 2; }
    uint32_t operator()(int64_t i) const { return 1 + VarintSize(static_cast<uint64_t>(i)); }
    uint32_t operator()(double) const { return 9; }
    uint32_t operator()(const std::string& s) const {
      return LenFieldSize(1, static_cast<uint32_t>(s.size()));
    }
    uint32_t operator()(const Bytes& b) const {
      return LenFieldSize(7, static_cast<uint32_t>(b.data.size()));
    }
    uint32_t operator()(const ValueArray& a) const {
      uint32_t n = 0;
      for (const Value& e : a) n += LenFieldSize(1, ValueSize(e));
      return LenFieldSize(5, n);
    }
    uint32_t operator()(const KeyValueList& kv) const {
      uint32_t n = 0;
      for (const auto& [k, e] : kv) n += LenFieldSize(1, KeyValueBodySize(k, ValueSize(e)));
      return LenFieldSize(6, n);
    }
  };
  return std::visit(Visitor{}, v.v);
}

uint8_t* PutValue(uint8_t* p, const Value& v) {
  struct Visitor {
    uint8_t* p;
    uint8_t* operator()(std::monostate) const { return p; }
    uint8_t* operator()(bool b) const {
      uint8_t* q = PutTag(p, 2, kVarint);
      *q++ = b ? 1 : 0;
      return q;
    }
    uint8_t* operator()(int64_t i) const {
      return PutVarint(PutTag(p, 3, kVarint), static_cast<uint64_t>(i));
    }
    uint8_t* operator()(double d) const {
      uint64_t bits;
      std::memcpy(&bits, &d, 8);
      return PutFixed64(p, 4, bits);
    }
    uint8_t* operator()(const std::string& s) const { return PutString(p, 1, s); }
    uint8_t* operator()(const Bytes& b) const { return PutString(p, 7, b.data); }
    uint8_t* operator()(const ValueArray& a) const {
      uint32_t n = 0;
      for (const Value& e : a) n += LenFieldSize(1, ValueSize(e));
      uint8_t* q = PutLenHeader(p, 5, n);
      for (const Value& e : a) q = PutValue(PutLenHeader(q, 1, ValueSize(e)), e);
      return q;
    }
    uint8_t* operator()(const KeyValueList& kv) const {
      uint32_t n = 0;
      for (const auto& [k, e] : kv) n += LenFieldSize(1, KeyValueBodySize(k, ValueSize(e)));
      uint8_t* q = PutLenHeader(p, 6, n);
      for (const auto& [k, e] : kv) {
        const uint32_t es = ValueSize(e);
        q = PutLenHeader(q, 1, KeyValueBodySize(k, es));
        q = PutString(q, 1, k);
        q = PutValue(PutLenHeader(q, 2, es), e);
      }
      return q;
    }
  };
  return std::visit(Visitor{p}, v.v);
}

}  // namespace

uint32_t AnyValueSize(const AttrValue& v) {
  switch (v.type) {
    case AttrValue::kBoolArray: {
      uint32_t n = 0;
      for (size_t i = 0; i < v.ba.size(); ++i) n += LenFieldSize(1, 2);
      return LenFieldSize(5, n);
    }
    case AttrValue::kIntArray: {
      uint32_t n = 0;
      for (int64_t x : v.ia) n += LenFieldSize(1, 1 + VarintSize(static_cast<uint64_t>(x)));
      return LenFieldSize(5, n);
    }
    case AttrValue::kDoubleArray:
      return LenFieldSize(5, static_cast<uint32_t>(v.da.size()) * LenFieldSize(1, 9));
    case AttrValue::kStringArray: {
      uint32_t n = 0;
      for (std::string_view s : v.sa)
        n += LenFieldSize(1, LenFieldSize(1, static_cast<uint32_t>(s.size())));
      return LenFieldSize(5, n);
    }
    case AttrValue::kValue:
      return ValueSize(*v.v);
    default:
      return ScalarAnyValueSize(v);
  }
}

uint8_t* PutAnyValue(uint8_t* p, const AttrValue& v) {
  switch (v.type) {
    case AttrValue::kBoolArray: {
      p = PutLenHeader(p, 5, AnyValueSize(v) - LenFieldSize(5, 0));
      for (bool x : v.ba) p = PutScalarAnyValue(PutLenHeader(p, 1, 2), AttrValue(x));
      return p;
    }
    case AttrValue::kIntArray:
    case AttrValue::kDoubleArray:
    case AttrValue::kStringArray: {
      // Body length = total - tag - length-varint; recompute it directly.
      uint32_t n = 0;
      if (v.type == AttrValue::kIntArray)
        for (int64_t x : v.ia) n += LenFieldSize(1, 1 + VarintSize(static_cast<uint64_t>(x)));
      else if (v.type == AttrValue::kDoubleArray)
        n = static_cast<uint32_t>(v.da.size()) * LenFieldSize(1, 9);
      else
        for (std::string_view s : v.sa)
          n += LenFieldSize(1, LenFieldSize(1, static_cast<uint32_t>(s.size())));
      p = PutLenHeader(p, 5, n);
      if (v.type == AttrValue::kIntArray)
        for (int64_t x : v.ia)
          p = PutScalarAnyValue(PutLenHeader(p, 1, 1 + VarintSize(static_cast<uint64_t>(x))),
                                AttrValue(x));
      else if (v.type == AttrValue::kDoubleArray)
        for (double x : v.da) p = PutScalarAnyValue(PutLenHeader(p, 1, 9), AttrValue(x));
      else
        for (std::string_view s : v.sa)
          p = PutString(PutLenHeader(p, 1, LenFieldSize(1, static_cast<uint32_t>(s.size()))), 1, s);
      return p;
    }
    case AttrValue::kValue:
      return PutValue(p, *v.v);
    default:
      return PutScalarAnyValue(p, v);
  }
}

uint32_t KeyValueSize(std::string_view key, const AttrValue& v) {
  return KeyValueBodySize(key, AnyValueSize(v));
}

uint8_t* PutKeyValueBody(uint8_t* p, std::string_view key, const AttrValue& v) {
  p = PutString(p, 1, key);
  return PutAnyValue(PutLenHeader(p, 2, AnyValueSize(v)), v);
}

bool PutComplexKeyValue(SpanBuffer* b, uint32_t field, std::string_view key, const AttrValue& v) {
  const uint32_t kv = KeyValueSize(key, v);
  if (LenFieldSize(field, kv) > b->room()) return false;
  uint8_t* p = PutLenHeader(b->cursor(), field, kv);
  p = PutKeyValueBody(p, key, v);
  b->used = static_cast<uint32_t>(p - b->data());
  return true;
}

}  // namespace weft::detail
