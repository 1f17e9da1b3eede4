#pragma once
// TailLedger: the bookkeeping between the file tailer (tail/tailer.h) and the store that
// lets `weft serve --tail` survive a kill -9 without losing or doubling a line.
//
// Every line the tailer delivers gets a token and an entry in its file's ordered list of
// outstanding lines. A line is *done* once it is stored (its trace's batch was acknowledged
// durable) or rejected. Per file, the position after the longest run of done lines from the
// front is what may be committed to the tailer (its checkpoint then resumes there).
//
// That alone is not enough: a trace whose lines sit on both sides of a line still held open
// (another, longer trace) would be read again only in part after a restart, and the part
// would be built into spans on its own (placeholders for its parents, its log lines as events
// of those) — visible duplicates. So the ledger also records the done lines *beyond* each
// prefix, and the component persists them in the stored-lines file
// (docs/format/tail-done.md) before it commits anything to the tailer. After a restart, a line
// the file says is stored is not read again (`Added::stored`). Lines of one emission are
// marked done together, so an emission is either recorded whole or read again whole (and then
// built into the same spans, which the store drops as duplicates by span ID).
//
// Not thread-safe: the owner locks.
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "tail/checkpoint.h"
#include "tail/tailer.h"

namespace weft::ingest {

// A run of stored lines of one file: [begin, end) in bytes, whole lines.
struct DoneRange {
  uint64_t begin = 0;
  uint64_t end = 0;
  friend bool operator==(const DoneRange&, const DoneRange&) = default;
};

// What the stored-lines file says of one file.
struct DoneFileEntry {
  tail::FileKey file;
  // crc32c of the file's first fingerprint_len bytes (at most tail::kFingerprintBytes): a file
  // rewritten or an inode reused since is not this file any more. 0: unknown (entry unusable).
  uint32_t fingerprint_len = 0;
  uint32_t fingerprint_crc = 0;
  uint64_t prefix = 0;            // every line ending at or before it is stored
  std::vector<DoneRange> ranges;  // further stored lines beyond `prefix`, ascending, disjoint
  std::string path;               // where it was last seen (diagnostics)
  friend bool operator==(const DoneFileEntry&, const DoneFileEntry&) = default;
};

struct DoneState {
  std::vector<DoneFileEntry> files;
  friend bool operator==(const DoneState&, const DoneState&) = default;
};

constexpr uint32_t kDoneFileVersion = 1;
std::string encode_done_state(const DoneState& s);
// DATA_LOSS naming what is wrong for anything but a whole, intact file.
Result<DoneState> decode_done_state(std::string_view bytes);
// Atomically: `path`.tmp, fsync, rename, fsync of the directory.
Status write_done_file(const std::string& path, const DoneState& s);
// nullopt if `path` does not exist; DATA_LOSS if damaged; IO_ERROR if unreadable.
Result<std::optional<DoneState>> read_done_file(const std::string& path);

// Reads the fingerprint of the file at `path` if it still is `file`: crc32c of its first
// min(size, max_len) bytes. False if it cannot be read or is another file now.
bool file_fingerprint(std::string_view path, const tail::FileKey& file, uint32_t max_len,
                      uint32_t* len, uint32_t* crc);

class TailLedger {
 public:
  // How the ledger reads a file's fingerprint (file_fingerprint by default; tests fake it).
  using FingerprintFn = std::function<bool(std::string_view path, const tail::FileKey& file,
                                           uint32_t max_len, uint32_t* len, uint32_t* crc)>;

  explicit TailLedger(FingerprintFn fingerprint = file_fingerprint);

  // The previous run's stored-lines file, before the first add(). Entries without a
  // fingerprint are dropped; `keep` (if set) filters the rest (the component keeps only files
  // the tailer's own checkpoint resumes).
  void load(DoneState previous, const std::function<bool(const tail::FileKey&)>& keep = {});

  struct Added {
    uint64_t token = 0;
    // The previous run stored this line: do not read it again (it is done already).
    bool stored = false;
  };
  // A line delivered by the tailer (in file order per file, as the tailer delivers them).
  Added add(const tail::TailLine& line);
  // The line of `token` is stored or rejected. Each token once; unknown tokens are ignored
  // (counted in bad_tokens()).
  void done(uint64_t token);
  void done(const std::vector<uint64_t>& tokens) {
    for (uint64_t t : tokens) done(t);
  }

  struct Snapshot {
    DoneState state;                         // persist this first ...
    std::vector<tail::TailPosition> commits;  // ... then commit these to the tailer
  };
  // What is stored now. `tailer_checkpoint_writes` (TailCounters::checkpoint_writes) lets the
  // ledger forget files whose every line is done and committed long enough for the tailer's
  // own checkpoint to hold it (two of its writes after the commit).
  Snapshot snapshot(uint64_t tailer_checkpoint_writes = 0);

  // Forgets the previous run's entries for files no line came from yet (call once the tailer
  // has had time to resume every file it will).
  void forget_unseen_loaded();

  size_t outstanding() const { return outstanding_; }  // lines delivered, not yet done
  size_t files() const { return files_.size(); }
  uint64_t bad_tokens() const { return bad_tokens_; }
  // Files whose previous-run entry was dropped because the file changed (fingerprint).
  uint64_t loaded_mismatches() const { return loaded_mismatches_; }

 private:
  struct Entry {
    uint64_t generation;
    uint64_t offset;
    uint64_t end;
    bool done;
  };
  struct Loaded {
    uint64_t prefix = 0;
    std::vector<DoneRange> ranges;
    size_t next = 0;  // ranges before it are passed
    uint32_t fingerprint_len = 0, fingerprint_crc = 0;
    std::string path;
  };
  struct FileState {
    tail::FileKey file;
    uint32_t slot = 0;
    std::string path;
    uint64_t generation = 0;  // of the newest line
    uint64_t base_seq = 0;    // sequence number of entries.front()
    uint64_t next_seq = 0;
    std::deque<Entry> entries;
    bool has_prefix = false;
    tail::TailPosition prefix;  // just past the last line popped from the front (all done)
    uint32_t fingerprint_len = 0, fingerprint_crc = 0;  // of the current generation
    std::optional<Loaded> loaded;                       // the previous run's, verified
    uint64_t last_prefix_offset = UINT64_MAX;  // as of the last snapshot
    uint64_t stable_since_writes = 0;          // tailer writes when the prefix last moved
  };

  FileState& state_for(const tail::TailLine& line);
  void pop_done(FileState& f);
  DoneFileEntry entry_of(const FileState& f) const;

  FingerprintFn fingerprint_;
  std::unordered_map<tail::FileKey, FileState, tail::FileKeyHash> files_;
  std::vector<FileState*> slots_;  // token >> kSeqBits -> its file (null: free)
  std::vector<uint32_t> free_slots_;
  std::unordered_map<tail::FileKey, Loaded, tail::FileKeyHash> loaded_;  // not yet seen
  size_t outstanding_ = 0;
  uint64_t bad_tokens_ = 0;
  uint64_t loaded_mismatches_ = 0;
};

}  // namespace weft::ingest
