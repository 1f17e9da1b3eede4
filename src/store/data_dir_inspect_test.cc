// inspect_data_dir / verify_data_dir over real data directories written by the embedded
// store: a clean one, damaged blocks, WAL and manifest, leftovers, and a running store.
#include "store/data_dir_inspect.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "store/block/block_format.h"
#include "store/embedded_store.h"
#include "store/testing/span_builder.h"
#include "store/testing/sync_write.h"
#include "store/testing/temp_dir.h"

namespace weft::store {

using namespace weft::model;

namespace {

using namespace testing;
namespace fs = std::filesystem;
using Severity = VerifyCheck::Severity;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void write_file(const std::string& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}
void flip_byte(const std::string& path, uint64_t offset) {
  std::string data = read_file(path);
  ASSERT_LT(offset, data.size());
  data[offset] = static_cast<char>(data[offset] ^ 0x5a);
  write_file(path, data);
}

SpanBatch some_traces(uint64_t first_trace, uint64_t traces) {
  std::vector<Span> spans;
  for (uint64_t t = first_trace; t < first_trace + traces; ++t) {
    spans.push_back(make_span(t, t * 10, 0, "front", "GET /", t, 100));
    spans.push_back(make_span(t, t * 10 + 1, t * 10, "back", "query", t + 1, 50, SpanKind::kClient,
                              {{"db", "main"}}));
  }
  return batch_of(std::move(spans));
}

class DataDirInspect : public ::testing::Test {
 protected:
  EmbeddedStoreOptions options() const {
    EmbeddedStoreOptions o;
    o.data_dir = data_;
    o.fsync = EmbeddedStoreOptions::Fsync::kNever;
    o.compaction = false;
    return o;
  }
  std::unique_ptr<Store> open_store(const EmbeddedStoreOptions& o) {
    auto s = open_embedded_store(o);
    EXPECT_TRUE(s.is_ok()) << s.status().to_string();
    return s.is_ok() ? std::move(s).value() : nullptr;
  }
  // Two flushed blocks (2 x 40 traces of 2 spans), then a clean close.
  void write_two_blocks() {
    auto store = open_store(options());
    ASSERT_TRUE(store);
    ASSERT_TRUE(write_and_wait(*store, some_traces(1, 40)).is_ok());
    ASSERT_TRUE(store->flush().is_ok());
    ASSERT_TRUE(write_and_wait(*store, some_traces(100, 40)).is_ok());
    ASSERT_TRUE(store->flush().is_ok());
    ASSERT_TRUE(store->close().is_ok());
  }
  std::string block_path(size_t i) {
    auto r = inspect_data_dir(data_);
    EXPECT_TRUE(r.is_ok());
    return data_ + "/blocks/" + r->blocks.at(i).file;
  }
  const VerifyCheck* check_of(const VerifyReport& r, const std::string& item) {
    for (const auto& c : r.checks)
      if (c.item == item) return &c;
    return nullptr;
  }

  TempDir dir_;
  std::string data_ = dir_.path() + "/data";
};

TEST_F(DataDirInspect, CleanDirectoryDescribesManifestBlocksColumnsAndWal) {
  write_two_blocks();
  auto r = inspect_data_dir(data_);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_TRUE(r->has_manifest);
  EXPECT_TRUE(r->manifest_error.empty());
  EXPECT_FALSE(r->damaged());
  EXPECT_FALSE(r->lock_holder_pid.has_value());
  ASSERT_EQ(r->blocks.size(), 2u);
  EXPECT_EQ(r->manifest.blocks.size(), 2u);
  for (const InspectedBlock& b : r->blocks) {
    EXPECT_TRUE(b.opened) << b.error;
    EXPECT_TRUE(b.error.empty()) << b.error;
    EXPECT_EQ(b.file, block_file_name(b.meta.id));
    EXPECT_EQ(b.file.size(), 20u);  // 16 hex digits + ".blk"
    EXPECT_EQ(b.meta.spans, 80u);
    EXPECT_EQ(b.meta.traces, 40u);
    EXPECT_GE(b.pages, 1u);
    EXPECT_EQ(b.meta.file_bytes, fs::file_size(data_ + "/blocks/" + b.file));
    EXPECT_LE(b.meta.min_start, b.meta.max_start);
    EXPECT_FALSE(b.columns.empty());
  }
  EXPECT_LT(r->blocks[0].meta.id, r->blocks[1].meta.id);
  EXPECT_EQ(r->blocks[0].meta.min_start, kT0 + 1 * kMs);
  EXPECT_EQ(r->blocks[1].meta.max_start, kT0 + 139 * kMs);
  EXPECT_EQ(r->total_spans(), 160u);
  EXPECT_EQ(r->total_traces(), 80u);
  EXPECT_EQ(r->total_block_bytes(), r->blocks[0].meta.file_bytes + r->blocks[1].meta.file_bytes);
  // Columns summed over both blocks.
  auto cols = r->total_columns();
  ASSERT_EQ(cols.size(), r->blocks[0].columns.size());
  uint64_t compressed = 0;
  for (size_t i = 0; i < cols.size(); ++i) {
    EXPECT_EQ(cols[i].column, r->blocks[0].columns[i].column);
    EXPECT_EQ(cols[i].compressed,
              r->blocks[0].columns[i].compressed + r->blocks[1].columns[i].compressed);
    compressed += cols[i].compressed;
  }
  EXPECT_GT(compressed, 0u);
  EXPECT_LT(compressed, r->total_block_bytes());
  // The WAL the blocks hold is gone; what remains is not in blocks.
  for (const auto& s : r->wal) EXPECT_GT(s.seq, r->manifest.wal_flushed_through);
  EXPECT_TRUE(r->leftovers.empty());

  auto v = verify_data_dir(data_);
  ASSERT_TRUE(v.is_ok()) << v.status().to_string();
  EXPECT_TRUE(v->ok());
  EXPECT_EQ(v->warnings(), 0u);
  EXPECT_EQ(v->blocks, 2u);
  EXPECT_EQ(v->block_spans, 160u);
  EXPECT_EQ(v->wal_segments, r->wal.size());
  ASSERT_NE(check_of(*v, "MANIFEST"), nullptr);
  const VerifyCheck* b = check_of(*v, "blocks/" + r->blocks[0].file);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->severity, Severity::kOk) << b->detail;
  // verify released the lock: the store opens again.
  auto store = open_store(options());
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->close().is_ok());
}

TEST_F(DataDirInspect, FlippedPageByteIsFoundByVerifyAndFlippedTrailerByInspect) {
  write_two_blocks();
  const std::string first = block_path(0), second = block_path(1);
  // A byte of the first page: the block still opens (pages are read on demand), verify()
  // reads every page and finds it.
  flip_byte(first, block::kHeaderSize + 8);
  auto r = inspect_data_dir(data_);
  ASSERT_TRUE(r.is_ok());
  EXPECT_TRUE(r->blocks[0].opened);
  auto v = verify_data_dir(data_);
  ASSERT_TRUE(v.is_ok());
  EXPECT_FALSE(v->ok());
  EXPECT_EQ(v->problems(), 1u);
  const VerifyCheck* c = check_of(*v, "blocks/" + r->blocks[0].file);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->severity, Severity::kProblem);
  EXPECT_NE(c->detail.find("DATA_LOSS"), std::string::npos) << c->detail;
  EXPECT_EQ(check_of(*v, "blocks/" + r->blocks[1].file)->severity, Severity::kOk);

  // A byte of the trailer: the block does not open at all.
  flip_byte(second, fs::file_size(second) - 3);
  r = inspect_data_dir(data_);
  ASSERT_TRUE(r.is_ok());
  EXPECT_TRUE(r->damaged());
  EXPECT_FALSE(r->blocks[1].opened);
  EXPECT_NE(r->blocks[1].error.find("DATA_LOSS"), std::string::npos) << r->blocks[1].error;
  EXPECT_EQ(r->blocks[1].meta.spans, 80u);  // the manifest's entry
  v = verify_data_dir(data_);
  ASSERT_TRUE(v.is_ok());
  EXPECT_EQ(v->problems(), 2u);
}

TEST_F(DataDirInspect, MissingBlockAndMismatchedManifestEntryAreProblems) {
  write_two_blocks();
  const std::string first = block_path(0), second = block_path(1);
  fs::remove(first);
  // A stray copy is an unknown file in blocks/; put in the first block's place, it opens and
  // verifies, but its footer is not the manifest's entry.
  fs::copy_file(second, second + ".copy");
  auto r = inspect_data_dir(data_);
  ASSERT_TRUE(r.is_ok());
  EXPECT_TRUE(r->damaged());
  EXPECT_NE(r->blocks[0].error.find("missing"), std::string::npos) << r->blocks[0].error;
  ASSERT_EQ(r->leftovers.size(), 1u);
  EXPECT_EQ(r->leftovers[0].kind, Leftover::Kind::kOther);
  fs::rename(second + ".copy", first);
  r = inspect_data_dir(data_);
  ASSERT_TRUE(r.is_ok());
  EXPECT_TRUE(r->blocks[0].opened);
  EXPECT_NE(r->blocks[0].error.find("footer id"), std::string::npos) << r->blocks[0].error;
  auto v = verify_data_dir(data_);
  ASSERT_TRUE(v.is_ok());
  EXPECT_EQ(v->problems(), 1u);
  EXPECT_NE(check_of(*v, "blocks/" + r->blocks[0].file)->detail.find("does not match"),
            std::string::npos);
}

TEST_F(DataDirInspect, LeftoversAreListedAndOnlyWarnings) {
  write_two_blocks();
  const std::string blocks = data_ + "/blocks/";
  write_file(blocks + block_file_name(0x99) + ".tmp", "half a block");
  fs::copy_file(block_path(0), blocks + block_file_name(0x42));
  write_file(data_ + "/MANIFEST.tmp", "half a manifest");
  auto r = inspect_data_dir(data_);
  ASSERT_TRUE(r.is_ok());
  EXPECT_FALSE(r->damaged());
  ASSERT_EQ(r->leftovers.size(), 3u);
  EXPECT_EQ(r->leftovers[0].path, "MANIFEST.tmp");
  EXPECT_EQ(r->leftovers[0].kind, Leftover::Kind::kManifestTemp);
  EXPECT_EQ(r->leftovers[1].path, "blocks/" + block_file_name(0x42));
  EXPECT_EQ(r->leftovers[1].kind, Leftover::Kind::kOrphan);
  EXPECT_EQ(r->leftovers[2].path, "blocks/" + block_file_name(0x99) + ".tmp");
  EXPECT_EQ(r->leftovers[2].kind, Leftover::Kind::kTemp);
  EXPECT_EQ(r->leftovers[2].bytes, 12u);
  EXPECT_STREQ(leftover_kind_name(Leftover::Kind::kOrphan), "orphan");
  EXPECT_EQ(r->blocks.size(), 2u);  // orphans are not live blocks

  auto v = verify_data_dir(data_);
  ASSERT_TRUE(v.is_ok());
  EXPECT_TRUE(v->ok());
  EXPECT_EQ(v->warnings(), 3u);
  EXPECT_EQ(check_of(*v, "MANIFEST.tmp")->severity, Severity::kWarning);
}

TEST_F(DataDirInspect, WalRecordsAreCountedTornTailWarnsDamagedRecordIsAProblem) {
  auto o = options();
  o.flush_on_close = false;  // leave the WAL as a crash would
  {
    auto store = open_store(o);
    ASSERT_TRUE(store);
    ASSERT_TRUE(write_and_wait(*store, some_traces(1, 10)).is_ok());
    ASSERT_TRUE(write_and_wait(*store, some_traces(20, 10)).is_ok());
    ASSERT_TRUE(store->close().is_ok());
  }
  auto r = inspect_data_dir(data_);
  ASSERT_TRUE(r.is_ok());
  EXPECT_FALSE(r->has_manifest);
  EXPECT_TRUE(r->blocks.empty());
  ASSERT_FALSE(r->wal.empty());
  auto v = verify_data_dir(data_);
  ASSERT_TRUE(v.is_ok());
  EXPECT_TRUE(v->ok());
  EXPECT_EQ(v->wal_records, 2u);
  EXPECT_EQ(v->wal_spans, 40u);

  std::string seg;
  for (const auto& s : r->wal)
    if (s.bytes > 16) seg = data_ + "/wal/" + s.file;
  ASSERT_FALSE(seg.empty());
  const std::string good = read_file(seg);
  // A torn last record: a crash mid-write, cut at the next open.
  write_file(seg, std::string_view(good).substr(0, good.size() - 5));
  v = verify_data_dir(data_);
  ASSERT_TRUE(v.is_ok());
  const bool last = seg == data_ + "/wal/" + r->wal.back().file;
  EXPECT_EQ(v->wal_records, 1u);
  EXPECT_EQ(check_of(*v, seg.substr(data_.size() + 1))->severity,
            last ? Severity::kWarning : Severity::kProblem);
  // A flipped byte inside the last record: a checksum mismatch, real damage.
  write_file(seg, good);
  flip_byte(seg, good.size() - 5);
  v = verify_data_dir(data_);
  ASSERT_TRUE(v.is_ok());
  EXPECT_FALSE(v->ok());
  EXPECT_NE(check_of(*v, seg.substr(data_.size() + 1))->detail.find("checksum"), std::string::npos);
}

TEST_F(DataDirInspect, DamagedManifestIsReportedAndBlockFilesStillLookedAt) {
  write_two_blocks();
  flip_byte(data_ + "/MANIFEST", 20);
  auto r = inspect_data_dir(data_);
  ASSERT_TRUE(r.is_ok());
  EXPECT_TRUE(r->damaged());
  EXPECT_FALSE(r->has_manifest);
  EXPECT_NE(r->manifest_error.find("DATA_LOSS"), std::string::npos) << r->manifest_error;
  EXPECT_EQ(r->blocks.size(), 2u);  // every block file, on its own
  EXPECT_TRUE(r->leftovers.empty());
  auto v = verify_data_dir(data_);
  ASSERT_TRUE(v.is_ok());
  EXPECT_EQ(v->problems(), 1u);
  EXPECT_EQ(check_of(*v, "MANIFEST")->severity, Severity::kProblem);
}

TEST_F(DataDirInspect, RunningStoreInspectedButNotVerified) {
  auto store = open_store(options());
  ASSERT_TRUE(store);
  ASSERT_TRUE(write_and_wait(*store, some_traces(1, 5)).is_ok());
  ASSERT_TRUE(store->flush().is_ok());
  auto r = inspect_data_dir(data_);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->blocks.size(), 1u);
  // Told by /proc/locks where there is one.
  if (r->lock_holder_pid) {
    EXPECT_EQ(*r->lock_holder_pid, ::getpid());
  }
  auto v = verify_data_dir(data_);
  ASSERT_FALSE(v.is_ok());
  EXPECT_EQ(v.status().code(), ResultCode::kUnavailable);
  EXPECT_NE(v.status().message().find("in use"), std::string::npos);
  EXPECT_TRUE(store->close().is_ok());
}

TEST_F(DataDirInspect, NotADataDirectoryIsInvalidArgument) {
  auto r = inspect_data_dir(dir_.path() + "/nope");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), ResultCode::kInvalidArgument);
  fs::create_directories(dir_.path() + "/empty");
  r = inspect_data_dir(dir_.path() + "/empty");
  EXPECT_EQ(r.status().code(), ResultCode::kInvalidArgument);
  EXPECT_EQ(verify_data_dir(dir_.path() + "/empty").status().code(), ResultCode::kInvalidArgument);
  EXPECT_FALSE(fs::exists(dir_.path() + "/empty/LOCK"));  // verify created nothing there
  write_file(dir_.path() + "/file", "x");
  EXPECT_EQ(inspect_data_dir(dir_.path() + "/file").status().code(), ResultCode::kInvalidArgument);
}

}  // namespace
}  // namespace weft::store
