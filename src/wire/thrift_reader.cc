#include "wire/thrift_reader.h"

namespace weft::wire::thrift {

std::string type_name(Type t) {
  switch (t) {
    case Type::kStop:
      return "stop";
    case Type::kVoid:
      return "void";
    case Type::kBool:
      return "bool";
    case Type::kByte:
      return "byte";
    case Type::kDouble:
      return "double";
    case Type::kI16:
      return "i16";
    case Type::kI32:
      return "i32";
    case Type::kI64:
      return "i64";
    case Type::kString:
      return "string";
    case Type::kStruct:
      return "struct";
    case Type::kMap:
      return "map";
    case Type::kSet:
      return "set";
    case Type::kList:
      return "list";
    case Type::kUuid:
      return "uuid";
  }
  return "type " + std::to_string(static_cast<int>(t));
}

bool Reader::fail(const std::string& what) {
  if (error_.empty()) error_ = "at byte " + std::to_string(offset()) + ": " + what;
  return false;
}

bool Reader::take(size_t n, const char* what, const char** out) {
  if (!error_.empty()) return false;
  if (remaining() < n) {
    return fail(std::string("truncated ") + what + " (needs " + std::to_string(n) + " bytes, " +
                std::to_string(remaining()) + " left)");
  }
  *out = p_;
  p_ += n;
  return true;
}

bool Reader::enter() {
  if (!error_.empty()) return false;
  if (depth_ >= kMaxDepth)
    return fail("structs and containers nested more than " + std::to_string(kMaxDepth) +
                " deep");
  ++depth_;
  return true;
}

bool Reader::check_count(int64_t count, size_t min_bytes, const char* what) {
  if (count < 0) return fail(std::string(what) + " with a negative size " + std::to_string(count));
  if (static_cast<uint64_t>(count) > remaining() / min_bytes) {
    return fail(std::string(what) + " of " + std::to_string(count) +
                " elements cannot fit in the " + std::to_string(remaining()) + " bytes left");
  }
  return true;
}

bool Reader::read_uuid(std::string_view* v) {
  const char* p;
  if (!take(16, "uuid", &p)) return false;
  *v = std::string_view(p, 16);
  return true;
}

bool Reader::skip(Type t) {
  switch (t) {
    case Type::kBool: {
      bool b;
      return read_bool(&b);
    }
    case Type::kByte: {
      int8_t b;
      return read_byte(&b);
    }
    case Type::kI16: {
      int16_t v;
      return read_i16(&v);
    }
    case Type::kI32: {
      int32_t v;
      return read_i32(&v);
    }
    case Type::kI64: {
      int64_t v;
      return read_i64(&v);
    }
    case Type::kDouble: {
      double v;
      return read_double(&v);
    }
    case Type::kString: {
      std::string_view v;
      return read_binary(&v);
    }
    case Type::kUuid: {
      std::string_view v;
      return read_uuid(&v);
    }
    case Type::kStruct: {
      if (!struct_begin()) return false;
      for (;;) {
        Type ft;
        int16_t id;
        if (!field_begin(&ft, &id)) return false;
        if (ft == Type::kStop) break;
        if (!skip(ft)) return false;
      }
      return struct_end();
    }
    case Type::kList:
    case Type::kSet: {
      Type et;
      uint32_t n;
      if (!list_begin(&et, &n)) return false;
      for (uint32_t i = 0; i < n; ++i)
        if (!skip(et)) return false;
      container_end();
      return true;
    }
    case Type::kMap: {
      Type kt, vt;
      uint32_t n;
      if (!map_begin(&kt, &vt, &n)) return false;
      for (uint32_t i = 0; i < n; ++i)
        if (!skip(kt) || !skip(vt)) return false;
      container_end();
      return true;
    }
    case Type::kStop:
    case Type::kVoid:
      break;
  }
  return fail("cannot skip a value of type " + type_name(t));
}

}  // namespace weft::wire::thrift
