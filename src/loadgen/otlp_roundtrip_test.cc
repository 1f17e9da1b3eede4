// The workload through the wire encoders: byte-for-byte determinism, the size WORKLOAD.md
// promises, and OTLP JSON lines (what `weft loadgen --dump` writes) that decode back to the
// same spans. DumpFileTest checks the real binary's --dump output when WEFT_BIN is set
// (CTest sets it; see CMakeLists.txt).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "loadgen/batch_cutter.h"
#include "wire/otlp_json.h"
#include "wire/otlp_proto.h"

namespace weft::loadgen {

using namespace weft::model;

namespace {

WorkloadOptions options_with_seed(uint64_t seed) {
  WorkloadOptions o;
  o.seed = seed;
  return o;
}

TEST(OtlpRoundTripTest, SameSeedSameBytes) {
  BatchCutter a(options_with_seed(21), 500, 20'000), b(options_with_seed(21), 500, 20'000);
  std::vector<Span> x, y;
  while (a.next(&x)) {
    ASSERT_TRUE(b.next(&y));
    ASSERT_EQ(wire::encode_otlp_proto(x), wire::encode_otlp_proto(y));
  }
  EXPECT_FALSE(b.next(&y));
}

TEST(OtlpRoundTripTest, ProtobufBytesPerSpanAsInWorkloadMd) {
  BatchCutter cutter(options_with_seed(1), 500, 200'000);
  std::vector<Span> batch;
  uint64_t bytes = 0;
  while (cutter.next(&batch)) bytes += wire::encode_otlp_proto(batch).size();
  const double per_span = double(bytes) / double(cutter.spans_emitted());
  std::printf("OTLP protobuf bytes per span (batches of 500): %.1f\n", per_span);
  EXPECT_GT(per_span, 330.0);
  EXPECT_LT(per_span, 470.0);
}

// Every line one ExportTraceServiceRequest that decodes back to the spans it came from.
void expect_lines_decode(const std::vector<std::string>& lines,
                         const std::vector<std::vector<Span>>& expected) {
  ASSERT_EQ(lines.size(), expected.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    ASSERT_EQ(lines[i].find('\n'), std::string::npos);
    wire::DecodeResult decoded;
    ASSERT_TRUE(wire::decode_otlp_json(lines[i], &decoded).is_ok()) << "line " << i;
    EXPECT_EQ(decoded.rejected_spans, 0u) << decoded.summary();
    // The encoder groups spans by resource, so compare as sets keyed by span ID.
    ASSERT_EQ(decoded.batch.spans.size(), expected[i].size());
    for (const Span& want : expected[i]) {
      bool found = false;
      for (const Span& got : decoded.batch.spans) {
        if (got.span_id != want.span_id) continue;
        EXPECT_TRUE(same_span(got, want)) << "span " << want.span_id.to_hex();
        found = true;
        break;
      }
      EXPECT_TRUE(found) << "span " << want.span_id.to_hex() << " missing";
    }
  }
}

TEST(OtlpRoundTripTest, JsonLinesDecodeBackToTheSameSpans) {
  BatchCutter cutter(options_with_seed(4), 200, 3'000);
  std::vector<Span> batch;
  std::vector<std::string> lines;
  std::vector<std::vector<Span>> batches;
  while (cutter.next(&batch)) {
    lines.push_back(wire::encode_otlp_json(batch));
    batches.push_back(batch);
  }
  expect_lines_decode(lines, batches);
}

TEST(DumpFileTest, WeftLoadgenDumpWritesValidOtlpJsonLines) {
  const char* bin = std::getenv("WEFT_BIN");
  if (bin == nullptr) GTEST_SKIP() << "WEFT_BIN not set";
  const std::string path = ::testing::TempDir() + "/loadgen_dump_test.jsonl";
  const std::string cmd = std::string(bin) + " loadgen --dump " + path +
                          " --spans 2500 --batch 300 --seed 77 --start 1700000000 --quiet";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::remove(path.c_str());

  WorkloadOptions o = options_with_seed(77);
  o.start_unix_nano = 1'700'000'000ULL * 1'000'000'000ULL;
  BatchCutter cutter(o, 300, 2'500);
  std::vector<Span> batch;
  std::vector<std::vector<Span>> batches;
  while (cutter.next(&batch)) batches.push_back(batch);
  expect_lines_decode(lines, batches);
}

}  // namespace
}  // namespace weft::loadgen
