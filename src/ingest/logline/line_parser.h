#pragma once
// LineParser: one trace log line (JSON, ../shared/LOGFORMAT.md) -> LogLine, or a rejection
// with a reason. Parses with simdjson (DOM API); docs/format/logline.md gives the mapping
// of every field.
//
// Not thread-safe (it reuses one simdjson parser and buffer); one per reading thread.
#include <memory>
#include <string_view>

#include "logline/log_line.h"

namespace weft::logline {

class LineParser {
 public:
  explicit LineParser(ParserOptions options = {});
  ~LineParser();
  LineParser(LineParser&&) noexcept;
  LineParser& operator=(LineParser&&) noexcept;

  // Reads `line` (without its '\n'; a trailing '\r' and surrounding whitespace are
  // ignored) written to the file at `source` (the path, for the service mapping and the
  // `log.file.path` attribute; may be empty). On success fills *out (every field of it).
  LineStatus parse(std::string_view line, std::string_view source, LogLine* out);

  const ParserOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace weft::logline
