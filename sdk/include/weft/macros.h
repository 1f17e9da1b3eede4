#pragma once
// WEFT_TRACE_FUNCTION(): a span named after the enclosing function, active until the end of
// the scope (C++'s answer to @WithSpan). WEFT_TRACE_SCOPE("name") does the same with a
// name. Both use the global tracer installed by weft::Init.
#include "weft/tracer.h"

#define WEFT_DETAIL_CONCAT2(a, b) a##b
#define WEFT_DETAIL_CONCAT(a, b) WEFT_DETAIL_CONCAT2(a, b)
#define WEFT_TRACE_SCOPE(name) \
  ::weft::Span WEFT_DETAIL_CONCAT(weft_scoped_span_, __LINE__) = ::weft::GetTracer().StartSpan(name)
#define WEFT_TRACE_FUNCTION() WEFT_TRACE_SCOPE(__func__)
