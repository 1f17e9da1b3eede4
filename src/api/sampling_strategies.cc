#include "api/sampling_strategies.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <charconv>
#include <cmath>
#include <set>

namespace weft::api {
namespace {

using rapidjson::Value;

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string number_text(double v) {
  char buf[32];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, ptr);
}

Status field_error(const std::string& where, std::string_view field, const std::string& what) {
  return invalid_argument(where + ": " + quoted(field) + " " + what);
}

// The member `name` of object `v`, or nullptr when absent or null.
const Value* member(const Value& v, const char* name) {
  auto it = v.FindMember(name);
  if (it == v.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

Result<double> required_number(const Value& v, const char* name, const std::string& where) {
  const Value* m = member(v, name);
  if (!m) return field_error(where, name, "is required");
  if (!m->IsNumber()) return field_error(where, name, "must be a number");
  return m->GetDouble();
}

Result<std::string> required_string(const Value& v, const char* name, const std::string& where) {
  const Value* m = member(v, name);
  if (!m) return field_error(where, name, "is required");
  if (!m->IsString()) return field_error(where, name, "must be a string");
  return std::string(m->GetString(), m->GetStringLength());
}

// "type", "param" (and "window_seconds" for per_window) of one strategy object.
Result<SamplingStrategy> parse_strategy(const Value& v, const std::string& where) {
  if (!v.IsObject()) return invalid_argument(where + ": must be a JSON object");
  WEFT_ASSIGN_OR_RETURN(std::string type, required_string(v, "type", where));
  if (type != "probabilistic" && type != "ratelimiting" && type != "per_window")
    return field_error(
        where, "type",
        "must be probabilistic, ratelimiting or per_window (got " + quoted(type) + ")");
  WEFT_ASSIGN_OR_RETURN(double param, required_number(v, "param", where));
  SamplingStrategy s;
  if (type == "probabilistic") {
    if (!(param >= 0 && param <= 1))
      return field_error(
          where, "param",
          "must be in [0, 1] for type \"probabilistic\" (got " + number_text(param) + ")");
    s.type = SamplingStrategy::Type::kProbabilistic;
    s.sampling_rate = param;
    return s;
  }
  s.type = SamplingStrategy::Type::kRateLimiting;
  const std::string range = "[0, " + number_text(kMaxTracesPerSecond) + "]";
  if (type == "ratelimiting") {
    if (!(param >= 0 && param <= kMaxTracesPerSecond))
      return field_error(
          where, "param",
          "must be in " + range + " for type \"ratelimiting\" (got " + number_text(param) + ")");
    s.max_traces_per_second = static_cast<int32_t>(param);  // truncated, as Jaeger does
    return s;
  }
  // per_window: N traces per W seconds.
  if (!(param >= 0))
    return field_error(where, "param",
                       "must be >= 0 for type \"per_window\" (got " + number_text(param) + ")");
  WEFT_ASSIGN_OR_RETURN(double window, required_number(v, "window_seconds", where));
  if (!(window > 0))
    return field_error(where, "window_seconds", "must be > 0 (got " + number_text(window) + ")");
  double rate = param / window;
  if (!(rate <= kMaxTracesPerSecond))
    return field_error(where, "param",
                       "/ \"window_seconds\" must be in " + range + " traces per second (got " +
                           number_text(rate) + ")");
  // Rounded up: a slow window (1 per 10 s) must not become "never sample".
  s.max_traces_per_second = static_cast<int32_t>(std::ceil(rate));
  s.per_window = PerWindow{param, window};
  return s;
}

// The "operation_strategies" array of `v` (empty when absent). Rate-limiting entries are
// skipped with a warning: Jaeger's per-operation strategies are probabilistic only.
Result<std::vector<OperationStrategy>> parse_operations(const Value& v, const char* name,
                                                        const std::string& where,
                                                        std::vector<std::string>& warnings,
                                                        bool& present) {
  std::vector<OperationStrategy> out;
  const Value* arr = member(v, name);
  present = arr && arr->IsArray() && !arr->Empty();
  if (!arr) return out;
  if (!arr->IsArray()) return field_error(where, name, "must be an array");
  for (rapidjson::SizeType i = 0; i < arr->Size(); ++i) {
    const Value& e = (*arr)[i];
    std::string at = where + " " + name + "[" + std::to_string(i) + "]";
    if (!e.IsObject()) return invalid_argument(at + ": must be a JSON object");
    WEFT_ASSIGN_OR_RETURN(std::string op, required_string(e, "operation", at));
    at += " (operation " + quoted(op) + ")";
    WEFT_ASSIGN_OR_RETURN(SamplingStrategy s, parse_strategy(e, at));
    if (s.type != SamplingStrategy::Type::kProbabilistic) {
      warnings.push_back(at +
                         ": only probabilistic operation strategies are served (as in "
                         "Jaeger); this one is ignored");
      continue;
    }
    out.push_back({std::move(op), s.sampling_rate});
  }
  return out;
}

OperationSampling operation_sampling_of(const SamplingStrategy& s,
                                        std::vector<OperationStrategy> ops) {
  OperationSampling o;
  o.default_sampling_probability = s.type == SamplingStrategy::Type::kProbabilistic
                                       ? s.sampling_rate
                                       : kJaegerDefaultSamplingProbability;
  o.per_operation = std::move(ops);
  return o;
}

// Appends the entries of `defaults` whose operation `ops` does not name.
void merge_default_operations(std::vector<OperationStrategy>& ops,
                              const std::vector<OperationStrategy>& defaults) {
  std::set<std::string, std::less<>> named;
  for (const OperationStrategy& o : ops) named.insert(o.operation);
  for (const OperationStrategy& d : defaults)
    if (!named.contains(d.operation)) ops.push_back(d);
}

Result<SamplingStrategy> parse_default(const Value& root, std::vector<std::string>& warnings) {
  SamplingStrategy def;  // weft's default: probabilistic 1.0
  std::vector<OperationStrategy> ops;
  bool has_ops = false;
  if (const Value* d = member(root, "default_strategy")) {
    WEFT_ASSIGN_OR_RETURN(def, parse_strategy(*d, "default_strategy"));
    WEFT_ASSIGN_OR_RETURN(
        ops, parse_operations(*d, "operation_strategies", "default_strategy", warnings, has_ops));
  }
  // Older Jaeger files list the default's operations at the top level.
  bool has_legacy = false;
  WEFT_ASSIGN_OR_RETURN(
      std::vector<OperationStrategy> legacy,
      parse_operations(root, "default_operation_strategies", "(top level)", warnings, has_legacy));
  merge_default_operations(ops, legacy);
  if (has_ops || has_legacy) def.operation_sampling = operation_sampling_of(def, std::move(ops));
  return def;
}

// One service's answer, resolved against the default as Jaeger's static store does.
Result<std::pair<std::string, SamplingStrategy>> parse_service(const Value& v,
                                                               const std::string& index_where,
                                                               const SamplingStrategy& def,
                                                               std::vector<std::string>& warnings) {
  if (!v.IsObject()) return invalid_argument(index_where + ": must be a JSON object");
  WEFT_ASSIGN_OR_RETURN(std::string name, required_string(v, "service", index_where));
  if (name.empty()) return field_error(index_where, "service", "must not be empty");
  std::string where = index_where + " (service " + quoted(name) + ")";
  WEFT_ASSIGN_OR_RETURN(SamplingStrategy s, parse_strategy(v, where));
  bool has_ops = false;
  WEFT_ASSIGN_OR_RETURN(std::vector<OperationStrategy> ops,
                        parse_operations(v, "operation_strategies", where, warnings, has_ops));
  const std::optional<OperationSampling>& def_ops = def.operation_sampling;
  if (has_ops) {
    if (def_ops) merge_default_operations(ops, def_ops->per_operation);
    s.operation_sampling = operation_sampling_of(s, std::move(ops));
  } else if (def_ops && s.type == SamplingStrategy::Type::kProbabilistic) {
    // The default's operations, under this service's own probability.
    s.operation_sampling = *def_ops;
    s.operation_sampling->default_sampling_probability = s.sampling_rate;
  }
  return std::pair{std::move(name), std::move(s)};
}

}  // namespace

const SamplingStrategy& SamplingStrategies::lookup(std::string_view service) const {
  auto it = services.find(service);
  return it == services.end() ? default_strategy : it->second;
}

Result<SamplingStrategies> parse_sampling_strategies(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError())
    return invalid_argument(std::string("not valid JSON: ") +
                            rapidjson::GetParseError_En(doc.GetParseError()) + " at offset " +
                            std::to_string(doc.GetErrorOffset()));
  if (!doc.IsObject()) return invalid_argument("the strategies file must hold a JSON object");

  SamplingStrategies out;
  WEFT_ASSIGN_OR_RETURN(out.default_strategy, parse_default(doc, out.warnings));
  const Value* services = member(doc, "service_strategies");
  if (!services) return out;
  if (!services->IsArray()) return invalid_argument("\"service_strategies\" must be an array");
  for (rapidjson::SizeType i = 0; i < services->Size(); ++i) {
    std::string where = "service_strategies[" + std::to_string(i) + "]";
    WEFT_ASSIGN_OR_RETURN(auto entry,
                          parse_service((*services)[i], where, out.default_strategy, out.warnings));
    auto [it, inserted] = out.services.insert_or_assign(entry.first, std::move(entry.second));
    if (!inserted)
      out.warnings.push_back(where + ": service " + quoted(it->first) +
                             " is listed more than once; the last entry wins");
  }
  return out;
}

}  // namespace weft::api
