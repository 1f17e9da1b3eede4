#include "pipeline/pipeline.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace weft::pipeline {
namespace {

using namespace weft::model;

// A sink that answers with a fixed status and counts what it received.
class FixedSink : public SpanSink {
 public:
  explicit FixedSink(Status answer) : answer_(std::move(answer)) {}
  void write(SpanBatch batch, std::function<void(Status)> done) override {
    spans += batch.spans.size();
    done(answer_);
  }
  size_t spans = 0;

 private:
  Status answer_;
};

class CountingObservation : public Observation {
 public:
  CountingObservation(std::atomic<size_t>& total, size_t n) : total_(total), n_(n) {}
  void commit() override { total_ += n_; }

 private:
  std::atomic<size_t>& total_;
  size_t n_;
};

// Counts the spans of batches that became durable.
class CountingProcessor : public Processor {
 public:
  std::string_view name() const override { return "counting"; }
  std::unique_ptr<Observation> observe(const SpanBatch& batch) override {
    ++observed;
    return std::make_unique<CountingObservation>(committed, batch.spans.size());
  }
  std::atomic<size_t> observed{0};
  std::atomic<size_t> committed{0};
};

SpanBatch batch_of(size_t n) {
  SpanBatch b;
  b.spans.resize(n);
  return b;
}

TEST(PipelineTest, CommitsObservationsOnlyOnceTheSinkAcknowledges) {
  FixedSink ok(Status::ok());
  auto counting = std::make_unique<CountingProcessor>();
  CountingProcessor* p = counting.get();
  std::vector<std::unique_ptr<Processor>> chain;
  chain.push_back(std::move(counting));
  Pipeline pipeline(ok, std::move(chain));
  Status answer = unavailable("not called");
  pipeline.write(batch_of(3), [&](Status s) { answer = s; });
  EXPECT_TRUE(answer.is_ok());
  EXPECT_EQ(ok.spans, 3u);
  EXPECT_EQ(p->observed.load(), 1u);
  EXPECT_EQ(p->committed.load(), 3u);
}

TEST(PipelineTest, DiscardsObservationsWhenTheSinkRefuses) {
  FixedSink refusing(resource_exhausted("overloaded"));
  auto counting = std::make_unique<CountingProcessor>();
  CountingProcessor* p = counting.get();
  std::vector<std::unique_ptr<Processor>> chain;
  chain.push_back(std::move(counting));
  Pipeline pipeline(refusing, std::move(chain));
  Status answer = Status::ok();
  pipeline.write(batch_of(2), [&](Status s) { answer = s; });
  EXPECT_EQ(answer.code(), ResultCode::kResourceExhausted);
  EXPECT_EQ(p->observed.load(), 1u);
  EXPECT_EQ(p->committed.load(), 0u);  // the client retries: counted when it lands
}

TEST(PipelineTest, EmptyChainPassesBatchesThrough) {
  FixedSink ok(Status::ok());
  Pipeline pipeline(ok, {});
  bool called = false;
  pipeline.write(batch_of(4), [&](Status s) { called = s.is_ok(); });
  EXPECT_TRUE(called);
  EXPECT_EQ(ok.spans, 4u);
}

}  // namespace
}  // namespace weft::pipeline
