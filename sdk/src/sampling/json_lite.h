#pragma once
// A small JSON reader private to the SDK (the installed package must not need RapidJSON):
// parses a document into a tree of JsonValue. Strict JSON (RFC 8259) apart from accepting
// a leading UTF-8 BOM; nesting is limited to 64 levels, so hostile input cannot exhaust the
// stack. Numbers are doubles (locale-independent). Meant for small documents such as remote
// sampling strategies, not for hot paths.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace weft::json {

class JsonValue {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_number() const { return type_ == Type::kNumber; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }

  bool as_bool() const { return bool_; }
  double as_number() const { return number_; }
  const std::string& as_string() const { return string_; }
  const std::vector<JsonValue>& items() const { return items_; }  // arrays
  const std::vector<std::pair<std::string, JsonValue>>& members() const { return members_; }

  // The first member named `key` of an object; null if absent or not an object.
  const JsonValue* Find(std::string_view key) const;
  // Find(key) if it is a number / string / object / array, else null.
  const JsonValue* FindNumber(std::string_view key) const;
  const JsonValue* FindString(std::string_view key) const;
  const JsonValue* FindObject(std::string_view key) const;
  const JsonValue* FindArray(std::string_view key) const;

 private:
  friend class Parser;
  Type type_ = Type::kNull;
  bool bool_ = false;
  double number_ = 0;
  std::string string_;
  std::vector<JsonValue> items_;
  std::vector<std::pair<std::string, JsonValue>> members_;
};

// Parses a whole document (surrounding whitespace allowed). On error returns false and sets
// *error to a message with the byte offset.
bool Parse(std::string_view text, JsonValue* out, std::string* error);

}  // namespace weft::json
