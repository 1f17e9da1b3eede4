#include "common/status.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace weft {

std::string_view status_code_name(ResultCode code) {
  switch (code) {
    case ResultCode::kOk:
      return "OK";
    case ResultCode::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case ResultCode::kNotFound:
      return "NOT_FOUND";
    case ResultCode::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case ResultCode::kUnavailable:
      return "UNAVAILABLE";
    case ResultCode::kDataLoss:
      return "DATA_LOSS";
    case ResultCode::kIOError:
      return "IO_ERROR";
    case ResultCode::kInternal:
      return "INTERNAL";
  }
  return "UNKNOWN";
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return rep_ ? rep_->message : kEmpty;
}

std::string Status::to_string() const {
  if (is_ok()) return "OK";
  std::string s(status_code_name(code()));
  s += ": ";
  s += message();
  return s;
}

Status Status::with_prefix(std::string_view prefix) const {
  if (is_ok()) return *this;
  std::string m(prefix);
  m += ": ";
  m += message();
  return Status(code(), std::move(m));
}

Status errno_status(std::string_view what, std::string_view path, int err) {
  std::string m(what);
  m += " ";
  m += path;
  m += ": ";
  m += std::strerror(err);
  if (err == ENOSPC || err == EDQUOT) return unavailable(std::move(m));
  return io_error(std::move(m));
}

void check_failed(const char* file, int line, const char* cond) {
  std::fprintf(stderr, "weft: invariant broken at %s:%d: %s\n", file, line, cond);
  std::abort();
}

}  // namespace weft
