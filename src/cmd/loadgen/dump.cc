#include "cmd/loadgen/dump.h"

#include <cerrno>
#include <cstdio>
#include <memory>

#include "loadgen/batch_cutter.h"
#include "wire/otlp_json.h"

namespace weft::cmd::loadgen {

using namespace weft::model;

namespace {

int close_unless_stdout(std::FILE* f) { return f == stdout ? std::fflush(f) : std::fclose(f); }

}  // namespace

Result<uint64_t> dump_otlp_json_lines(const LoadgenOptions& options, const std::string& path) {
  WEFT_CHECK(options.spans > 0);
  const bool to_stdout = path == "-";
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(
      to_stdout ? stdout : std::fopen(path.c_str(), "wb"), &close_unless_stdout);
  if (!file) return errno_status("open", path, errno);

  weft::loadgen::BatchCutter cutter(options.workload, options.batch, options.spans);
  std::vector<Span> batch;
  uint64_t lines = 0;
  while (cutter.next(&batch)) {
    std::string line = wire::encode_otlp_json(batch);
    line.push_back('\n');
    if (std::fwrite(line.data(), 1, line.size(), file.get()) != line.size())
      return errno_status("write", path, errno);
    ++lines;
  }
  if (std::fflush(file.get()) != 0) return errno_status("write", path, errno);
  return lines;
}

}  // namespace weft::cmd::loadgen
