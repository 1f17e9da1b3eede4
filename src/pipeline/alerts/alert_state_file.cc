#include "alerts/alert_state_file.h"

#include <charconv>

namespace weft::pipeline::alerts {

namespace {

constexpr std::string_view kHeader = "weft-alert-state 1";

// The next space-separated field of `line`, consumed; empty if none.
std::string_view next_field(std::string_view& line) {
  const size_t sp = line.find(' ');
  std::string_view f = line.substr(0, sp);
  line = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
  return f;
}

bool parse_u64(std::string_view s, uint64_t* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

}  // namespace

std::string encode_alert_states(const std::vector<SavedAlert>& alerts) {
  std::string out(kHeader);
  out += '\n';
  for (const SavedAlert& a : alerts) {
    if (a.rule.empty() || a.rule.find_first_of("\r\n") != std::string::npos) continue;
    out += alert_state_name(a.state);
    for (uint64_t t : {a.active_at_ns, a.fired_at_ns, a.resolved_at_ns}) {
      out += ' ';
      out += std::to_string(t);
    }
    out += ' ';
    if (a.exemplars.empty()) out += '-';
    for (size_t i = 0; i < a.exemplars.size(); ++i) {
      if (i) out += ',';
      out += a.exemplars[i].to_hex();
    }
    out += ' ';
    out += a.rule;
    out += '\n';
  }
  return out;
}

Result<std::vector<SavedAlert>> decode_alert_states(std::string_view text) {
  std::vector<SavedAlert> out;
  size_t line_no = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    if (nl == std::string_view::npos) return data_loss("alert state: the last line is cut short");
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    ++line_no;
    auto bad = [&](const char* what) {
      return data_loss("alert state line " + std::to_string(line_no) + ": " + what);
    };
    if (line_no == 1) {
      if (line != kHeader) return bad("not \"weft-alert-state 1\"");
      continue;
    }
    SavedAlert a;
    const std::string_view state = next_field(line);
    if (state == "inactive") a.state = AlertState::kInactive;
    else if (state == "pending") a.state = AlertState::kPending;
    else if (state == "firing") a.state = AlertState::kFiring;
    else return bad("unknown state");
    for (uint64_t* t : {&a.active_at_ns, &a.fired_at_ns, &a.resolved_at_ns})
      if (!parse_u64(next_field(line), t)) return bad("a time is not a whole number");
    std::string_view ids = next_field(line);
    if (ids != "-") {
      while (!ids.empty()) {
        const size_t comma = ids.find(',');
        auto id = model::TraceId::from_hex(ids.substr(0, comma));
        if (!id) return bad("an exemplar is not a 32-hex trace ID");
        a.exemplars.push_back(*id);
        ids = comma == std::string_view::npos ? std::string_view() : ids.substr(comma + 1);
      }
    }
    if (line.empty()) return bad("no rule name");
    a.rule = std::string(line);
    out.push_back(std::move(a));
  }
  if (line_no == 0) return data_loss("alert state: the file is empty");
  return out;
}

}  // namespace weft::pipeline::alerts
