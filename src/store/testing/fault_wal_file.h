#pragma once
// A WalFile that fails on demand, for tests of the write path's error handling: it can
// write only part of an append and then report ENOSPC (a full disk, or the moment of a
// crash), fail a sync, or fail a truncate. Header-only, tests only.
#include <atomic>
#include <memory>
#include <string>

#include "store/wal/wal_file.h"

namespace weft::store::testing {

struct FaultPlan {
  // Appends fail with "out of disk space" while this is set, after writing
  // `partial_bytes` of the append (so a half-written record is on disk).
  std::atomic<bool> disk_full{false};
  std::atomic<size_t> partial_bytes{5};
  std::atomic<bool> fail_sync{false};
  std::atomic<int> appends_failed{0};
};

class FaultWalFile final : public WalFile {
 public:
  FaultWalFile(std::unique_ptr<WalFile> real, std::shared_ptr<FaultPlan> plan)
      : real_(std::move(real)), plan_(std::move(plan)) {}

  Status append(const std::vector<std::string_view>& pieces) override {
    if (!plan_->disk_full) return real_->append(pieces);
    ++plan_->appends_failed;
    std::string all;
    for (auto p : pieces) all.append(p);
    size_t n = std::min(all.size(), plan_->partial_bytes.load());
    (void)real_->append({std::string_view(all).substr(0, n)});
    return unavailable("out of disk space writing " + real_->path());
  }
  Status sync() override {
    if (plan_->fail_sync) return unavailable("syncing " + real_->path() + ": Input/output error");
    return real_->sync();
  }
  Status truncate(uint64_t size) override { return real_->truncate(size); }
  Status close() override { return real_->close(); }
  const std::string& path() const override { return real_->path(); }

 private:
  std::unique_ptr<WalFile> real_;
  std::shared_ptr<FaultPlan> plan_;
};

inline auto fault_factory(std::shared_ptr<FaultPlan> plan) {
  return [plan](const std::string& path) -> Result<std::unique_ptr<WalFile>> {
    WEFT_ASSIGN_OR_RETURN(auto real, open_posix_wal_file(path));
    return std::unique_ptr<WalFile>(std::make_unique<FaultWalFile>(std::move(real), plan));
  };
}

}  // namespace weft::store::testing
