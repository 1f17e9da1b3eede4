#include "sidecar/body_framer.h"

#include <algorithm>

namespace weft::sidecar {
namespace {
int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

void BodyFramer::Reset(Kind kind, uint64_t length) {
  kind_ = kind;
  payload_ = 0;
  remaining_ = 0;
  chunk_size_ = 0;
  size_digits_ = line_bytes_ = trailer_bytes_ = 0;
  switch (kind) {
    case Kind::kNone:
      state_ = State::kDone;
      break;
    case Kind::kLength:
      remaining_ = length;
      state_ = length == 0 ? State::kDone : State::kLength;
      break;
    case Kind::kChunked:
      state_ = State::kSize;
      break;
    case Kind::kUntilClose:
      state_ = State::kUntilClose;
      break;
  }
}

void BodyFramer::ForRequest(const MessageHead& req) {
  if (req.chunked)
    Reset(Kind::kChunked);
  else if (req.content_length > 0)
    Reset(Kind::kLength, static_cast<uint64_t>(req.content_length));
  else
    Reset(Kind::kNone);
}

void BodyFramer::ForResponse(const MessageHead& res, bool head_request) {
  if (head_request || (res.status >= 100 && res.status < 200) || res.status == 204 ||
      res.status == 304)
    Reset(Kind::kNone);
  else if (res.chunked)
    Reset(Kind::kChunked);
  else if (res.other_coding)
    Reset(Kind::kUntilClose);
  else if (res.content_length >= 0)
    Reset(Kind::kLength, static_cast<uint64_t>(res.content_length));
  else
    Reset(Kind::kUntilClose);
}

void BodyFramer::OnEof() {
  if (state_ == State::kUntilClose)
    state_ = State::kDone;
  else if (state_ != State::kDone)
    state_ = State::kError;
}

size_t BodyFramer::Feed(const char* p, size_t n) {
  size_t i = 0;
  while (i < n) {
    switch (state_) {
      case State::kDone:
      case State::kError:
        return i;
      case State::kUntilClose:
        payload_ += n - i;
        return n;
      case State::kLength: {
        const size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, n - i));
        remaining_ -= take;
        payload_ += take;
        i += take;
        if (remaining_ == 0) state_ = State::kDone;
        break;
      }
      case State::kSize: {
        const int h = Hex(p[i]);
        if (h >= 0) {
          if (++size_digits_ > 15) {  // more than 2^60 bytes: nobody means that
            state_ = State::kError;
            return i;
          }
          chunk_size_ = chunk_size_ << 4 | static_cast<uint64_t>(h);
          ++i;
          break;
        }
        if (size_digits_ == 0) {
          state_ = State::kError;
          return i;
        }
        line_bytes_ = size_digits_;
        state_ = State::kExt;
        break;  // re-examine this byte as part of the extension / line end
      }
      case State::kExt: {
        const char c = p[i++];
        if (++line_bytes_ > kMaxChunkLine) {
          state_ = State::kError;
          return i;
        }
        if (c == '\n') {
          size_digits_ = 0;
          if (chunk_size_ == 0) {
            state_ = State::kTrailerLineStart;
          } else {
            remaining_ = chunk_size_;
            chunk_size_ = 0;
            state_ = State::kData;
          }
        } else if (c != '\r' && c != ';' && c != ' ' && c != '\t' &&
                   (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)) {
          state_ = State::kError;
          return i;
        }
        break;
      }
      case State::kData: {
        const size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, n - i));
        remaining_ -= take;
        payload_ += take;
        i += take;
        if (remaining_ == 0) state_ = State::kDataCr;
        break;
      }
      case State::kDataCr:
        if (p[i] == '\r') {
          ++i;
          state_ = State::kDataLf;
        } else if (p[i] == '\n') {  // tolerate a bare LF
          ++i;
          state_ = State::kSize;
        } else {
          state_ = State::kError;
          return i;
        }
        break;
      case State::kDataLf:
        if (p[i] != '\n') {
          state_ = State::kError;
          return i;
        }
        ++i;
        state_ = State::kSize;
        break;
      case State::kTrailerLineStart:
        trailer_line_empty_ = true;
        state_ = State::kTrailerLine;
        break;
      case State::kTrailerLine: {
        const char c = p[i++];
        if (++trailer_bytes_ > kMaxTrailerBytes) {
          state_ = State::kError;
          return i;
        }
        if (c == '\n') {
          if (trailer_line_empty_) {
            state_ = State::kDone;
            return i;
          }
          state_ = State::kTrailerLineStart;
        } else if (c != '\r') {
          trailer_line_empty_ = false;
        }
        break;
      }
    }
  }
  return i;
}

}  // namespace weft::sidecar
