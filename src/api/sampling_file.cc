#include "api/sampling_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "common/metrics.h"

namespace weft::api {
namespace {

Counter& reloads_counter() {
  static Counter& c = MetricsRegistry::global()
                          .counter("weft_sampling_reloads_total",
                                   "Times the sampling strategies file was reloaded after a change")
                          .get();
  return c;
}

Counter& reload_errors_counter() {
  static Counter& c =
      MetricsRegistry::global()
          .counter("weft_sampling_reload_errors_total",
                   "Versions of the sampling strategies file that could not be read or parsed "
                   "(the last good strategies stay in force)")
          .get();
  return c;
}

SamplingStrategiesFile::Stamp stamp_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return {true, static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
          static_cast<uint64_t>(st.st_size), static_cast<uint64_t>(st.st_ino)};
}

Result<std::string> read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_status("cannot open", path, errno);
  std::string out;
  char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return errno_status("cannot read", path, err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Result<SamplingStrategies> load(const std::string& path) {
  WEFT_ASSIGN_OR_RETURN(std::string text, read_file(path));
  auto parsed = parse_sampling_strategies(text);
  if (!parsed.is_ok()) return parsed.status().with_prefix(path);
  return parsed;
}

std::string summary(const SamplingStrategies& s) {
  return "strategies for " + std::to_string(s.services.size()) + " services and a default";
}

}  // namespace

SamplingStrategiesFile::SamplingStrategiesFile(std::string path, Options options)
    : path_(std::move(path)), options_(std::move(options)) {}

Result<std::unique_ptr<SamplingStrategiesFile>> SamplingStrategiesFile::open(std::string path,
                                                                             Options options) {
  if (!options.log)
    options.log = [](const std::string& line) { std::fprintf(stderr, "weft: %s\n", line.c_str()); };
  std::unique_ptr<SamplingStrategiesFile> f(
      new SamplingStrategiesFile(std::move(path), std::move(options)));
  f->stamp_ = stamp_of(f->path_);
  if (!f->stamp_.exists) return errno_status("sampling strategies file", f->path_, errno);
  auto loaded = load(f->path_);
  if (!loaded.is_ok()) return loaded.status();
  for (const std::string& w : loaded->warnings) f->options_.log("sampling strategies: " + w);
  f->options_.log("sampling strategies from " + f->path_ + ": " + summary(*loaded));
  f->strategies_ = std::make_shared<const SamplingStrategies>(std::move(loaded).value());
  f->last_check_ = std::chrono::steady_clock::now();
  // Create the metric families now, so /metrics lists them at 0 from the start.
  reloads_counter();
  reload_errors_counter();
  return f;
}

std::shared_ptr<const SamplingStrategies> SamplingStrategiesFile::current() {
  std::lock_guard lock(mu_);
  auto now = std::chrono::steady_clock::now();
  if (now - last_check_ >= options_.check_interval) {
    last_check_ = now;
    check_locked();
  }
  return strategies_;
}

bool SamplingStrategiesFile::check_now() {
  std::lock_guard lock(mu_);
  last_check_ = std::chrono::steady_clock::now();
  return check_locked();
}

bool SamplingStrategiesFile::check_locked() {
  Stamp now = stamp_of(path_);
  if (now == stamp_) return false;
  stamp_ = now;
  auto fail = [&](const std::string& why) {
    ++reload_errors_;
    reload_errors_counter().inc();
    options_.log("sampling strategies not reloaded, the last good ones stay in force: " + why);
    return false;
  };
  // Read after stat: a change made meanwhile has a newer stamp and is seen next time.
  if (!now.exists) return fail("cannot stat " + path_ + " (removed?)");
  auto loaded = load(path_);
  if (!loaded.is_ok()) return fail(loaded.status().message());
  for (const std::string& w : loaded->warnings) options_.log("sampling strategies: " + w);
  options_.log("sampling strategies reloaded from " + path_ + ": " + summary(*loaded));
  strategies_ = std::make_shared<const SamplingStrategies>(std::move(loaded).value());
  ++reloads_;
  reloads_counter().inc();
  return true;
}

uint64_t SamplingStrategiesFile::reloads() const {
  std::lock_guard lock(mu_);
  return reloads_;
}

uint64_t SamplingStrategiesFile::reload_errors() const {
  std::lock_guard lock(mu_);
  return reload_errors_;
}

}  // namespace weft::api
