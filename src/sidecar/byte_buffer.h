#pragma once
// A connection's read buffer: one heap block, reused for every message on the connection.
// Bytes are read in at the back and consumed from the front; the unread rest is moved to the
// front (compact) before the next read when that makes room.
#include <cstddef>
#include <cstring>
#include <memory>

namespace weft::sidecar {

class ByteBuffer {
 public:
  explicit ByteBuffer(size_t capacity = 0) { Reserve(capacity); }

  const char* data() const { return data_.get() + begin_; }
  char* data() { return data_.get() + begin_; }
  size_t size() const { return end_ - begin_; }
  bool empty() const { return end_ == begin_; }
  size_t capacity() const { return cap_; }

  void Consume(size_t n) {
    begin_ += n;
    if (begin_ == end_) begin_ = end_ = 0;
  }
  void Clear() { begin_ = end_ = 0; }

  // Room to read into at the back (after moving the unread bytes to the front when the
  // back is short of `want`).
  char* WritePtr() { return data_.get() + end_; }
  size_t Room() const { return cap_ - end_; }
  void Commit(size_t n) { end_ += n; }
  void Compact() {
    if (begin_ == 0) return;
    if (end_ > begin_) std::memmove(data_.get(), data_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  // Makes Room() at least `want` if possible, compacting first and growing the block up to
  // `max_capacity`. Returns Room().
  size_t MakeRoom(size_t want, size_t max_capacity) {
    if (Room() >= want) return Room();
    Compact();
    if (Room() < want && cap_ < max_capacity) {
      size_t grown = cap_ ? cap_ : 4096;
      while (grown - end_ < want && grown < max_capacity) grown *= 2;
      if (grown > max_capacity) grown = max_capacity;
      Reserve(grown);
    }
    return Room();
  }

 private:
  void Reserve(size_t capacity) {
    if (capacity <= cap_) return;
    std::unique_ptr<char[]> bigger(new char[capacity]);
    if (end_ > begin_) std::memcpy(bigger.get(), data_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
    data_ = std::move(bigger);
    cap_ = capacity;
  }

  std::unique_ptr<char[]> data_;
  size_t cap_ = 0, begin_ = 0, end_ = 0;
};

}  // namespace weft::sidecar
