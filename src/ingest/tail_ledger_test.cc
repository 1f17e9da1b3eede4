// The token/commit bookkeeping between the tailer and the store: out-of-order durability,
// several files, rotation (rename, copy-truncate), and what a restart skips.
#include "ingest/tail_ledger.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>

#include "store/testing/temp_dir.h"

namespace weft::ingest {
namespace {

using tail::FileKey;
using tail::TailLine;
using tail::TailPosition;

// Fake fingerprints: by file key, settable per test ("the file was rewritten").
struct Fingerprints {
  std::map<FileKey, uint32_t> crc;
  TailLedger::FingerprintFn fn() {
    return [this](std::string_view, const FileKey& f, uint32_t max_len, uint32_t* len,
                  uint32_t* c) {
      auto it = crc.find(f);
      if (it == crc.end()) return false;
      *len = std::min<uint32_t>(max_len, 100);
      *c = it->second;
      return true;
    };
  }
};

// Lines of fixed 10-byte length, numbered from 0, of one file incarnation.
struct FakeFile {
  FileKey key;
  std::string path;
  uint64_t generation = 1;
  uint64_t next = 0;  // next line's offset
  TailLine line() {
    TailLine l;
    l.bytes = "123456789";
    l.path = path;
    l.file = key;
    l.generation = generation;
    l.offset = next;
    l.end_offset = next + 10;
    l.length = 9;
    next += 10;
    return l;
  }
};

std::map<FileKey, uint64_t> commits_of(const TailLedger::Snapshot& s) {
  std::map<FileKey, uint64_t> out;
  for (const TailPosition& p : s.commits) out[p.file] = p.offset;
  return out;
}

const DoneFileEntry* entry_for(const DoneState& s, const FileKey& k) {
  for (const DoneFileEntry& e : s.files)
    if (e.file == k) return &e;
  return nullptr;
}

class TailLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fp_.crc[a_.key] = 111;
    fp_.crc[b_.key] = 222;
  }
  Fingerprints fp_;
  FakeFile a_{{1, 10}, "/logs/a.log"};
  FakeFile b_{{1, 20}, "/logs/b.log"};
};

TEST_F(TailLedgerTest, CommitsOnlyThePrefixWhoseEveryLineIsDone) {
  TailLedger ledger(fp_.fn());
  std::vector<uint64_t> t;
  for (int i = 0; i < 4; ++i) {
    auto added = ledger.add(a_.line());
    EXPECT_FALSE(added.stored);
    EXPECT_NE(added.token, 0u);
    t.push_back(added.token);
  }
  EXPECT_EQ(ledger.outstanding(), 4u);

  // Durable out of order: lines 2 and 3 first. Nothing can be committed yet, but the
  // stored-lines state records them.
  ledger.done(t[2]);
  ledger.done(t[3]);
  auto s = ledger.snapshot();
  EXPECT_TRUE(s.commits.empty());
  const DoneFileEntry* e = entry_for(s.state, a_.key);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->prefix, 0u);
  EXPECT_EQ(e->ranges, (std::vector<DoneRange>{{20, 40}}));
  EXPECT_EQ(e->fingerprint_crc, 111u);
  EXPECT_EQ(e->path, "/logs/a.log");

  ledger.done(t[0]);
  s = ledger.snapshot();
  EXPECT_EQ(commits_of(s)[a_.key], 10u);
  e = entry_for(s.state, a_.key);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->prefix, 10u);
  EXPECT_EQ(e->ranges, (std::vector<DoneRange>{{20, 40}}));

  ledger.done(t[1]);
  s = ledger.snapshot();
  EXPECT_EQ(commits_of(s)[a_.key], 40u);
  EXPECT_EQ(s.commits[0].generation, 1u);
  e = entry_for(s.state, a_.key);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->prefix, 40u);
  EXPECT_TRUE(e->ranges.empty());
  EXPECT_EQ(ledger.outstanding(), 0u);
  EXPECT_EQ(ledger.bad_tokens(), 0u);

  // A token reported twice, or one never handed out, changes nothing.
  ledger.done(t[1]);
  ledger.done(12345);
  ledger.done(0);
  EXPECT_EQ(ledger.bad_tokens(), 3u);
  EXPECT_EQ(commits_of(ledger.snapshot())[a_.key], 40u);
}

TEST_F(TailLedgerTest, FilesAreIndependent) {
  TailLedger ledger(fp_.fn());
  auto a0 = ledger.add(a_.line()).token;
  auto b0 = ledger.add(b_.line()).token;
  auto a1 = ledger.add(a_.line()).token;
  auto b1 = ledger.add(b_.line()).token;
  // One trace's batch holds a1 and b0; another's a0 and b1 (still open).
  ledger.done(std::vector<uint64_t>{a1, b0});
  auto s = ledger.snapshot();
  auto c = commits_of(s);
  EXPECT_FALSE(c.contains(a_.key));  // a0 still open
  EXPECT_EQ(c[b_.key], 10u);
  EXPECT_EQ(entry_for(s.state, a_.key)->ranges, (std::vector<DoneRange>{{10, 20}}));
  EXPECT_EQ(entry_for(s.state, b_.key)->prefix, 10u);
  ledger.done(std::vector<uint64_t>{a0, b1});
  c = commits_of(ledger.snapshot());
  EXPECT_EQ(c[a_.key], 20u);
  EXPECT_EQ(c[b_.key], 20u);
  EXPECT_EQ(ledger.outstanding(), 0u);
}

TEST_F(TailLedgerTest, RotationByRenameKeepsTheFileAndANewFileStartsFresh) {
  TailLedger ledger(fp_.fn());
  auto a0 = ledger.add(a_.line()).token;
  // app.log -> app.log.1 (same file, new path), and a new app.log.
  a_.path = "/logs/a.log.1";
  auto a1 = ledger.add(a_.line()).token;
  FakeFile fresh{{1, 30}, "/logs/a.log"};
  fp_.crc[fresh.key] = 333;
  auto n0 = ledger.add(fresh.line()).token;
  ledger.done(n0);
  ledger.done(a1);
  auto s = ledger.snapshot();
  auto c = commits_of(s);
  EXPECT_FALSE(c.contains(a_.key));
  EXPECT_EQ(c[fresh.key], 10u);
  EXPECT_EQ(entry_for(s.state, a_.key)->path, "/logs/a.log.1");
  EXPECT_EQ(entry_for(s.state, a_.key)->ranges, (std::vector<DoneRange>{{10, 20}}));
  ledger.done(a0);
  EXPECT_EQ(commits_of(ledger.snapshot())[a_.key], 20u);
}

TEST_F(TailLedgerTest, CopyTruncateStartsANewGenerationWhoseOffsetsStandAlone) {
  TailLedger ledger(fp_.fn());
  auto old0 = ledger.add(a_.line()).token;  // [0,10) of generation 1, still open
  ledger.add(a_.line());                    // [10,20), open
  // Truncated and written again: generation 2 from offset 0, other content.
  a_.generation = 2;
  a_.next = 0;
  fp_.crc[a_.key] = 999;
  auto new0 = ledger.add(a_.line()).token;
  auto new1 = ledger.add(a_.line()).token;
  ledger.done(new1);
  ledger.done(new0);
  auto s = ledger.snapshot();
  // The old generation's lines still hold the prefix back ...
  EXPECT_TRUE(s.commits.empty());
  // ... but what is stored of the new content is recorded, under its own fingerprint, and
  // the old generation's offsets do not leak into it.
  const DoneFileEntry* e = entry_for(s.state, a_.key);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->fingerprint_crc, 999u);
  EXPECT_EQ(e->prefix, 0u);
  EXPECT_EQ(e->ranges, (std::vector<DoneRange>{{0, 20}}));
  ledger.done(old0);
  s = ledger.snapshot();
  EXPECT_EQ(s.commits.size(), 1u);
  EXPECT_EQ(s.commits[0].generation, 1u);  // stale for the tailer: it ignores it
  EXPECT_EQ(s.commits[0].offset, 10u);
}

TEST_F(TailLedgerTest, ARestartSkipsWhatThePreviousRunStoredAndNothingElse) {
  DoneState saved;
  {
    TailLedger ledger(fp_.fn());
    std::vector<uint64_t> ta, tb;
    for (int i = 0; i < 6; ++i) ta.push_back(ledger.add(a_.line()).token);
    for (int i = 0; i < 2; ++i) tb.push_back(ledger.add(b_.line()).token);
    // a: lines 0,1 stored (prefix 20), 2 open, 3,4 stored, 5 open. b: line 1 stored.
    ledger.done(std::vector<uint64_t>{ta[0], ta[1], ta[3], ta[4], tb[1]});
    saved = ledger.snapshot().state;
  }
  // Through the file format.
  auto decoded = decode_done_state(encode_done_state(saved));
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(*decoded, saved);

  TailLedger ledger(fp_.fn());
  ledger.load(*decoded);
  // The tailer's checkpoint resumes a at 10 (it lagged) and b at 0.
  a_.next = 10;
  b_.next = 0;
  std::vector<bool> a_stored, b_stored;
  std::vector<uint64_t> tokens;
  for (int i = 1; i < 6; ++i) {
    auto added = ledger.add(a_.line());
    a_stored.push_back(added.stored);
    if (!added.stored) tokens.push_back(added.token);
  }
  for (int i = 0; i < 2; ++i) b_stored.push_back(ledger.add(b_.line()).stored);
  EXPECT_EQ(a_stored, (std::vector<bool>{true, false, true, true, false}));
  EXPECT_EQ(b_stored, (std::vector<bool>{false, true}));
  EXPECT_EQ(ledger.outstanding(), 3u);  // a2, a5, b0
  // Until a2 is stored, the state still says 3 and 4 are: a second crash keeps skipping them.
  auto s = ledger.snapshot();
  EXPECT_EQ(entry_for(s.state, a_.key)->prefix, 20u);
  EXPECT_EQ(entry_for(s.state, a_.key)->ranges, (std::vector<DoneRange>{{30, 50}}));
  ledger.done(tokens[0]);
  EXPECT_EQ(commits_of(ledger.snapshot())[a_.key], 50u);
}

TEST_F(TailLedgerTest, AFileRewrittenSinceIsReadWhole) {
  TailLedger first(fp_.fn());
  for (int i = 0; i < 3; ++i) first.done(first.add(a_.line()).token);
  DoneState saved = first.snapshot().state;
  ASSERT_EQ(entry_for(saved, a_.key)->prefix, 30u);

  fp_.crc[a_.key] = 4242;  // another file now has that inode, or it was rewritten
  TailLedger ledger(fp_.fn());
  ledger.load(saved);
  a_.next = 0;
  EXPECT_FALSE(ledger.add(a_.line()).stored);
  EXPECT_FALSE(ledger.add(a_.line()).stored);
  EXPECT_EQ(ledger.loaded_mismatches(), 1u);
}

TEST_F(TailLedgerTest, LoadKeepsOnlyFilesTheTailerResumesAndCarriesUnseenOnes) {
  TailLedger first(fp_.fn());
  for (int i = 0; i < 2; ++i) first.done(first.add(a_.line()).token);
  for (int i = 0; i < 2; ++i) first.done(first.add(b_.line()).token);
  DoneState saved = first.snapshot().state;
  ASSERT_EQ(saved.files.size(), 2u);

  TailLedger ledger(fp_.fn());
  ledger.load(saved, [&](const FileKey& k) { return k == b_.key; });
  a_.next = 0;
  EXPECT_FALSE(ledger.add(a_.line()).stored);  // not resumed by the tailer: read as new
  // b has not been reached yet: its entry is carried into the next state as it was.
  auto s = ledger.snapshot();
  ASSERT_NE(entry_for(s.state, b_.key), nullptr);
  EXPECT_EQ(entry_for(s.state, b_.key)->prefix, 20u);
  ledger.forget_unseen_loaded();
  EXPECT_EQ(entry_for(ledger.snapshot().state, b_.key), nullptr);
}

TEST_F(TailLedgerTest, ForgetsADoneFileOnceTheTailersCheckpointHoldsIt) {
  TailLedger ledger(fp_.fn());
  ledger.done(ledger.add(a_.line()).token);
  auto s = ledger.snapshot(/*tailer_checkpoint_writes=*/5);
  EXPECT_EQ(commits_of(s)[a_.key], 10u);
  EXPECT_EQ(ledger.files(), 1u);
  ledger.snapshot(6);
  EXPECT_EQ(ledger.files(), 1u);  // one write may have begun before the commit
  s = ledger.snapshot(7);
  EXPECT_EQ(ledger.files(), 0u);
  // Lines of it later start a fresh state; tokens stay unique and valid.
  auto t = ledger.add(a_.line()).token;
  ledger.done(t);
  EXPECT_EQ(ledger.bad_tokens(), 0u);
  EXPECT_EQ(commits_of(ledger.snapshot(7))[a_.key], 20u);
}

TEST(DoneFileTest, DamageIsDetectedAndTheFileRoundTrips) {
  DoneState s;
  DoneFileEntry e;
  e.file = {7, 99};
  e.fingerprint_len = 256;
  e.fingerprint_crc = 0xdeadbeef;
  e.prefix = 1000;
  e.ranges = {{1100, 1200}, {1300, 5000}};
  e.path = "/var/log/x.log";
  s.files.push_back(e);
  std::string bytes = encode_done_state(s);
  auto back = decode_done_state(bytes);
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(*back, s);
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] ^= 0x20;
    EXPECT_FALSE(decode_done_state(bad).is_ok()) << "byte " << i;
  }
  EXPECT_FALSE(decode_done_state(bytes.substr(0, bytes.size() - 1)).is_ok());

  store::testing::TempDir dir;
  const std::string path = dir.path() + "/tail.checkpoint.done";
  auto none = read_done_file(path);
  ASSERT_TRUE(none.is_ok());
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(write_done_file(path, s).is_ok());
  auto read = read_done_file(path);
  ASSERT_TRUE(read.is_ok());
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ(**read, s);
  std::ofstream(path, std::ios::trunc) << "garbage";
  auto damaged = read_done_file(path);
  EXPECT_FALSE(damaged.is_ok());
  EXPECT_EQ(damaged.status().code(), ResultCode::kDataLoss);
}

TEST(DoneFileTest, FingerprintReadsTheFileOnlyIfItIsStillTheSameOne) {
  store::testing::TempDir dir;
  const std::string path = dir.path() + "/a.log";
  std::ofstream(path) << "hello\n";
  struct stat st{};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  FileKey key{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
  uint32_t len = 0, crc = 0, crc2 = 0;
  ASSERT_TRUE(file_fingerprint(path, key, 256, &len, &crc));
  EXPECT_EQ(len, 6u);
  ASSERT_TRUE(file_fingerprint(path, key, 3, &len, &crc2));
  EXPECT_EQ(len, 3u);
  EXPECT_NE(crc, crc2);
  EXPECT_FALSE(file_fingerprint(path, FileKey{key.dev, key.ino + 1}, 256, &len, &crc));
  EXPECT_FALSE(file_fingerprint(dir.path() + "/missing", key, 256, &len, &crc));
}

}  // namespace
}  // namespace weft::ingest
