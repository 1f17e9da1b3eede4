#pragma once
// Blocking write for tests: waits for the store's `done` and returns its status.
#include <future>

#include "store/store.h"

namespace weft::store::testing {

using namespace weft::model;

inline Status write_and_wait(Store& store, SpanBatch batch) {
  std::promise<Status> p;
  auto f = p.get_future();
  store.write(std::move(batch), [&p](Status s) { p.set_value(std::move(s)); });
  return f.get();
}

}  // namespace weft::store::testing
