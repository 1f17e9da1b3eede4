#include "sidecar/sampler_config.h"

#include <chrono>
#include <cstdlib>
#include <cmath>

namespace weft::sidecar {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool ParseDouble(std::string_view s, double* out) {
  s = Trim(s);
  if (s.empty()) return false;
  const std::string copy(s);
  char* end = nullptr;
  const double v = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || !std::isfinite(v)) return false;
  *out = v;
  return true;
}

}  // namespace

std::shared_ptr<Sampler> MakeSampler(std::string_view name_in, std::string_view arg,
                                     const std::string& sampling_url, const std::string& service,
                                     std::string* error) {
  std::string name(Trim(name_in));
  for (char& c : name) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  if (name.empty()) name = "parentbased_always_on";
  bool parent_based = false;
  std::string root = name;
  if (root.starts_with("parentbased_")) {
    parent_based = true;
    root = root.substr(12);
  }
  std::shared_ptr<Sampler> s;
  if (root == "always_on") {
    s = AlwaysOnSampler();
  } else if (root == "always_off") {
    s = AlwaysOffSampler();
  } else if (root == "traceidratio") {
    double ratio = 1.0;
    if (!Trim(arg).empty() && (!ParseDouble(arg, &ratio) || ratio < 0 || ratio > 1)) {
      *error = "--sampler-arg for " + name + " must be a ratio in [0, 1], got '" +
               std::string(arg) + "'";
      return nullptr;
    }
    s = TraceIdRatioSampler(ratio);
  } else if (root == "ratelimiting") {
    double rate = 0;
    if (!ParseDouble(arg, &rate) || rate < 0) {
      *error = "--sampler-arg for " + name + " must be traces per second (>= 0), got '" +
               std::string(arg) + "'";
      return nullptr;
    }
    s = RateLimitingSampler(rate);
  } else if (root == "jaeger_remote") {
    RemoteSamplerOptions o;
    o.service_name = service;
    o.endpoint = sampling_url.empty() ? "http://127.0.0.1:16686" : sampling_url;
    double initial = 0.001;
    for (std::string_view rest = arg; !Trim(rest).empty();) {
      const size_t comma = rest.find(',');
      const std::string_view item = Trim(rest.substr(0, comma));
      const size_t eq = item.find('=');
      const std::string_view key = Trim(item.substr(0, eq));
      const std::string_view value =
          eq == std::string_view::npos ? std::string_view() : Trim(item.substr(eq + 1));
      double v = 0;
      if (key == "endpoint" && !value.empty()) {
        o.endpoint = std::string(value);
      } else if (key == "pollingIntervalMs" && ParseDouble(value, &v) && v > 0) {
        o.poll_interval = std::chrono::milliseconds(static_cast<int64_t>(v));
      } else if (key == "initialSamplingRate" && ParseDouble(value, &v) && v >= 0 && v <= 1) {
        initial = v;
      } else if (!item.empty()) {
        *error = "--sampler-arg for " + name + ": cannot read '" + std::string(item) +
                 "' (expected endpoint=URL,pollingIntervalMs=N,initialSamplingRate=R)";
        return nullptr;
      }
      if (comma == std::string_view::npos) break;
      rest = rest.substr(comma + 1);
    }
    o.initial = TraceIdRatioSampler(initial);
    s = RemoteSampler(std::move(o));
    return parent_based ? ParentBasedSampler(std::move(s)) : s;
  } else {
    *error = "unknown sampler '" + std::string(Trim(name_in)) +
             "' (known: always_on, always_off, traceidratio, ratelimiting, jaeger_remote, each "
             "also as parentbased_*)";
    return nullptr;
  }
  if (!sampling_url.empty()) {
    if (!sampling_url.starts_with("http://")) {
      *error = "--sampling-url must be http://host:port (weft serve's query port), got '" +
               sampling_url + "'";
      return nullptr;
    }
    RemoteSamplerOptions o;
    o.service_name = service;
    o.endpoint = sampling_url;
    o.initial = std::move(s);
    s = RemoteSampler(std::move(o));
  }
  return parent_based ? ParentBasedSampler(std::move(s)) : s;
}

}  // namespace weft::sidecar
