#pragma once
// Gentle demo traffic for `weft serve --demo`: traces of the reference workload, re-timed
// to "now", written through the pipeline into the store at a few traces per second so that
// a newcomer sees traces (and their RED metrics and service graph) at once. Runs on its own
// thread until destroyed.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "store/store.h"

namespace weft::server {

class DemoTraffic {
 public:
  DemoTraffic(SpanSink& sink, double traces_per_second);
  ~DemoTraffic();  // stops and joins

 private:
  void run();

  SpanSink& sink_;
  double rate_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace weft::server
