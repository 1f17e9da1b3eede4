#pragma once
// SpanRing: a lock-free single-producer / single-consumer byte ring of SpanRecords. One per
// producer thread and batch processor; together they make the processor's bounded
// multi-producer queue without a shared cache line between producers (so two producer
// threads scale instead of contending on one atomic).
//
// Records are stored whole and never wrap: when one does not fit before the end of the
// buffer, a wrap marker fills the rest and the record starts at offset 0. So the consumer
// can hand records to the exporter where they lie (8-byte aligned, contiguous) and free
// their space only after the export: the ring holds the batch in flight as well as what
// arrives meanwhile.
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include "weft/span_record.h"

namespace weft::detail {

#if defined(__x86_64__)
// CPUID 0x80000001 ECX bit 8 (PRFCHW / 3DNowPrefetch): the CPU has PREFETCHW.
inline const bool g_has_prefetchw = [] {
  unsigned a, b, c, d;
  return __get_cpuid(0x80000001, &a, &b, &c, &d) && (c & (1u << 8)) != 0;
}();
#endif
inline void PrefetchForWrite(const uint8_t* p) {
#if defined(__x86_64__)
  if (g_has_prefetchw) [[likely]] {
    asm volatile("prefetchw %0" : : "m"(*p));
    return;
  }
#endif
  __builtin_prefetch(p, 1, 3);
}

class SpanRing {
 public:
  static constexpr uint32_t kWrapMarker = 0xFFFFFFFFu;
  // How far ahead of the write position Push prefetches (a few records).
  static constexpr size_t kPrefetchDistance = 512;
  // How far ahead of the read position Read prefetches (some 20 records: Read itself takes
  // only each record's first line, a few ns a record).
  static constexpr size_t kReadPrefetchDistance = 4096;

  explicit SpanRing(size_t bytes)
      : capacity_((bytes + 7) & ~size_t{7}), buffer_(new uint64_t[capacity_ / 8]) {}

  // Producer only. False (and nothing written) when the ring is full.
  bool Push(const SpanRecord& r) {
    const uint64_t head = head_.load(std::memory_order_relaxed);
    const size_t offset = head_offset_;  // head % capacity_, kept to avoid a division
    const size_t contiguous = capacity_ - offset;
    const size_t need = r.size <= contiguous ? r.size : contiguous + r.size;
    if (r.size > capacity_ / 2) [[unlikely]]
      return false;
    if (head + need - cached_tail_ > capacity_) {
      cached_tail_ = tail_.load(std::memory_order_acquire);
      if (head + need - cached_tail_ > capacity_) return false;
    }
    uint8_t* base = bytes();
    size_t at = offset;
    if (r.size > contiguous) [[unlikely]] {
      std::memcpy(base + offset, &kWrapMarker, 4);
      at = 0;
    }
    std::memcpy(base + at, &r, sizeof(SpanRecord) + r.data_size);
    size_t next = at + r.size;
    if (next == capacity_) next = 0;
    head_offset_ = next;
    head_.store(head + need, std::memory_order_release);
    // Ask now for the lines the next records will be written to, so that writing them does
    // not stall the producer (the ring is far larger than L1, and its lines were last read
    // by the draining core): PREFETCHW takes them in a writable state (on a 2-core EPYC VM
    // a plain prefetch left most of that stall); a plain prefetch only where it is missing.
    // Hints only: nothing is read or written there.
    size_t ahead = next + kPrefetchDistance;
    if (ahead + 3 * 64 > capacity_) ahead = ahead >= capacity_ ? ahead - capacity_ : 0;
    PrefetchForWrite(base + ahead);
    PrefetchForWrite(base + ahead + 64);
    PrefetchForWrite(base + ahead + 128);
    return true;
  }
  // Producer only: bytes waiting, as last seen (may overstate until Refresh).
  uint64_t ProducerFill() const { return head_.load(std::memory_order_relaxed) - cached_tail_; }
  uint64_t RefreshedFill() {
    cached_tail_ = tail_.load(std::memory_order_acquire);
    return ProducerFill();
  }

  // --- consumer side ---
  //
  // The consumer reads records in place (zero copy): Read visits them and moves a private
  // read cursor, and their space stays the consumer's until Release hands everything read
  // so far back to the producer. In between, the records are stable (the producer writes
  // only between head and tail), so an exporter can encode them straight out of the ring.

  // Consumer only: the producer's position now (the records before it are complete).
  uint64_t Head() const { return head_.load(std::memory_order_acquire); }

  // Consumer only: calls f(const SpanRecord&) for each record from the read cursor up to
  // `limit` (a Head() value), at most `max` records, and moves the cursor past them.
  // Returns how many it visited. The records stay valid until Release.
  template <typename F>
  size_t Read(size_t max, uint64_t limit, F&& f) {
    uint64_t at = read_;
    size_t offset = read_offset_;
    size_t n = 0;
    const uint8_t* base = bytes();
    while (at < limit && n < max) {
      uint32_t size;
      std::memcpy(&size, base + offset, 4);
      if (size == kWrapMarker) {
        at += capacity_ - offset;
        offset = 0;
        continue;
      }
      // The records ahead were written on the producer's core: ask for their lines well
      // ahead (fetching a line from the other core takes far longer than reading a record
      // here), but not past `limit`, where the producer may be writing.
      if (at + kReadPrefetchDistance + 3 * 64 <= limit &&
          offset + kReadPrefetchDistance + 3 * 64 <= capacity_) {
        __builtin_prefetch(base + offset + kReadPrefetchDistance);
        __builtin_prefetch(base + offset + kReadPrefetchDistance + 64);
        __builtin_prefetch(base + offset + kReadPrefetchDistance + 128);
      }
      f(*reinterpret_cast<const SpanRecord*>(base + offset));
      at += size;
      offset += size;
      if (offset == capacity_) offset = 0;
      ++n;
    }
    // Stopped by `max` in front of a wrap marker: step over it now, so that Release frees
    // the end of the buffer too.
    if (at < limit && n == max) {
      uint32_t size;
      std::memcpy(&size, base + offset, 4);
      if (size == kWrapMarker) {
        at += capacity_ - offset;
        offset = 0;
      }
    }
    read_ = at;
    read_offset_ = offset;
    return n;
  }
  // Consumer only: where the read cursor is (a position for ReleaseTo).
  uint64_t ReadPosition() const { return read_; }
  // Consumer only: hands the space of the records before `position` (a ReadPosition()) back
  // to the producer. Touches no cursor of Read's, so it may run while another thread (with
  // the consumer's lock) reads on; positions only move forward.
  void ReleaseTo(uint64_t position) {
    if (position <= released_) return;
    released_ = position;
    tail_.store(position, std::memory_order_release);
  }
  // Consumer only: hands the space of every record read so far back to the producer.
  void Release() { ReleaseTo(read_); }
  // Consumer only: nothing unread, and nothing read but not released.
  bool Drained() const { return released_ == read_ && read_ == Head(); }
  // Counters written only by the producer (plain load+store, no read-modify-write).
  void CountEnded() {
    ended_.store(ended_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  void CountDropped() {
    dropped_.store(dropped_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  uint64_t ended() const { return ended_.load(std::memory_order_relaxed); }
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

  // Set by the producer thread as it exits: once drained, the consumer frees the ring.
  std::atomic<bool> orphaned{false};

 private:
  uint8_t* bytes() { return reinterpret_cast<uint8_t*>(buffer_.get()); }
  const uint8_t* bytes() const { return reinterpret_cast<const uint8_t*>(buffer_.get()); }

  const size_t capacity_;
  std::unique_ptr<uint64_t[]> buffer_;
  alignas(64) std::atomic<uint64_t> head_{0};
  uint64_t cached_tail_ = 0;  // producer's copy of tail_
  size_t head_offset_ = 0;    // producer's head_ % capacity_
  std::atomic<uint64_t> ended_{0};
  std::atomic<uint64_t> dropped_{0};
  // The consumer's line: what the producer reads (tail_, rarely: it keeps a copy) and the
  // consumer's own cursors.
  alignas(64) std::atomic<uint64_t> tail_{0};
  uint64_t read_ = 0;         // consumer: records before it have been read
  size_t read_offset_ = 0;    // consumer: read_ % capacity_
  uint64_t released_ = 0;     // consumer: the last value stored to tail_
};

}  // namespace weft::detail
