#include "ingest/tail_ledger.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "common/coding.h"
#include "common/crc32c.h"
#include "common/file_io.h"

namespace weft::ingest {
namespace {

constexpr std::string_view kMagic{"WEFTDONE", 8};
constexpr size_t kMaxDoneFileBytes = 256u << 20;
// A token is (slot + 1) << kSeqBits | sequence number of the line in its file's list.
constexpr int kSeqBits = 40;
constexpr uint64_t kSeqMask = (uint64_t{1} << kSeqBits) - 1;

// Appends [b, e) to ascending `ranges`, merging with the last one when they touch.
void append_range(std::vector<DoneRange>* ranges, uint64_t b, uint64_t e) {
  if (b >= e) return;
  if (!ranges->empty() && ranges->back().end >= b) {
    ranges->back().end = std::max(ranges->back().end, e);
    return;
  }
  ranges->push_back({b, e});
}

}  // namespace

// ---------------------------------------------------------------------------------------
// The stored-lines file.

std::string encode_done_state(const DoneState& s) {
  std::string body;
  coding::put_varint64(body, s.files.size());
  for (const DoneFileEntry& e : s.files) {
    coding::put_varint64(body, e.file.dev);
    coding::put_varint64(body, e.file.ino);
    coding::put_varint64(body, e.fingerprint_len);
    coding::put_fixed32(body, e.fingerprint_crc);
    coding::put_varint64(body, e.prefix);
    put_length_prefixed(body, e.path);
    coding::put_varint64(body, e.ranges.size());
    uint64_t last = e.prefix;  // ranges as deltas: begin - previous end, length
    for (const DoneRange& r : e.ranges) {
      coding::put_varint64(body, r.begin - last);
      coding::put_varint64(body, r.end - r.begin);
      last = r.end;
    }
  }
  std::string file(kMagic);
  coding::put_fixed32(file, kDoneFileVersion);
  coding::put_fixed32(file, static_cast<uint32_t>(body.size()));
  file += body;
  coding::put_fixed32(file, crc32c::mask(crc32c::value(body)));
  return file;
}

Result<DoneState> decode_done_state(std::string_view in) {
  auto bad = [](const std::string& why) { return data_loss("tail stored-lines file: " + why); };
  if (in.size() < kMagic.size() + 12 || in.substr(0, kMagic.size()) != kMagic)
    return bad("not a weft stored-lines file (bad magic or truncated)");
  in.remove_prefix(kMagic.size());
  uint32_t version = 0, length = 0, crc = 0;
  coding::get_fixed32(in, &version);
  coding::get_fixed32(in, &length);
  if (version != kDoneFileVersion) return bad("unknown format version " + std::to_string(version));
  if (in.size() != uint64_t{length} + 4) return bad("truncated or trailing bytes");
  std::string_view body = in.substr(0, length);
  in.remove_prefix(length);
  coding::get_fixed32(in, &crc);
  if (crc32c::unmask(crc) != crc32c::value(body)) return bad("checksum mismatch");

  DoneState s;
  uint64_t n = 0;
  if (!coding::get_varint64(body, &n) || n > body.size()) return bad("malformed file count");
  s.files.resize(static_cast<size_t>(n));
  for (DoneFileEntry& e : s.files) {
    uint64_t fp_len = 0, ranges = 0;
    if (!coding::get_varint64(body, &e.file.dev) || !coding::get_varint64(body, &e.file.ino) ||
        !coding::get_varint64(body, &fp_len) || fp_len > tail::kFingerprintBytes ||
        !coding::get_fixed32(body, &e.fingerprint_crc) || !coding::get_varint64(body, &e.prefix) ||
        !get_length_prefixed(body, &e.path) || !coding::get_varint64(body, &ranges) ||
        ranges > body.size())
      return bad("malformed file entry");
    e.fingerprint_len = static_cast<uint32_t>(fp_len);
    e.ranges.resize(static_cast<size_t>(ranges));
    uint64_t last = e.prefix;
    for (DoneRange& r : e.ranges) {
      uint64_t gap = 0, len = 0;
      if (!coding::get_varint64(body, &gap) || !coding::get_varint64(body, &len) || len == 0 ||
          gap > UINT64_MAX - last || len > UINT64_MAX - last - gap)
        return bad("malformed range");
      r.begin = last + gap;
      r.end = r.begin + len;
      last = r.end;
    }
  }
  if (!body.empty()) return bad("trailing bytes in body");
  return s;
}

Status write_done_file(const std::string& path, const DoneState& s) {
  const std::string data = encode_done_state(s);
  return write_file_atomically(path, data);
}

Result<std::optional<DoneState>> read_done_file(const std::string& path) {
  WEFT_ASSIGN_OR_RETURN(std::optional<std::string> data,
                        read_small_file(path, kMaxDoneFileBytes, "tail stored-lines file"));
  if (!data) return std::optional<DoneState>();
  Result<DoneState> s = decode_done_state(*data);
  if (!s.is_ok()) return data_loss(s.status().message() + " (" + path + ")");
  return std::optional<DoneState>(std::move(s).value());
}

bool file_fingerprint(std::string_view path, const tail::FileKey& file, uint32_t max_len,
                      uint32_t* len, uint32_t* crc) {
  const std::string p(path);
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return false;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || static_cast<uint64_t>(st.st_dev) != file.dev ||
      static_cast<uint64_t>(st.st_ino) != file.ino) {
    ::close(fd);
    return false;
  }
  char buf[tail::kFingerprintBytes];
  const size_t want = std::min<size_t>(max_len, sizeof buf);
  size_t got = 0;
  while (got < want) {
    ssize_t n = ::pread(fd, buf + got, want - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  *len = static_cast<uint32_t>(got);
  *crc = crc32c::extend(0, buf, got);
  return got > 0;
}

// ---------------------------------------------------------------------------------------
// The ledger.

TailLedger::TailLedger(FingerprintFn fingerprint) : fingerprint_(std::move(fingerprint)) {}

void TailLedger::load(DoneState previous, const std::function<bool(const tail::FileKey&)>& keep) {
  for (DoneFileEntry& e : previous.files) {
    if (e.fingerprint_len == 0) continue;
    if (keep && !keep(e.file)) continue;
    Loaded l;
    l.prefix = e.prefix;
    l.ranges = std::move(e.ranges);
    l.fingerprint_len = e.fingerprint_len;
    l.fingerprint_crc = e.fingerprint_crc;
    l.path = std::move(e.path);
    loaded_[e.file] = std::move(l);
  }
}

TailLedger::FileState& TailLedger::state_for(const tail::TailLine& line) {
  auto it = files_.find(line.file);
  if (it != files_.end()) {
    FileState& f = it->second;
    f.path.assign(line.path);
    if (line.generation != f.generation) {
      // Truncated (copy-truncate) and read again from 0: other content, a fresh fingerprint,
      // and what the previous run stored of the old content no longer applies.
      f.generation = line.generation;
      f.loaded.reset();
      if (!fingerprint_ || !fingerprint_(line.path, line.file, tail::kFingerprintBytes,
                                         &f.fingerprint_len, &f.fingerprint_crc))
        f.fingerprint_len = f.fingerprint_crc = 0;
    }
    return f;
  }
  FileState f;
  f.file = line.file;
  f.path.assign(line.path);
  f.generation = line.generation;
  if (!fingerprint_ || !fingerprint_(line.path, line.file, tail::kFingerprintBytes,
                                     &f.fingerprint_len, &f.fingerprint_crc))
    f.fingerprint_len = f.fingerprint_crc = 0;
  if (auto l = loaded_.find(line.file); l != loaded_.end()) {
    uint32_t len = 0, crc = 0;
    if (fingerprint_ && fingerprint_(line.path, line.file, l->second.fingerprint_len, &len, &crc) &&
        len == l->second.fingerprint_len && crc == l->second.fingerprint_crc)
      f.loaded = std::move(l->second);
    else
      ++loaded_mismatches_;
    loaded_.erase(l);
  }
  if (free_slots_.empty()) {
    f.slot = static_cast<uint32_t>(slots_.size());
    slots_.push_back(nullptr);
  } else {
    f.slot = free_slots_.back();
    free_slots_.pop_back();
  }
  FileState& placed = files_.emplace(line.file, std::move(f)).first->second;
  slots_[placed.slot] = &placed;
  return placed;
}

TailLedger::Added TailLedger::add(const tail::TailLine& line) {
  FileState& f = state_for(line);
  bool stored = false;
  if (f.loaded) {
    Loaded& l = *f.loaded;
    if (line.end_offset <= l.prefix) {
      stored = true;
    } else {
      while (l.next < l.ranges.size() && l.ranges[l.next].end <= line.offset) ++l.next;
      if (l.next < l.ranges.size() && l.ranges[l.next].begin <= line.offset &&
          line.end_offset <= l.ranges[l.next].end)
        stored = true;
      else if (l.next >= l.ranges.size() && line.offset >= l.prefix)
        f.loaded.reset();  // past everything the previous run stored
    }
  }
  const uint64_t seq = f.next_seq++;
  f.entries.push_back(Entry{line.generation, line.offset, line.end_offset, stored});
  const uint64_t token = ((uint64_t{f.slot} + 1) << kSeqBits) | (seq & kSeqMask);
  if (stored)
    pop_done(f);
  else
    ++outstanding_;
  return Added{token, stored};
}

void TailLedger::done(uint64_t token) {
  const uint64_t slot = token >> kSeqBits;
  if (slot == 0 || slot > slots_.size() || slots_[slot - 1] == nullptr) {
    ++bad_tokens_;
    return;
  }
  FileState& f = *slots_[slot - 1];
  const uint64_t seq = token & kSeqMask;
  if (seq < f.base_seq || seq >= f.next_seq) {
    ++bad_tokens_;
    return;
  }
  Entry& e = f.entries[static_cast<size_t>(seq - f.base_seq)];
  if (e.done) {
    ++bad_tokens_;
    return;
  }
  e.done = true;
  --outstanding_;
  pop_done(f);
}

void TailLedger::pop_done(FileState& f) {
  while (!f.entries.empty() && f.entries.front().done) {
    const Entry& e = f.entries.front();
    f.prefix = tail::TailPosition{f.file, e.generation, e.end};
    f.has_prefix = true;
    f.entries.pop_front();
    ++f.base_seq;
  }
}

DoneFileEntry TailLedger::entry_of(const FileState& f) const {
  DoneFileEntry e;
  e.file = f.file;
  e.fingerprint_len = f.fingerprint_len;
  e.fingerprint_crc = f.fingerprint_crc;
  e.path = f.path;
  if (f.has_prefix && f.prefix.generation == f.generation) e.prefix = f.prefix.offset;
  uint64_t last_end = e.prefix;  // end of the newest line of this generation
  for (const Entry& x : f.entries) {
    if (x.generation != f.generation) continue;
    last_end = std::max(last_end, x.end);
    if (x.done) append_range(&e.ranges, x.offset, x.end);
  }
  if (f.loaded) {
    // What the previous run stored and this one has not reached yet.
    e.prefix = std::max(e.prefix, f.loaded->prefix);
    for (size_t i = f.loaded->next; i < f.loaded->ranges.size(); ++i) {
      const DoneRange& r = f.loaded->ranges[i];
      append_range(&e.ranges, std::max(r.begin, last_end), r.end);
    }
  }
  // Only what lies beyond the prefix.
  std::vector<DoneRange> kept;
  for (const DoneRange& r : e.ranges)
    if (r.end > e.prefix) append_range(&kept, std::max(r.begin, e.prefix), r.end);
  e.ranges = std::move(kept);
  return e;
}

TailLedger::Snapshot TailLedger::snapshot(uint64_t tailer_checkpoint_writes) {
  Snapshot s;
  std::vector<tail::FileKey> forget;
  for (auto& [key, f] : files_) {
    if (f.has_prefix) s.commits.push_back(f.prefix);
    const uint64_t prefix = f.has_prefix ? f.prefix.offset : UINT64_MAX - 1;
    if (prefix != f.last_prefix_offset) {
      f.last_prefix_offset = prefix;
      f.stable_since_writes = tailer_checkpoint_writes;
    }
    DoneFileEntry e = entry_of(f);
    if (e.fingerprint_len > 0 && (e.prefix > 0 || !e.ranges.empty()))
      s.state.files.push_back(std::move(e));
    // Every line done, and the tailer has written its checkpoint twice since the prefix last
    // moved (so one write began after our commit): its own checkpoint holds the offset.
    if (f.entries.empty() && !f.loaded && tailer_checkpoint_writes >= f.stable_since_writes + 2)
      forget.push_back(key);
  }
  for (const auto& [key, l] : loaded_) {
    DoneFileEntry e;
    e.file = key;
    e.fingerprint_len = l.fingerprint_len;
    e.fingerprint_crc = l.fingerprint_crc;
    e.prefix = l.prefix;
    e.ranges = l.ranges;
    e.path = l.path;
    s.state.files.push_back(std::move(e));
  }
  std::sort(s.state.files.begin(), s.state.files.end(),
            [](const DoneFileEntry& a, const DoneFileEntry& b) { return a.file < b.file; });
  for (const tail::FileKey& key : forget) {
    auto it = files_.find(key);
    slots_[it->second.slot] = nullptr;
    free_slots_.push_back(it->second.slot);
    files_.erase(it);
  }
  return s;
}

void TailLedger::forget_unseen_loaded() { loaded_.clear(); }

}  // namespace weft::ingest
