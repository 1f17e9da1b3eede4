// WalSegmentWriter / WalSegmentReader / recover_wal: the record format and the recovery
// rules of docs/format/wal.md.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/crc32c.h"
#include "store/testing/span_builder.h"
#include "store/testing/temp_dir.h"
#include "store/wal/segment_name.h"
#include "store/wal/span_codec.h"
#include "store/wal/wal_reader.h"
#include "store/wal/wal_recovery.h"
#include "store/wal/wal_writer.h"

namespace weft::store {

using namespace weft::model;

namespace {

using namespace testing;

std::string read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}
void write_all(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << data;
}

std::string payload_for(uint64_t trace) {
  return encode_wal_payload(batch_of({make_span(trace, 1, 0, "svc", "op", trace, 1)}));
}

// Writes a segment with one record per trace number; returns the end offset of each record.
std::vector<uint64_t> write_segment(const std::string& path, const std::vector<uint64_t>& traces,
                                    uint64_t seq = 1) {
  auto w = WalSegmentWriter::create(open_posix_wal_file, path, seq);
  EXPECT_TRUE(w.is_ok());
  std::vector<uint64_t> ends;
  for (uint64_t t : traces) {
    std::string p = payload_for(t);
    EXPECT_TRUE((*w)->append({p}).is_ok());
    ends.push_back((*w)->size());
  }
  EXPECT_TRUE((*w)->close().is_ok());
  return ends;
}

struct Replayed {
  std::vector<std::pair<uint64_t, uint64_t>> records;  // (segment, trace number)
  WalRecoveryResult result;
};

Replayed replay(const std::string& dir) {
  Replayed r;
  auto res = recover_wal(dir, [&](uint64_t seq, SpanBatch&& b) {
    r.records.emplace_back(seq, b.spans.at(0).trace_id.low64());
  });
  EXPECT_TRUE(res.is_ok()) << res.status().to_string();
  if (res.is_ok()) r.result = *res;
  return r;
}

TEST(SegmentName, FormatsAndParses) {
  EXPECT_EQ(segment_file_name(1), "000001.wal");
  EXPECT_EQ(segment_file_name(1234567), "1234567.wal");
  EXPECT_EQ(parse_segment_file_name("000042.wal"), 42u);
  EXPECT_EQ(parse_segment_file_name("42.wal"), std::nullopt);
  EXPECT_EQ(parse_segment_file_name("00004x.wal"), std::nullopt);
  EXPECT_EQ(parse_segment_file_name("LOCK"), std::nullopt);
}

TEST(Wal, WriteThenReadEveryRecordInOrder) {
  TempDir dir;
  std::string path = segment_path(dir.path(), 1);
  write_segment(path, {1, 2, 3});
  auto r = WalSegmentReader::open(path);
  ASSERT_TRUE(r.is_ok());
  wal::RecordType type;
  std::string_view payload;
  for (uint64_t t = 1; t <= 3; ++t) {
    ASSERT_EQ(r->next(&type, &payload), WalSegmentReader::Outcome::kRecord);
    auto b = decode_wal_payload(payload);
    ASSERT_TRUE(b.is_ok());
    EXPECT_EQ(b->spans[0].trace_id, trace_id(t));
  }
  EXPECT_EQ(r->next(&type, &payload), WalSegmentReader::Outcome::kEnd);
}

TEST(Wal, GroupAppendIsOneContiguousRunOfRecords) {
  TempDir dir;
  std::string path = segment_path(dir.path(), 1);
  auto w = WalSegmentWriter::create(open_posix_wal_file, path, 1);
  ASSERT_TRUE(w.is_ok());
  std::string a = payload_for(1), b = payload_for(2);
  ASSERT_TRUE((*w)->append({a, b}).is_ok());
  EXPECT_EQ((*w)->size(), wal::kFileHeaderSize + 2 * wal::kRecordHeaderSize + a.size() + b.size());
  ASSERT_TRUE((*w)->close().is_ok());
  auto rep = replay(dir.path());
  EXPECT_EQ(rep.records.size(), 2u);
}

// The last record torn at every byte offset: recovery keeps every earlier record, cuts
// the tail, and a second recovery finds a clean log.
TEST(Wal, TornTailAtEveryOffsetOfTheLastRecord) {
  TempDir src;
  std::string path = segment_path(src.path(), 1);
  auto ends = write_segment(path, {1, 2, 3});
  const std::string full = read_all(path);
  const uint64_t last_start = ends[1];
  for (uint64_t cut = last_start; cut < full.size(); ++cut) {
    TempDir dir;
    std::string p = segment_path(dir.path(), 1);
    write_all(p, full.substr(0, cut));
    auto rep = replay(dir.path());
    ASSERT_EQ(rep.records.size(), 2u) << "cut at " << cut;
    EXPECT_EQ(rep.records[1].second, trace_id(2).low64());
    EXPECT_EQ(rep.result.corruptions, cut == last_start ? 0u : 1u) << cut;
    EXPECT_EQ(std::filesystem::file_size(p), last_start) << cut;
    auto again = replay(dir.path());
    EXPECT_EQ(again.records.size(), 2u);
    EXPECT_EQ(again.result.corruptions, 0u);
  }
}

TEST(Wal, BadCrcInLastRecordIsCutAway) {
  TempDir dir;
  std::string path = segment_path(dir.path(), 1);
  auto ends = write_segment(path, {1, 2, 3});
  std::string data = read_all(path);
  data[ends[1] + wal::kRecordHeaderSize + 3] ^= 0x40;  // a payload byte of record 3
  write_all(path, data);
  auto rep = replay(dir.path());
  EXPECT_EQ(rep.records.size(), 2u);
  EXPECT_EQ(rep.result.corruptions, 1u);
  EXPECT_EQ(std::filesystem::file_size(path), ends[1]);
}

TEST(Wal, MidSegmentCorruptionSkipsRestOfThatSegmentOnly) {
  TempDir dir;
  std::string p1 = segment_path(dir.path(), 1), p2 = segment_path(dir.path(), 2);
  auto ends = write_segment(p1, {1, 2, 3}, 1);
  write_segment(p2, {4, 5}, 2);
  std::string data = read_all(p1);
  data[ends[0] + 2] ^= 0x01;  // CRC of record 2
  write_all(p1, data);
  auto rep = replay(dir.path());
  ASSERT_EQ(rep.records.size(), 3u);  // 1, then 4 and 5 from the next segment
  EXPECT_EQ(rep.records[0], (std::pair<uint64_t, uint64_t>{1, trace_id(1).low64()}));
  EXPECT_EQ(rep.records[1].first, 2u);
  EXPECT_EQ(rep.result.corruptions, 1u);
  EXPECT_EQ(std::filesystem::file_size(p1), data.size());  // not the tail: left as evidence
}

TEST(Wal, ZeroFilledTailIsCorruptionAtTheTail) {
  TempDir dir;
  std::string path = segment_path(dir.path(), 1);
  auto ends = write_segment(path, {1});
  write_all(path, read_all(path) + std::string(100, '\0'));
  auto rep = replay(dir.path());
  EXPECT_EQ(rep.records.size(), 1u);
  EXPECT_EQ(rep.result.corruptions, 1u);
  EXPECT_EQ(std::filesystem::file_size(path), ends[0]);
}

TEST(Wal, TornHeaderOfLastSegmentIsRemoved) {
  TempDir dir;
  write_segment(segment_path(dir.path(), 1), {1});
  std::string p2 = segment_path(dir.path(), 2);
  write_all(p2, std::string(wal::kMagic.substr(0, 5)));
  auto rep = replay(dir.path());
  EXPECT_EQ(rep.records.size(), 1u);
  EXPECT_EQ(rep.result.corruptions, 0u);
  EXPECT_FALSE(std::filesystem::exists(p2));
  EXPECT_EQ(rep.result.segments, std::vector<uint64_t>{1});
}

TEST(Wal, BadMagicSegmentIsSkipped) {
  TempDir dir;
  write_segment(segment_path(dir.path(), 1), {1});
  write_all(segment_path(dir.path(), 2), std::string(64, 'x'));
  write_segment(segment_path(dir.path(), 3), {3}, 3);
  auto rep = replay(dir.path());
  EXPECT_EQ(rep.records.size(), 2u);
  EXPECT_EQ(rep.result.corruptions, 1u);
}

TEST(Wal, UnknownFormatVersionFailsRecovery) {
  TempDir dir;
  std::string path = segment_path(dir.path(), 1);
  write_segment(path, {1});
  std::string data = read_all(path);
  std::string header = std::string(wal::kMagic);
  header += std::string("\x02\0\0\0", 4);
  header += std::string(4, '\0');
  // Valid CRC for version 2 so only the version is wrong.
  std::string h12 = header.substr(0, 12);
  uint32_t crc = crc32c::mask(crc32c::value(h12));
  for (int i = 0; i < 4; ++i) header[12 + i] = static_cast<char>(crc >> (8 * i));
  write_all(path, header + data.substr(wal::kFileHeaderSize));
  auto res = recover_wal(dir.path(), [](uint64_t, SpanBatch&&) {});
  ASSERT_FALSE(res.is_ok());
  EXPECT_NE(res.status().message().find("unknown WAL format version 2"), std::string::npos);
}

TEST(Wal, UndecodablePayloadWithGoodCrcSkipsOnlyThatRecord) {
  TempDir dir;
  std::string path = segment_path(dir.path(), 1);
  auto w = WalSegmentWriter::create(open_posix_wal_file, path, 1);
  ASSERT_TRUE(w.is_ok());
  std::string a = payload_for(1), junk = "definitely not zstd", c = payload_for(3);
  ASSERT_TRUE((*w)->append({a, junk, c}).is_ok());
  ASSERT_TRUE((*w)->close().is_ok());
  auto rep = replay(dir.path());
  EXPECT_EQ(rep.records.size(), 2u);
  EXPECT_EQ(rep.result.corruptions, 1u);
}

}  // namespace
}  // namespace weft::store
