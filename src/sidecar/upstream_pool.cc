#include "sidecar/upstream_pool.h"

#include <sys/socket.h>

#include <cerrno>

namespace weft::sidecar {
namespace {

// True while the peer has neither closed nor sent anything unasked for.
bool StillOpen(Socket& s) {
  char byte;
  const ssize_t n = ::recv(s.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace

UpstreamPool::Slot* UpstreamPool::Find(std::string_view key) {
  for (Slot& s : slots_)
    if (s.key == key) return &s;
  return nullptr;
}

std::unique_ptr<UpstreamConn> UpstreamPool::Take(std::string_view key, bool verify) {
  Slot* slot = Find(key);
  if (!slot) return nullptr;
  const auto now = SteadyClock::now();
  while (!slot->idle.empty()) {
    std::unique_ptr<UpstreamConn> c = std::move(slot->idle.back());
    slot->idle.pop_back();
    const auto idle = now - c->idle_since;
    if (idle < max_idle_time_ &&
        ((!verify && idle < std::chrono::milliseconds(500)) || StillOpen(c->socket))) {
      c->reused = true;
      return c;
    }
  }
  return nullptr;
}

void UpstreamPool::Put(std::string_view key, std::unique_ptr<UpstreamConn> c) {
  Slot* slot = Find(key);
  if (!slot) {
    if (slots_.size() >= 1024) {  // an egress proxy for very many hosts: forget the oldest
      slots_.erase(slots_.begin());
    }
    slots_.push_back(Slot{std::string(key), {}});
    slot = &slots_.back();
  }
  const auto now = SteadyClock::now();
  c->idle_since = now;
  c->in.Clear();
  auto& idle = slot->idle;
  // Close the stale ones at the old end, then make room.
  size_t stale = 0;
  while (stale < idle.size() && now - idle[stale]->idle_since >= max_idle_time_) ++stale;
  if (stale) idle.erase(idle.begin(), idle.begin() + static_cast<std::ptrdiff_t>(stale));
  if (idle.size() >= max_idle_per_key_) {
    if (max_idle_per_key_ == 0) return;
    idle.erase(idle.begin());
  }
  idle.push_back(std::move(c));
}

size_t UpstreamPool::idle() const {
  size_t n = 0;
  for (const Slot& s : slots_) n += s.idle.size();
  return n;
}

}  // namespace weft::sidecar
