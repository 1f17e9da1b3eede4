#pragma once
// Where an HTTP/1.x message body ends, found while its bytes stream through unchanged. The
// sidecar relays bodies as raw bytes (chunk framing included) and only needs to know which
// of the bytes it reads belong to the current message, how many payload bytes it carried
// (http.*.body.size) and whether it ended properly.
#include <cstddef>
#include <cstdint>

#include "sidecar/http_head.h"

namespace weft::sidecar {

class BodyFramer {
 public:
  enum class Kind : uint8_t { kNone, kLength, kChunked, kUntilClose };

  // Limits on chunk framing (not on payload): a chunk-size line (with extensions) and the
  // trailer section.
  static constexpr size_t kMaxChunkLine = 4096;
  static constexpr size_t kMaxTrailerBytes = 64 * 1024;

  void Reset(Kind kind, uint64_t length = 0);
  // A request body's framing (none, length or chunked; the parser refused the rest).
  void ForRequest(const MessageHead& req);
  // A response body's framing, given the request it answers (RFC 9112 6.3).
  void ForResponse(const MessageHead& res, bool head_request);

  // How many bytes at the start of [p, p+n) belong to the body (all of them until it ends).
  // Sets done() when the body ended within them and error() on malformed chunk framing.
  size_t Feed(const char* p, size_t n);
  // The peer closed its side: ends a kUntilClose body, is an error (truncation) otherwise.
  void OnEof();

  bool done() const { return state_ == State::kDone; }
  bool error() const { return state_ == State::kError; }
  Kind kind() const { return kind_; }
  // Payload bytes seen so far (chunk framing not counted).
  uint64_t payload_bytes() const { return payload_; }
  // Payload bytes still expected (kLength only).
  uint64_t remaining() const { return remaining_; }

 private:
  enum class State : uint8_t {
    kDone,
    kError,
    kLength,      // remaining_ bytes left
    kUntilClose,  //
    kSize,        // chunk-size hex digits
    kExt,         // after the size: extensions up to LF
    kData,        // remaining_ bytes of chunk data
    kDataCr,      // CR after chunk data
    kDataLf,      // LF after chunk data
    kTrailerLineStart,
    kTrailerLine,
  };
  Kind kind_ = Kind::kNone;
  State state_ = State::kDone;
  uint64_t remaining_ = 0;
  uint64_t payload_ = 0;
  uint64_t chunk_size_ = 0;
  size_t size_digits_ = 0;
  size_t line_bytes_ = 0;
  size_t trailer_bytes_ = 0;
  bool trailer_line_empty_ = true;
};

}  // namespace weft::sidecar
