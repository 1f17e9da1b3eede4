#pragma once
// Span checks beyond what a decoder can represent: times, sizes. A span that fails one is
// rejected alone; its siblings are kept.
#include <optional>
#include <string>

#include "ingest/limits.h"
#include "model/span.h"

namespace weft::ingest {

using namespace weft::model;

// Empty if the span may be stored; otherwise why not, naming the span
// ("span 5f2c0a1b2c3d4e5f: end_time_unix_nano is before start_time_unix_nano").
std::optional<std::string> validate_span(const Span& span, const Limits& limits);

}  // namespace weft::ingest
