#include "metrics/internal/record_format.h"

#include <gtest/gtest.h>

#include "metrics/batch_aggregate.h"

namespace weft::pipeline::metrics {
namespace {

model::TraceId tid(uint8_t n) {
  model::TraceId t;
  t.bytes[15] = n;
  t.bytes[0] = 1;
  return t;
}

BucketRecord sample(RecordType type, uint8_t n) {
  BucketRecord r;
  r.type = type;
  r.key = SeriesKey::span("checkout", "POST /pay", model::SpanKind::kServer, n % 2);
  r.bucket_start_unix_nano = 1'700'000'000'000'000'000ULL + n * kTenSeconds;
  for (uint64_t i = 1; i <= 20; ++i)
    r.stats.add(i * 1'000'000, i % 5 == 1, tid(static_cast<uint8_t>(i)),
                r.bucket_start_unix_nano + i);
  return r;
}

void expect_same(const BucketRecord& a, const BucketRecord& b) {
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.bucket_start_unix_nano, b.bucket_start_unix_nano);
  EXPECT_EQ(a.stats, b.stats);
}

TEST(RecordFormatTest, RecordsRoundTrip) {
  std::string file = segment_header();
  std::vector<BucketRecord> want = {sample(RecordType::kTenSecondDelta, 1),
                                    sample(RecordType::kMinute, 2)};
  EdgeSample e{"frontend", "postgresql", PeerKind::kDatabase, true, false, 5, 7, true};
  BucketRecord edge;
  edge.key = SeriesKey::edge(e);
  edge.stats.add(7, true, model::TraceId{}, 5);
  want.push_back(edge);
  for (const auto& r : want) append_record(file, r);
  SegmentContents c = read_segment(file);
  EXPECT_TRUE(c.header_ok);
  EXPECT_EQ(c.damaged_bytes, 0u);
  ASSERT_EQ(c.records.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) expect_same(c.records[i], want[i]);
  EXPECT_EQ(c.records[2].key.server_kind(), PeerKind::kDatabase);
  EXPECT_TRUE(c.records[2].key.virtual_server());
  EXPECT_EQ(c.records[0].stats.exemplars.all().size(), kMaxExemplars);
}

TEST(RecordFormatTest, DamagedTailIsDroppedAndCounted) {
  std::string file = segment_header();
  append_record(file, sample(RecordType::kTenSecondDelta, 1));
  const size_t good = file.size();
  append_record(file, sample(RecordType::kTenSecondDelta, 2));
  // Every truncation of the second record: the first survives, the rest is damage.
  for (size_t n = good; n < file.size(); ++n) {
    SegmentContents c = read_segment(std::string_view(file).substr(0, n));
    ASSERT_EQ(c.records.size(), 1u) << n;
    EXPECT_EQ(c.damaged_bytes, n - good);
    EXPECT_EQ(c.truncated, n > good) << n;  // a record cut short, not bad bytes
  }
  // A flipped bit in the second record's payload fails its CRC.
  std::string flipped = file;
  flipped[good + 20] ^= 0x10;
  SegmentContents c = read_segment(flipped);
  EXPECT_EQ(c.records.size(), 1u);
  EXPECT_EQ(c.damaged_bytes, file.size() - good);
  EXPECT_EQ(c.damage, "record fails its CRC");
  EXPECT_FALSE(c.truncated);
  // A wrong header: nothing is read.
  std::string wrong = file;
  wrong[0] = 'X';
  EXPECT_FALSE(read_segment(wrong).header_ok);
  EXPECT_TRUE(read_segment(wrong).records.empty());
}

TEST(RecordFormatTest, PayloadDecodingValidates) {
  std::string p = encode_payload(sample(RecordType::kTenSecondDelta, 3));
  ASSERT_TRUE(decode_payload(RecordType::kTenSecondDelta, p).is_ok());
  for (size_t n = 0; n < p.size(); ++n)
    EXPECT_FALSE(decode_payload(RecordType::kTenSecondDelta, p.substr(0, n)).is_ok()) << n;
  EXPECT_FALSE(decode_payload(RecordType::kTenSecondDelta, p + "x").is_ok());
  std::string bad_family = p;
  bad_family[0] = 7;
  EXPECT_FALSE(decode_payload(RecordType::kTenSecondDelta, bad_family).is_ok());
}

TEST(RecordFormatTest, UnknownRecordTypesAreSkipped) {
  std::string file = segment_header();
  BucketRecord future = sample(RecordType::kTenSecondDelta, 1);
  future.type = static_cast<RecordType>(42);
  append_record(file, future);
  append_record(file, sample(RecordType::kMinute, 2));
  SegmentContents c = read_segment(file);
  EXPECT_EQ(c.unknown_records, 1u);
  ASSERT_EQ(c.records.size(), 1u);
  EXPECT_EQ(c.records[0].type, RecordType::kMinute);
}

}  // namespace
}  // namespace weft::pipeline::metrics
