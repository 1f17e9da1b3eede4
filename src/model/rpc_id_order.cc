#include "model/rpc_id_order.h"

namespace weft::model {

namespace {

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// Numeric comparison of two digit strings of any length.
int compare_numbers(std::string_view a, std::string_view b) {
  while (a.size() > 1 && a.front() == '0') a.remove_prefix(1);
  while (b.size() > 1 && b.front() == '0') b.remove_prefix(1);
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  int c = a.compare(b);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

std::string_view next_component(std::string_view* rest) {
  size_t dot = rest->find('.');
  std::string_view c = rest->substr(0, dot);
  rest->remove_prefix(dot == std::string_view::npos ? rest->size() : dot + 1);
  return c;
}

}  // namespace

int compare_rpc_ids(std::string_view a, std::string_view b) {
  while (!a.empty() && !b.empty()) {
    std::string_view ca = next_component(&a), cb = next_component(&b);
    const bool na = all_digits(ca), nb = all_digits(cb);
    int c;
    if (na && nb) {
      c = compare_numbers(ca, cb);
    } else if (na != nb) {
      c = na ? -1 : 1;
    } else {
      int t = ca.compare(cb);
      c = t < 0 ? -1 : t > 0 ? 1 : 0;
    }
    if (c != 0) return c;
  }
  if (a.empty() && b.empty()) return 0;
  return a.empty() ? -1 : 1;
}

bool split_rpc_id(std::string_view id, std::string_view* parent, uint32_t* last) {
  const size_t dot = id.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  std::string_view tail = id.substr(dot + 1);
  if (!all_digits(tail) || tail.size() > 9) return false;
  uint32_t n = 0;
  for (char c : tail) n = n * 10 + static_cast<uint32_t>(c - '0');
  *parent = id.substr(0, dot);
  *last = n;
  return true;
}

}  // namespace weft::model
