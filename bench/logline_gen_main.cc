// logline_gen: writes realistic trace log lines (bench/logline_gen.h) to a file or stdout,
// for bench/rsyslog_reference.sh and for trying `weft serve --tail` by hand.
//
//   logline_gen --lines N [--seed S] [--concurrent K] [--per-call-percent P]
//               [--error-percent P] [--out FILE] [--stats]
//
// --stats prints the line count, bytes, line length min/median/max and traces to stderr.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "logline_gen.h"

namespace {

[[noreturn]] void usage(const char* why) {
  if (why) std::fprintf(stderr, "logline_gen: %s\n", why);
  std::fprintf(stderr,
               "usage: logline_gen --lines N [--seed S] [--concurrent K] [--per-call-percent P]\n"
               "                   [--error-percent P] [--out FILE] [--stats]\n");
  std::exit(2);
}

uint64_t number(const char* flag, const char* v) {
  char* end = nullptr;
  const unsigned long long n = std::strtoull(v, &end, 10);
  if (!*v || *end) usage((std::string(flag) + " takes a number").c_str());
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  weft::bench::LoglineGenOptions o;
  uint64_t lines = 0;
  const char* out_path = nullptr;
  bool stats = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage((a + " needs a value").c_str());
      return argv[++i];
    };
    if (a == "--lines") {
      lines = number("--lines", value());
    } else if (a == "--seed") {
      o.seed = number("--seed", value());
    } else if (a == "--concurrent") {
      o.concurrent_traces = number("--concurrent", value());
    } else if (a == "--per-call-percent") {
      o.per_call_percent = static_cast<uint32_t>(number("--per-call-percent", value()));
    } else if (a == "--error-percent") {
      o.error_percent = static_cast<uint32_t>(number("--error-percent", value()));
    } else if (a == "--out") {
      out_path = value();
    } else if (a == "--stats") {
      stats = true;
    } else if (a == "--help" || a == "-h") {
      usage(nullptr);
    } else {
      usage(("unknown argument " + a).c_str());
    }
  }
  if (lines == 0) usage("--lines N (N > 0) is required");

  FILE* out = out_path ? std::fopen(out_path, "wb") : stdout;
  if (!out) {
    std::perror(out_path);
    return 1;
  }
  weft::bench::LoglineGenerator gen(o);
  std::string line;
  std::vector<uint32_t> lengths;
  uint64_t bytes = 0;
  for (uint64_t n = 0; n < lines; ++n) {
    gen.next(&line);
    line.push_back('\n');
    if (std::fwrite(line.data(), 1, line.size(), out) != line.size()) {
      std::perror("write");
      return 1;
    }
    bytes += line.size();
    if (stats) lengths.push_back(static_cast<uint32_t>(line.size() - 1));
  }
  if (out != stdout && std::fclose(out) != 0) {
    std::perror(out_path);
    return 1;
  }
  if (stats) {
    std::sort(lengths.begin(), lengths.end());
    std::fprintf(stderr,
                 "logline_gen: %llu lines, %llu bytes, line length min %u median %u max %u, "
                 "%llu traces started\n",
                 static_cast<unsigned long long>(lines), static_cast<unsigned long long>(bytes),
                 lengths.front(), lengths[lengths.size() / 2], lengths.back(),
                 static_cast<unsigned long long>(gen.traces_started()));
  }
  return 0;
}
