#include "metrics/metrics_inspect.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/coding.h"
#include "metrics/batch_aggregate.h"
#include "metrics/internal/record_format.h"
#include "metrics/internal/segment_file.h"
#include "metrics/metrics_store.h"
#include "store/testing/temp_dir.h"

namespace weft::pipeline::metrics {
namespace {

using model::SpanKind;
constexpr uint64_t kMs = 1'000'000;
constexpr uint64_t kS = 1'000'000'000;
constexpr uint64_t kT0 = 1'700'000'040'000'000'000ULL;  // on a minute boundary
constexpr uint64_t kHour = 3600 * kS;

model::TraceId tid(uint64_t n) {
  model::TraceId t;
  t.bytes[15] = static_cast<uint8_t>(n);
  t.bytes[0] = 1;
  return t;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}
void spit(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << bytes;
}

// The offset of the last record of an intact segment (walking the record framing).
uint64_t last_record_offset(const std::string& file) {
  uint64_t at = kSegmentHeaderSize, last = at;
  while (at < file.size()) {
    last = at;
    at += kRecordHeaderSize + coding::decode_fixed32(file.data() + at + 4);
  }
  return last;
}

class MetricsInspectTest : public ::testing::Test {
 protected:
  std::string metrics_dir() const { return dir_.path() + "/metrics"; }

  std::unique_ptr<MetricsStore> open() {
    MetricsStoreOptions o;
    o.clock = &clock_;
    o.data_dir = dir_.path();
    o.ten_second_retention_nanos = 1 * kHour;  // so minute records get written
    auto s = MetricsStore::open(o);
    EXPECT_TRUE(s.is_ok()) << s.status().to_string();
    return s.is_ok() ? std::move(*s) : nullptr;
  }

  // Segment 1: six 10-second buckets of checkout/pay, one of checkout/pay with status
  // ERROR, two edges, all in minute kT0; their deltas, then (an hour later) that minute's
  // MINUTE records. Segment 2 (after a restart): one more delta of checkout/pay.
  void write_two_segments() {
    {
      auto st = open();
      BatchAggregate b;
      for (uint64_t i = 0; i < 6; ++i)
        b.add_span("checkout", "pay", SpanKind::kServer, false, kT0 + i * 10 * kS + kS,
                   (i + 1) * kMs, tid(i + 1));
      b.add_span("checkout", "pay", SpanKind::kServer, true, kT0 + 2 * kS, 9 * kMs, tid(9));
      st->record(b);
      st->record_edges(
          {{"frontend", "checkout", PeerKind::kService, false, false, kT0 + 5 * kS, 3 * kMs, false},
           {"checkout", "postgresql", PeerKind::kDatabase, true, false, kT0 + 5 * kS, 1 * kMs,
            true}});
      ASSERT_TRUE(st->flush(kT0 + 70 * kS).is_ok());  // 6 + 1 + 2 deltas
      clock_.set(kT0 + kHour + 2 * 60 * kS);
      ASSERT_TRUE(st->flush(clock_.now_unix_nanos()).is_ok());  // minute kT0: 4 MINUTE records
      ASSERT_TRUE(st->close().is_ok());
    }
    {
      auto st = open();
      BatchAggregate b;
      b.add_span("checkout", "pay", SpanKind::kServer, false, clock_.now_unix_nanos(), kMs, tid(1));
      st->record(b);
      ASSERT_TRUE(st->close().is_ok());  // the open bucket too
    }
  }

  store::testing::TempDir dir_;
  ManualClock clock_{kT0 + 5 * kS};
};

TEST_F(MetricsInspectTest, MissingDirectoryIsNone) {
  auto r = inspect_metrics_dir(metrics_dir());
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_FALSE(r->present);
  EXPECT_TRUE(r->segments.empty());
  EXPECT_FALSE(r->damaged());
}

TEST_F(MetricsInspectTest, NotADirectoryIsAnError) {
  spit(metrics_dir(), "x");
  EXPECT_FALSE(inspect_metrics_dir(metrics_dir()).is_ok());
}

TEST_F(MetricsInspectTest, EmptyDirectoryHasNoSegments) {
  std::filesystem::create_directories(metrics_dir());
  spit(metrics_dir() + "/notes.txt", "ignored");
  auto r = inspect_metrics_dir(metrics_dir());
  ASSERT_TRUE(r.is_ok());
  EXPECT_TRUE(r->present);
  EXPECT_TRUE(r->segments.empty());
  EXPECT_FALSE(r->first_bucket_start.has_value());
}

TEST_F(MetricsInspectTest, RecordsByTypeSeriesAndBuckets) {
  write_two_segments();
  auto r = inspect_metrics_dir(metrics_dir());
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_TRUE(r->present);
  ASSERT_EQ(r->segments.size(), 2u);
  EXPECT_FALSE(r->damaged());

  const InspectedMetricsSegment& a = r->segments[0];
  EXPECT_EQ(a.file, "metrics-0000000000000001.seg");
  EXPECT_EQ(a.seq, 1u);
  EXPECT_EQ(a.bytes, std::filesystem::file_size(metrics_dir() + "/" + a.file));
  EXPECT_EQ(a.ten_second_records, 9u);
  EXPECT_EQ(a.minute_records, 4u);
  EXPECT_EQ(a.unknown_records, 0u);
  EXPECT_EQ(a.records(), 13u);
  EXPECT_EQ(a.span_series, 2u);  // checkout/pay ok and error
  EXPECT_EQ(a.edge_series, 2u);
  EXPECT_EQ(a.first_bucket_start, kT0);
  EXPECT_EQ(a.last_bucket_end, kT0 + 60 * kS);
  EXPECT_TRUE(a.header_ok);
  EXPECT_EQ(a.damaged_bytes, 0u);
  EXPECT_FALSE(a.damaged());

  const InspectedMetricsSegment& b = r->segments[1];
  EXPECT_EQ(b.file, "metrics-0000000000000002.seg");
  EXPECT_EQ(b.ten_second_records, 1u);
  EXPECT_EQ(b.minute_records, 0u);
  EXPECT_EQ(b.span_series, 1u);
  EXPECT_EQ(b.edge_series, 0u);
  const uint64_t now = kT0 + kHour + 2 * 60 * kS;  // a bucket start: 10 s aligned
  EXPECT_EQ(b.first_bucket_start, now);
  EXPECT_EQ(b.last_bucket_end, now + 10 * kS);

  // Totals: checkout/pay is in both segments but one series.
  EXPECT_EQ(r->span_series, 2u);
  EXPECT_EQ(r->edge_series, 2u);
  EXPECT_EQ(r->total_records(), 14u);
  EXPECT_EQ(r->total_bytes(), a.bytes + b.bytes);
  EXPECT_EQ(r->first_bucket_start, kT0);
  EXPECT_EQ(r->last_bucket_end, now + 10 * kS);
}

TEST_F(MetricsInspectTest, FlippedByteIsDamageAtItsRecordAndNothingIsWritten) {
  write_two_segments();
  const std::string path = metrics_dir() + "/metrics-0000000000000001.seg";
  std::string file = slurp(path);
  // Flip a payload byte of the next-to-last record: it fails its CRC; reading stops there.
  const uint64_t bad = last_record_offset(file.substr(0, last_record_offset(file)));
  ASSERT_GT(bad, kSegmentHeaderSize);
  file[bad + kRecordHeaderSize + 1] ^= 0x40;
  spit(path, file);

  auto r = inspect_metrics_dir(metrics_dir());
  ASSERT_TRUE(r.is_ok());
  ASSERT_EQ(r->segments.size(), 2u);
  const InspectedMetricsSegment& s = r->segments[0];
  EXPECT_TRUE(s.damaged());
  EXPECT_TRUE(r->damaged());
  EXPECT_TRUE(s.header_ok);
  EXPECT_EQ(s.damage_offset, bad);
  EXPECT_EQ(s.damaged_bytes, file.size() - bad);
  EXPECT_EQ(s.damage, "record fails its CRC");
  EXPECT_FALSE(s.truncated);
  EXPECT_EQ(s.records(), 11u);  // of 13: the last two are in the damaged tail
  EXPECT_FALSE(r->segments[1].damaged());
  EXPECT_EQ(r->total_damaged_bytes(), s.damaged_bytes);
  EXPECT_EQ(slurp(path), file);  // read-only: the damaged file is left as it is

  // The store, reading the same file, drops the same bytes.
  auto st = open();
  EXPECT_EQ(st->damaged_bytes(), s.damaged_bytes);
}

TEST_F(MetricsInspectTest, CutShortLastRecordIsTruncatedDamage) {
  write_two_segments();
  const std::string path = metrics_dir() + "/metrics-0000000000000002.seg";
  std::string file = slurp(path);
  const uint64_t last = last_record_offset(file);
  std::filesystem::resize_file(path, file.size() - 3);

  auto r = inspect_metrics_dir(metrics_dir());
  ASSERT_TRUE(r.is_ok());
  const InspectedMetricsSegment& s = r->segments[1];
  EXPECT_TRUE(s.damaged());
  EXPECT_TRUE(s.truncated);
  EXPECT_EQ(s.bytes, file.size() - 3);
  EXPECT_EQ(s.damage_offset, last);
  EXPECT_EQ(s.damaged_bytes, file.size() - 3 - last);
  EXPECT_EQ(s.damage, "record cut short by the end of the file");
  EXPECT_EQ(std::filesystem::file_size(path), file.size() - 3);
}

TEST_F(MetricsInspectTest, BadHeaderIsWholeFileDamage) {
  write_two_segments();
  const std::string path = metrics_dir() + "/metrics-0000000000000002.seg";
  std::string file = slurp(path);
  file[3] = 'X';
  spit(path, file);
  auto r = inspect_metrics_dir(metrics_dir());
  ASSERT_TRUE(r.is_ok());
  const InspectedMetricsSegment& s = r->segments[1];
  EXPECT_FALSE(s.header_ok);
  EXPECT_EQ(s.damage_offset, 0u);
  EXPECT_EQ(s.damaged_bytes, file.size());
  EXPECT_EQ(s.records(), 0u);
  EXPECT_FALSE(s.first_bucket_start.has_value());
  EXPECT_EQ(s.damage, "bad magic or format version");
}

}  // namespace
}  // namespace weft::pipeline::metrics
