#pragma once
// Status and Result<T>: how errors cross module boundaries (no exception does).
// An OK Status holds no allocation; an error carries a code and a human message that
// says what is wrong and where ("span 3: trace_id must be 16 bytes").
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace weft {

enum class ResultCode : int {
  kOk = 0,
  kInvalidArgument,    // malformed input from outside: HTTP 400
  kNotFound,           // HTTP 404
  kResourceExhausted,  // over a limit, store overloaded: HTTP 429 / 413 by context
  kUnavailable,        // try again later (disk full, shutting down): HTTP 503
  kDataLoss,           // corruption found on disk
  kIOError,
  kInternal,
};

std::string_view status_code_name(ResultCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(ResultCode code, std::string message)
      : rep_(code == ResultCode::kOk ? nullptr
                                     : std::make_shared<Rep>(Rep{code, std::move(message)})) {}

  static Status ok() { return Status(); }
  bool is_ok() const { return rep_ == nullptr; }
  explicit operator bool() const { return is_ok(); }
  ResultCode code() const { return rep_ ? rep_->code : ResultCode::kOk; }
  const std::string& message() const;
  // "INVALID_ARGUMENT: span 3: ..." or "OK".
  std::string to_string() const;
  // Returns a copy whose message is "<prefix>: <message>".
  Status with_prefix(std::string_view prefix) const;

 private:
  struct Rep {
    ResultCode code;
    std::string message;
  };
  std::shared_ptr<const Rep> rep_;
};

inline Status invalid_argument(std::string msg) {
  return Status(ResultCode::kInvalidArgument, std::move(msg));
}
inline Status not_found(std::string msg) { return Status(ResultCode::kNotFound, std::move(msg)); }
inline Status resource_exhausted(std::string msg) {
  return Status(ResultCode::kResourceExhausted, std::move(msg));
}
inline Status unavailable(std::string msg) {
  return Status(ResultCode::kUnavailable, std::move(msg));
}
inline Status data_loss(std::string msg) { return Status(ResultCode::kDataLoss, std::move(msg)); }
inline Status io_error(std::string msg) { return Status(ResultCode::kIOError, std::move(msg)); }
inline Status internal_error(std::string msg) {
  return Status(ResultCode::kInternal, std::move(msg));
}
// An io_error (or unavailable for ENOSPC/EDQUOT) naming the operation, the path and errno.
Status errno_status(std::string_view what, std::string_view path, int err);

// Result<T>: a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {}  // NOLINT(google-explicit-constructor)

  bool is_ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return is_ok(); }
  const Status& status() const {
    static const Status kOk;
    return is_ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace weft

#define WEFT_CONCAT_INNER(a, b) a##b
#define WEFT_CONCAT(a, b) WEFT_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function if `expr` is not OK.
#define WEFT_RETURN_IF_ERROR(expr)                  \
  do {                                              \
    ::weft::Status weft_status_ = (expr);           \
    if (!weft_status_.is_ok()) return weft_status_; \
  } while (0)

// WEFT_ASSIGN_OR_RETURN(auto x, f()): binds the value or returns the error.
#define WEFT_ASSIGN_OR_RETURN(lhs, expr)                 \
  auto WEFT_CONCAT(weft_result_, __LINE__) = (expr);     \
  if (!WEFT_CONCAT(weft_result_, __LINE__).is_ok())      \
    return WEFT_CONCAT(weft_result_, __LINE__).status(); \
  lhs = std::move(WEFT_CONCAT(weft_result_, __LINE__)).value()

// A broken invariant: a bug, not bad input. Crashes with a message.
#define WEFT_CHECK(cond)                                          \
  do {                                                            \
    if (!(cond)) ::weft::check_failed(__FILE__, __LINE__, #cond); \
  } while (0)

namespace weft {
[[noreturn]] void check_failed(const char* file, int line, const char* cond);
}
