#pragma once
// A compact in-memory form of a parsed line (LogLine), for lines held open in the
// TraceAssembler: one byte string per line instead of a LogLine (about 400 bytes of struct,
// a std::vector of KeyValue at 72 bytes each, a heap block per long key or value; about
// 2 KB per generated 390-byte line, a third of that packed). Packed when a line is
// accepted, unpacked once when its trace is emitted (and then moved into its span).
//
// The format is private to this process (never written to disk or sent): fixed-size
// fields as raw bytes, strings as a varint length and the bytes, AnyValue as its variant
// index and the value (arrays and key-value lists as a varint count and their items).
#include <string>
#include <string_view>
#include <vector>

#include "logline/log_line.h"
#include "model/span.h"

namespace weft::logline {

using namespace weft::model;

// Appends the whole of `line` to *out (every field; unpack_line gives it back equal).
void pack_line(const LogLine& line, std::string* out);
// Reads a line pack_line wrote (all of `in`) into *out (every field). False if `in` is not
// one whole packed line (never for bytes pack_line wrote).
bool unpack_line(std::string_view in, LogLine* out);

// Appends `attrs` to *out.
void pack_attributes(const KeyValueList& attrs, std::string* out);
// Appends `events` (time, name, attributes, dropped count each) to *out.
void pack_events(const std::vector<SpanEvent>& events, std::string* out);

// Read back what pack_* appended, in the same order, advancing *in past it. False if *in
// does not hold a whole packed value (it always does for bytes pack_* wrote).
bool unpack_attributes(std::string_view* in, KeyValueList* out);
bool unpack_events(std::string_view* in, std::vector<SpanEvent>* out);

}  // namespace weft::logline
