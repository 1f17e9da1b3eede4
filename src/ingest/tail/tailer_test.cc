#include "tail/tailer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>

namespace weft::tail {
namespace {

namespace fs = std::filesystem;
constexpr uint64_t kSecond = 1'000'000'000ULL;

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ =
        (fs::temp_directory_path() / ("weft-tail-" + std::to_string(rd()) + std::to_string(rd())))
            .string();
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void append(const std::string& path, std::string_view data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0) << path;
  ASSERT_EQ(::write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  ::close(fd);
}

void write_fd(int fd, std::string_view data) {
  ASSERT_EQ(::write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Got {
  std::string bytes;
  std::string path;
  FileKey file;
  uint64_t generation;
  uint64_t offset;
  uint64_t end_offset;
  uint64_t length;
  bool truncated;
  bool unterminated;
  TailPosition position() const { return {file, generation, end_offset}; }
};

Got copy(const TailLine& l) {
  return Got{std::string(l.bytes),
             std::string(l.path),
             l.file,
             l.generation,
             l.offset,
             l.end_offset,
             l.length,
             l.truncated,
             l.unterminated};
}

class TailerTest : public ::testing::Test {
 protected:
  std::string log_path(const std::string& name = "app.log") const {
    return dir_.path() + "/" + name;
  }
  std::string checkpoint_path() const { return state_.path() + "/tail.checkpoint"; }

  TailOptions options(From from) {
    TailOptions o;
    o.globs = {dir_.path() + "/*.log"};
    o.from = from;
    o.clock = &clock_;
    o.log = [this](const std::string& line) { logs_.push_back(line); };
    o.checkpoint_path = checkpoint_path();
    o.checkpoint_interval_ms = 3'600'000;  // only the first write, explicit ones and stop()
    return o;
  }

  std::unique_ptr<Tailer> open(TailOptions o) {
    Result<std::unique_ptr<Tailer>> r =
        Tailer::open(std::move(o), [this](const TailLine& l) { got_.push_back(copy(l)); });
    EXPECT_TRUE(r.is_ok()) << r.status().to_string();
    return r.is_ok() ? std::move(r).value() : nullptr;
  }

  // The bytes of the lines delivered since the last call.
  std::vector<std::string> take() {
    std::vector<std::string> out;
    for (const Got& g : got_) out.push_back(g.bytes);
    got_.clear();
    return out;
  }

  bool logged(std::string_view needle) const {
    for (const std::string& l : logs_)
      if (l.find(needle) != std::string::npos) return true;
    return false;
  }

  TempDir dir_;
  TempDir state_;
  ManualClock clock_;
  std::vector<Got> got_;
  std::vector<std::string> logs_;
};

using Lines = std::vector<std::string>;

TEST_F(TailerTest, FromEndSkipsWhatIsThereAndReadsWhatComes) {
  append(log_path(), "a\nb\n");
  auto t = open(options(From::kEnd));
  EXPECT_EQ(t->poll_once(), 0u);
  append(log_path(), "c\n");
  EXPECT_EQ(t->poll_once(), 1u);
  ASSERT_EQ(got_.size(), 1u);
  EXPECT_EQ(got_[0].bytes, "c");
  EXPECT_EQ(got_[0].offset, 4u);
  EXPECT_EQ(got_[0].end_offset, 6u);
  EXPECT_EQ(got_[0].path, log_path());
  struct stat st;
  ASSERT_EQ(::stat(log_path().c_str(), &st), 0);
  EXPECT_EQ(got_[0].file, (FileKey{st.st_dev, st.st_ino}));
  EXPECT_EQ(t->counters().lines.load(), 1u);
  EXPECT_EQ(t->counters().bytes.load(), 2u);
  EXPECT_EQ(t->counters().files_opened.load(), 1u);
}

TEST_F(TailerTest, FromBeginningReadsWhatIsThere) {
  append(log_path(), "a\nb\n");
  auto t = open(options(From::kBeginning));
  EXPECT_EQ(t->poll_once(), 2u);
  EXPECT_EQ(take(), (Lines{"a", "b"}));
  append(log_path(), "c\n");
  t->poll_once();
  EXPECT_EQ(take(), (Lines{"c"}));
  EXPECT_EQ(t->poll_once(), 0u);
}

TEST_F(TailerTest, FromEndStartsAtTheUnfinishedLastLine) {
  append(log_path(), "a\nbb");
  auto t = open(options(From::kEnd));
  EXPECT_EQ(t->poll_once(), 0u);
  append(log_path(), "b\n");
  t->poll_once();
  EXPECT_EQ(take(), (Lines{"bbb"}));
}

TEST_F(TailerTest, FromEndSkipsAnOverlongUnfinishedLastLine) {
  append(log_path(), "a\n" + std::string(100'000, 'z'));  // no newline in the last 64 KiB
  auto t = open(options(From::kEnd));
  EXPECT_EQ(t->poll_once(), 0u);
  append(log_path(), "zz\nnext\n");
  t->poll_once();
  EXPECT_EQ(take(), (Lines{"next"}));  // the end of the skipped line is not a line
  t->stop();
  auto c = read_checkpoint_file(checkpoint_path());
  ASSERT_TRUE(c.is_ok() && c->has_value());
  EXPECT_EQ((*c)->files[0].offset, 2u + 100'000 + 3);  // past it, not in its middle
}

TEST_F(TailerTest, PartialLineWaitsForItsNewline) {
  auto t = open(options(From::kEnd));
  t->poll_once();
  append(log_path(), "hel");
  EXPECT_EQ(t->poll_once(), 0u);
  append(log_path(), "lo\nwor");
  t->poll_once();
  append(log_path(), "ld\n");
  t->poll_once();
  ASSERT_EQ(got_.size(), 2u);
  EXPECT_EQ(got_[0].bytes, "hello");
  EXPECT_EQ(got_[0].offset, 0u);
  EXPECT_EQ(got_[0].end_offset, 6u);
  EXPECT_EQ(got_[1].bytes, "world");
  EXPECT_EQ(got_[1].offset, 6u);
  EXPECT_EQ(got_[1].end_offset, 12u);
  EXPECT_FALSE(got_[1].unterminated);
}

TEST_F(TailerTest, TinyReadBufferSplitsLinesAnywhere) {
  TailOptions o = options(From::kBeginning);
  o.read_buffer_bytes = 3;
  std::string content;
  Lines want;
  for (int i = 0; i < 40; ++i) {
    want.push_back(std::string(static_cast<size_t>(i % 7), static_cast<char>('a' + i % 26)));
    content += want.back() + "\n";
  }
  append(log_path(), content);
  auto t = open(o);
  t->poll_once();
  EXPECT_EQ(take(), want);
}

TEST_F(TailerTest, EmptyLinesCarriageReturnsAndBinaryGarbagePassThrough) {
  const std::string garbage("\x00\xff\xfe\x01 not json \x00", 15);
  append(log_path(), "\n" + garbage + "\nwin\r\n{\"ok\":1}\n");
  auto t = open(options(From::kBeginning));
  t->poll_once();
  EXPECT_EQ(take(), (Lines{"", garbage, "win\r", "{\"ok\":1}"}));
}

TEST_F(TailerTest, RenameRotationFinishesTheOldFileThenClosesIt) {
  TailOptions o = options(From::kBeginning);
  o.rotate_wait_ms = 5000;
  append(log_path(), "1\n2\n");
  auto t = open(o);
  t->poll_once();
  EXPECT_EQ(take(), (Lines{"1", "2"}));

  // The application keeps its descriptor; logrotate renames and creates a new app.log.
  int app = ::open(log_path().c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  ASSERT_GE(app, 0);
  ASSERT_EQ(::rename(log_path().c_str(), log_path("app.log.1").c_str()), 0);
  write_fd(app, "3\n");  // after the rename, to the old file
  append(log_path(), "4\n");
  t->poll_once();
  ASSERT_EQ(got_.size(), 2u);
  EXPECT_EQ(got_[0].bytes, "3");  // the old file first
  EXPECT_EQ(got_[1].bytes, "4");
  EXPECT_NE(got_[0].file, got_[1].file);
  EXPECT_EQ(got_[1].offset, 0u);
  EXPECT_EQ(t->counters().files_rotated.load(), 1u);
  EXPECT_EQ(t->counters().files_opened.load(), 2u);
  got_.clear();

  write_fd(app, "5\n6");  // still writing to the old file, the last line unfinished
  append(log_path(), "7\n");
  t->poll_once();
  EXPECT_EQ(take(), (Lines{"5", "7"}));
  EXPECT_EQ(t->counters().files_closed.load(), 0u);

  clock_.advance(6 * kSecond);  // rotate_wait passes without growth: closed
  t->poll_once();
  ASSERT_EQ(got_.size(), 1u);
  EXPECT_EQ(got_[0].bytes, "6");
  EXPECT_TRUE(got_[0].unterminated);
  EXPECT_EQ(t->counters().unterminated_lines.load(), 1u);
  EXPECT_EQ(t->counters().files_closed.load(), 1u);
  got_.clear();

  write_fd(app, "8\n");  // nobody follows app.log.1 any more
  EXPECT_EQ(t->poll_once(), 0u);
  ::close(app);
}

TEST_F(TailerTest, RenameToAMatchingNameKeepsFollowingUnderTheNewName) {
  TailOptions o = options(From::kBeginning);
  o.globs = {dir_.path() + "/app.log*"};
  append(log_path(), "1\n");
  auto t = open(o);
  t->poll_once();
  take();
  ASSERT_EQ(::rename(log_path().c_str(), log_path("app.log.1").c_str()), 0);
  append(log_path("app.log.1"), "2\n");
  append(log_path(), "3\n");
  t->poll_once();
  ASSERT_EQ(got_.size(), 2u);
  EXPECT_EQ(got_[0].bytes, "2");
  EXPECT_EQ(got_[0].path, log_path("app.log.1"));
  EXPECT_EQ(got_[1].bytes, "3");
  EXPECT_EQ(got_[1].path, log_path());
  EXPECT_EQ(t->counters().files_rotated.load(), 1u);
  EXPECT_EQ(t->counters().files_closed.load(), 0u);
}

TEST_F(TailerTest, CopyTruncateStartsAgainAtZero) {
  append(log_path(), "aaa\nbbb\n");
  auto t = open(options(From::kBeginning));
  t->poll_once();
  ASSERT_EQ(got_.size(), 2u);
  const TailPosition old = got_[1].position();
  got_.clear();
  append(log_path(), "cc");  // unfinished when logrotate copies and truncates
  t->poll_once();
  ASSERT_EQ(::truncate(log_path().c_str(), 0), 0);
  append(log_path(), "x\n");
  t->poll_once();
  ASSERT_EQ(got_.size(), 2u);
  EXPECT_EQ(got_[0].bytes, "cc");
  EXPECT_TRUE(got_[0].unterminated);
  EXPECT_EQ(got_[1].bytes, "x");
  EXPECT_EQ(got_[1].offset, 0u);
  EXPECT_EQ(got_[1].end_offset, 2u);
  EXPECT_EQ(got_[1].file, old.file);
  EXPECT_NE(got_[1].generation, old.generation);
  EXPECT_EQ(t->counters().files_truncated.load(), 1u);
  EXPECT_TRUE(logged("copy-truncate"));

  // A late commit of the old generation cannot point past the new content.
  t->commit(old);
  ASSERT_TRUE(t->write_checkpoint().is_ok());
  auto c = read_checkpoint_file(checkpoint_path());
  ASSERT_TRUE(c.is_ok() && c->has_value());
  ASSERT_EQ((*c)->files.size(), 1u);
  EXPECT_EQ((*c)->files[0].offset, 0u);
  t->commit(got_[1].position());
  ASSERT_TRUE(t->write_checkpoint().is_ok());
  c = read_checkpoint_file(checkpoint_path());
  EXPECT_EQ((*c)->files[0].offset, 2u);
}

TEST_F(TailerTest, NewFileMatchingTheGlobIsReadFromTheBeginning) {
  append(log_path(), "old\n");
  auto t = open(options(From::kEnd));
  t->poll_once();
  append(log_path("b.log"), "x\ny\n");
  append(log_path("c.txt"), "not matching\n");
  t->poll_once();
  EXPECT_EQ(take(), (Lines{"x", "y"}));
  EXPECT_EQ(t->counters().files_opened.load(), 2u);
}

TEST_F(TailerTest, DeletedFileIsReadToItsEndThenClosed) {
  TailOptions o = options(From::kBeginning);
  o.rotate_wait_ms = 0;
  append(log_path(), "a\n");
  auto t = open(o);
  t->poll_once();
  take();
  append(log_path(), "b\nc");
  ASSERT_EQ(::unlink(log_path().c_str()), 0);
  t->poll_once();
  ASSERT_EQ(got_.size(), 2u);
  EXPECT_EQ(got_[0].bytes, "b");
  EXPECT_EQ(got_[1].bytes, "c");
  EXPECT_TRUE(got_[1].unterminated);
  EXPECT_EQ(t->counters().files_deleted.load(), 1u);
  EXPECT_EQ(t->counters().files_closed.load(), 1u);
  EXPECT_EQ(t->poll_once(), 0u);
}

TEST_F(TailerTest, LongLineIsCutCountedAndTheFileGoesOn) {
  TailOptions o = options(From::kBeginning);
  o.max_line_bytes = 8;
  o.read_buffer_bytes = 16;
  append(log_path(), "short\n" + std::string(100, 'x') + "\nafter\n" + std::string(50, 'y'));
  auto t = open(o);
  t->poll_once();
  ASSERT_EQ(got_.size(), 3u);
  EXPECT_EQ(got_[0].bytes, "short");
  EXPECT_FALSE(got_[0].truncated);
  EXPECT_EQ(got_[1].bytes, "xxxxxxxx");
  EXPECT_TRUE(got_[1].truncated);
  EXPECT_EQ(got_[1].length, 100u);
  EXPECT_EQ(got_[1].offset, 6u);
  EXPECT_EQ(got_[1].end_offset, 107u);
  EXPECT_EQ(got_[2].bytes, "after");
  got_.clear();
  // A long line spread over several rounds; memory stays at max_line_bytes.
  append(log_path(), std::string(50, 'y'));
  EXPECT_EQ(t->poll_once(), 0u);
  append(log_path(), "\nok\n");
  t->poll_once();
  ASSERT_EQ(got_.size(), 2u);
  EXPECT_EQ(got_[0].bytes, "yyyyyyyy");
  EXPECT_EQ(got_[0].length, 100u);
  EXPECT_TRUE(got_[0].truncated);
  EXPECT_EQ(got_[1].bytes, "ok");
  EXPECT_EQ(t->counters().truncated_lines.load(), 2u);
  EXPECT_TRUE(logged("was cut to 8 bytes"));

  // A line exactly at the limit is whole.
  append(log_path(), "12345678\n");
  t->poll_once();
  ASSERT_EQ(got_.size(), 3u);
  EXPECT_FALSE(got_[2].truncated);
}

TEST_F(TailerTest, CheckpointAndRestartResumeExactlyAfterTheCommit) {
  for (int i = 1; i <= 10; ++i) append(log_path(), "line" + std::to_string(i) + "\n");
  {
    auto t = open(options(From::kBeginning));
    EXPECT_EQ(t->poll_once(), 10u);
    t->commit(got_[5].position());  // line6 is stored; 7..10 are not yet
    t->stop();
    EXPECT_GE(t->counters().checkpoint_writes.load(), 2u);  // first scan, stop
  }
  got_.clear();
  append(log_path(), "line11\nline12\n");  // written while weft is down
  auto t = open(options(From::kEnd));      // the checkpoint wins over `from`
  t->poll_once();
  EXPECT_EQ(take(), (Lines{"line7", "line8", "line9", "line10", "line11", "line12"}));
}

TEST_F(TailerTest, KillNineLosesNothingCommitted) {
  for (int i = 1; i <= 10; ++i) append(log_path(), std::to_string(i) + "\n");
  std::string on_disk;
  {
    auto t = open(options(From::kBeginning));
    t->poll_once();
    t->commit(got_[3].position());
    ASSERT_TRUE(t->write_checkpoint().is_ok());
    on_disk = read_all(checkpoint_path());  // what a kill -9 now would leave
    t->commit(got_[9].position());          // committed, never checkpointed
  }
  std::ofstream(checkpoint_path(), std::ios::binary | std::ios::trunc) << on_disk;
  got_.clear();
  append(log_path(), "11\n");
  auto t = open(options(From::kEnd));
  t->poll_once();
  EXPECT_EQ(take(), (Lines{"5", "6", "7", "8", "9", "10", "11"}));
}

TEST_F(TailerTest, FirstCheckpointIsWrittenRightAfterTheFirstScan) {
  append(log_path(), "before\n");
  {
    auto t = open(options(From::kEnd));
    t->poll_once();
    EXPECT_EQ(t->counters().checkpoint_writes.load(), 1u);
    const std::string on_disk = read_all(checkpoint_path());
    append(log_path(), "after\n");
    t->poll_once();
    t.reset();  // "kill -9" right here: put back what was on disk
    std::ofstream(checkpoint_path(), std::ios::binary | std::ios::trunc) << on_disk;
  }
  got_.clear();
  auto t = open(options(From::kEnd));
  t->poll_once();
  EXPECT_EQ(take(), (Lines{"after"}));  // not lost, although `from` is the end
}

TEST_F(TailerTest, RestartFollowsARotationThatHappenedWhileDown) {
  TailOptions o = options(From::kEnd);
  o.globs = {dir_.path() + "/app.log*"};
  append(log_path(), "0\n");
  {
    auto t = open(o);
    t->poll_once();
    append(log_path(), "1\n2\n");
    t->poll_once();
    ASSERT_EQ(take(), (Lines{"1", "2"}));
    ASSERT_EQ(got_.size(), 0u);
  }
  // Nothing committed past the start: 1 and 2 come again. While down, the file gets one
  // more line and is rotated; the new app.log gets a line.
  append(log_path(), "3\n");
  ASSERT_EQ(::rename(log_path().c_str(), log_path("app.log.1").c_str()), 0);
  append(log_path(), "4\n");
  append(log_path("other.txt"), "x\n");
  auto t = open(o);
  t->poll_once();
  Lines old_file, new_file;
  for (const Got& g : got_) (g.path == log_path() ? new_file : old_file).push_back(g.bytes);
  EXPECT_EQ(old_file, (Lines{"1", "2", "3"}));
  EXPECT_EQ(new_file, (Lines{"4"}));  // unknown to the checkpoint, matching its globs
}

TEST_F(TailerTest, RestartReadsTheRestOfAFileRotatedOutOfTheGlobWhileDown) {
  TailOptions o = options(From::kBeginning);
  o.globs = {dir_.path() + "/*.log"};  // app.log.1 does not match
  append(log_path(), "1\n2\n3\n");
  {
    auto t = open(o);
    t->poll_once();
    ASSERT_EQ(got_.size(), 3u);
    t->commit(got_[0].position());  // 1 stored; 2 and 3 not yet
    ASSERT_TRUE(t->write_checkpoint().is_ok());
  }  // "kill -9": the checkpoint says 1
  got_.clear();
  append(log_path(), "4\n");
  ASSERT_EQ(::rename(log_path().c_str(), log_path("app.log.1").c_str()), 0);
  append(log_path(), "5\n");
  append(log_path("gone.log.1"), "not ours\n");
  auto t = open(o);
  t->poll_once();
  Lines old_file, new_file;
  for (const Got& g : got_) (g.path == log_path() ? new_file : old_file).push_back(g.bytes);
  EXPECT_EQ(old_file, (Lines{"2", "3", "4"})) << "the uncommitted rest of the rotated file";
  EXPECT_EQ(new_file, (Lines{"5"}));
  EXPECT_EQ(t->counters().files_rotated.load(), 1u);
}

TEST_F(TailerTest, FilesNewToTheGlobsFollowFromOnRestart) {
  append(log_path(), "a\n");
  {
    auto t = open(options(From::kEnd));
    t->poll_once();
  }
  append(log_path("b.txt"), "existing\n");
  TailOptions o = options(From::kEnd);
  o.globs.push_back(dir_.path() + "/*.txt");  // a glob the checkpoint did not know
  auto t = open(o);
  t->poll_once();
  EXPECT_TRUE(take().empty());
  append(log_path("b.txt"), "new\n");
  t->poll_once();
  EXPECT_EQ(take(), (Lines{"new"}));
}

TEST_F(TailerTest, RestartRereadsAFileRewrittenInPlace) {
  append(log_path(), "first version 1\nfirst version 2\n");
  {
    auto t = open(options(From::kBeginning));
    t->poll_once();
    t->commit(got_.back().position());
  }
  got_.clear();
  // Same inode, other content, longer than the checkpoint offset (copy-truncate and new
  // lines while down): the fingerprint tells, the file is read again from the start.
  ASSERT_EQ(::truncate(log_path().c_str(), 0), 0);
  std::string rewritten;
  for (int i = 0; i < 5; ++i) rewritten += "second version " + std::to_string(i) + "\n";
  append(log_path(), rewritten);
  auto t = open(options(From::kEnd));
  t->poll_once();
  EXPECT_EQ(got_.size(), 5u);
  EXPECT_TRUE(logged("not its first bytes"));
}

TEST_F(TailerTest, RestartRereadsAFileShorterThanItsCheckpoint) {
  append(log_path(), "1\n2\n3\n");
  {
    auto t = open(options(From::kBeginning));
    t->poll_once();
    t->commit(got_.back().position());
  }
  got_.clear();
  ASSERT_EQ(::truncate(log_path().c_str(), 0), 0);
  append(log_path(), "4\n");
  auto t = open(options(From::kEnd));
  t->poll_once();
  EXPECT_EQ(take(), (Lines{"4"}));
}

TEST_F(TailerTest, DamagedCheckpointIsIgnoredWithAWarning) {
  append(log_path(), "a\nb\n");
  {
    auto t = open(options(From::kBeginning));
    t->poll_once();
    t->commit(got_[0].position());
  }
  got_.clear();
  const std::string good = read_all(checkpoint_path());
  ASSERT_GT(good.size(), 20u);

  // Torn (half written) and garbage: starts per `from`, with a warning.
  for (const std::string& damaged : {good.substr(0, good.size() / 2), std::string("garbage")}) {
    std::ofstream(checkpoint_path(), std::ios::binary | std::ios::trunc) << damaged;
    logs_.clear();
    auto end = open(options(From::kEnd));
    end->poll_once();
    EXPECT_TRUE(take().empty());
    EXPECT_TRUE(logged("checkpoint")) << damaged.size();
    EXPECT_TRUE(logged("ignored"));
    end.reset();

    std::ofstream(checkpoint_path(), std::ios::binary | std::ios::trunc) << damaged;
    auto beginning = open(options(From::kBeginning));
    beginning->poll_once();
    EXPECT_EQ(take(), (Lines{"a", "b"}));
  }
}

TEST_F(TailerTest, CommitIsMonotonic) {
  append(log_path(), "1\n2\n3\n");
  auto t = open(options(From::kBeginning));
  t->poll_once();
  t->commit(got_[1].position());
  t->commit(got_[0].position());                   // lower: ignored
  t->commit(TailPosition{FileKey{1, 2}, 1, 100});  // unknown file: ignored
  ASSERT_TRUE(t->write_checkpoint().is_ok());
  auto c = read_checkpoint_file(checkpoint_path());
  ASSERT_TRUE(c.is_ok() && c->has_value());
  ASSERT_EQ((*c)->files.size(), 1u);
  EXPECT_EQ((*c)->files[0].offset, got_[1].end_offset);
  EXPECT_EQ((*c)->files[0].path, log_path());
  EXPECT_EQ((*c)->files[0].fingerprint_len, 6u);
  EXPECT_EQ((*c)->globs, std::vector<std::string>{dir_.path() + "/*.log"});
}

TEST_F(TailerTest, DirectoryThatDoesNotExistYetIsWaitedFor) {
  TailOptions o = options(From::kEnd);
  o.globs = {dir_.path() + "/later/*.log"};
  auto t = open(o);
  EXPECT_EQ(t->poll_once(), 0u);
  EXPECT_TRUE(logged("no file matches"));
  fs::create_directories(dir_.path() + "/later");
  append(dir_.path() + "/later/x.log", "hello\n");
  t->poll_once();
  EXPECT_EQ(take(), (Lines{"hello"}));
}

TEST_F(TailerTest, UnreadableFileIsCountedLoggedAndRetried) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads any file";
  append(log_path(), "secret\n");
  ASSERT_EQ(::chmod(log_path().c_str(), 0), 0);
  auto t = open(options(From::kBeginning));
  EXPECT_EQ(t->poll_once(), 0u);
  EXPECT_GE(t->counters().open_errors.load(), 1u);
  EXPECT_TRUE(logged("Permission denied"));
  ASSERT_EQ(::chmod(log_path().c_str(), 0644), 0);
  t->poll_once();
  EXPECT_EQ(take(), (Lines{"secret"}));
}

TEST_F(TailerTest, BrokenPathIsCountedLoggedAndTheRestGoesOn) {
  // Works as root too (unlike a permission test): a symlink loop cannot be opened.
  ASSERT_EQ(::symlink("loop.log", log_path("loop.log").c_str()), 0);
  append(log_path(), "fine\n");
  auto t = open(options(From::kBeginning));
  t->poll_once();
  EXPECT_EQ(take(), (Lines{"fine"}));
  EXPECT_GE(t->counters().open_errors.load(), 1u);
  EXPECT_TRUE(logged("Too many levels of symbolic links"));
}

TEST_F(TailerTest, ExcludedAndNonRegularFilesAreNotFollowed) {
  TailOptions o = options(From::kBeginning);
  o.globs = {dir_.path() + "/*"};
  o.exclude = {"*.gz"};
  o.checkpoint_path = dir_.path() + "/tail.checkpoint";  // inside the glob: never followed
  append(log_path(), "yes\n");
  append(log_path("old.gz"), "no\n");
  fs::create_directories(dir_.path() + "/sub.log");
  ASSERT_EQ(::mkfifo((dir_.path() + "/fifo.log").c_str(), 0644), 0);
  auto t = open(o);
  t->poll_once();
  t->poll_once();
  EXPECT_EQ(take(), (Lines{"yes"}));
  EXPECT_EQ(t->counters().files_opened.load(), 1u);
}

TEST_F(TailerTest, RateLimitedLogsSayHowManyWereHeldBack) {
  TailOptions o = options(From::kBeginning);
  o.max_line_bytes = 2;
  append(log_path(), "long1\nlong2\nlong3\n");
  auto t = open(o);
  t->poll_once();
  EXPECT_EQ(t->counters().truncated_lines.load(), 3u);
  size_t cut = 0;
  for (const std::string& l : logs_) cut += l.find("was cut") != std::string::npos;
  EXPECT_EQ(cut, 1u);
  clock_.advance(11 * kSecond);
  append(log_path(), "long4\n");
  t->poll_once();
  EXPECT_TRUE(logged("2 more like it not logged"));
}

TEST_F(TailerTest, BadOptionsAreRefused) {
  TailOptions o = options(From::kEnd);
  o.globs.clear();
  EXPECT_FALSE(Tailer::open(o, [](const TailLine&) {}).is_ok());
  o = options(From::kEnd);
  o.max_line_bytes = 0;
  EXPECT_FALSE(Tailer::open(o, [](const TailLine&) {}).is_ok());
  o = options(From::kEnd);
  o.checkpoint_path = dir_.path() + "/missing/dir/tail.checkpoint";
  EXPECT_FALSE(Tailer::open(o, [](const TailLine&) {}).is_ok());
}

// ---- on a thread: bounded waits on a deadline, no fixed sleeps --------------------------

class Collector {
 public:
  void add(const TailLine& l) {
    std::lock_guard<std::mutex> lock(mu_);
    lines_.emplace_back(l.bytes);
    cv_.notify_all();
  }
  // Waits until `n` lines arrived or 10 s passed; returns what arrived.
  Lines wait_for(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(10), [&] { return lines_.size() >= n; });
    return lines_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  Lines lines_;
};

class TailerThreadTest : public TailerTest {
 protected:
  std::unique_ptr<Tailer> start(TailOptions o) {
    o.clock = nullptr;  // real time
    auto r = Tailer::open(std::move(o), [this](const TailLine& l) { collected_.add(l); });
    EXPECT_TRUE(r.is_ok()) << r.status().to_string();
    auto t = std::move(r).value();
    EXPECT_TRUE(t->start().is_ok());
    EXPECT_FALSE(t->start().is_ok());  // once
    return t;
  }
  Collector collected_;
};

TEST_F(TailerThreadTest, InotifyFollowsAppendsRotationAndNewFiles) {
  TailOptions o = options(From::kEnd);
  o.rescan_interval_ms = 600'000;  // so only inotify can wake the thread in time
  o.rotate_wait_ms = 600'000;
  o.checkpoint_interval_ms = 10;
  append(log_path(), "before\n");
  auto t = start(o);
  if (!t->inotify_active()) GTEST_SKIP() << "no inotify here";
  // The first round (the start at the end) is done once a checkpoint was written.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (t->counters().checkpoint_writes.load() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  ASSERT_GE(t->counters().checkpoint_writes.load(), 1u);

  append(log_path(), "1\n2\n");
  EXPECT_EQ(collected_.wait_for(2), (Lines{"1", "2"}));

  int app = ::open(log_path().c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  ASSERT_GE(app, 0);
  ASSERT_EQ(::rename(log_path().c_str(), log_path("app.log.1").c_str()), 0);
  append(log_path(), "3\n");
  Lines got = collected_.wait_for(3);
  write_fd(app, "old\n");
  got = collected_.wait_for(4);
  ::close(app);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[2], "3");
  EXPECT_EQ(got[3], "old");

  append(log_path("new.log"), "n\n");
  EXPECT_EQ(collected_.wait_for(5).size(), 5u);
  t->stop();
  EXPECT_FALSE(t->inotify_active());
  EXPECT_GE(t->counters().files_rotated.load(), 1u);
  EXPECT_EQ(t->counters().files_opened.load(), 3u);
}

TEST_F(TailerThreadTest, PollingFollowsAppendsAndStopWritesTheCheckpoint) {
  TailOptions o = options(From::kBeginning);
  o.force_polling = true;
  o.poll_interval_ms = 5;
  o.rescan_interval_ms = 20;
  append(log_path(), "a\n");
  std::unique_ptr<Tailer> t = start(o);
  EXPECT_FALSE(t->inotify_active());
  EXPECT_EQ(collected_.wait_for(1), (Lines{"a"}));
  append(log_path(), "b\n");
  append(log_path("second.log"), "c\n");
  Lines got = collected_.wait_for(3);
  EXPECT_EQ(got.size(), 3u);
  t->stop();
  t->stop();  // idempotent
  auto c = read_checkpoint_file(checkpoint_path());
  ASSERT_TRUE(c.is_ok() && c->has_value());
  EXPECT_EQ((*c)->files.size(), 2u);
}

TEST_F(TailerThreadTest, AFileOverItsPassBudgetGoesOnWithoutWaiting) {
  TailOptions o = options(From::kBeginning);
  o.force_polling = true;
  o.poll_interval_ms = 600'000;  // only the "more to read" path can make progress in time
  o.rescan_interval_ms = 600'000;
  o.max_bytes_per_pass = 4;
  o.read_buffer_bytes = 4;
  Lines want;
  for (int i = 0; i < 20; ++i) {
    want.push_back("line " + std::to_string(i));
    append(log_path(), want.back() + "\n");
  }
  auto t = start(o);
  EXPECT_EQ(collected_.wait_for(20), want);
  t->stop();
}

TEST_F(TailerThreadTest, ABlockingCallbackHoldsTailingBack) {
  TailOptions o = options(From::kBeginning);
  o.force_polling = true;
  o.poll_interval_ms = 1;
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> seen{0};
  append(log_path(), "1\n2\n");
  o.clock = nullptr;
  auto r = Tailer::open(o, [&](const TailLine&) {
    seen.fetch_add(1);
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return release; });
  });
  ASSERT_TRUE(r.is_ok());
  auto t = std::move(r).value();
  ASSERT_TRUE(t->start().is_ok());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (seen.load() == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  EXPECT_EQ(seen.load(), 1);  // the second line waits for the first callback
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  t->stop();
  EXPECT_EQ(seen.load(), 2);
}

}  // namespace
}  // namespace weft::tail
