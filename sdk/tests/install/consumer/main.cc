// Uses the installed headers and library: a span into the in-memory exporter.
#include <weft/span_data.h>
#include <weft/weft.h>

#include <cstdio>

int main() {
  auto exporter = std::make_shared<weft::InMemoryExporter>();
  {
    weft::Sdk sdk = weft::Init({.service_name = "consumer", .exporter = exporter});
    weft::Span span = sdk.tracer("consumer").StartSpan("hello", weft::SpanKind::kServer);
    span.SetAttribute("answer", 42);
  }
  const auto spans = exporter->spans();
  if (spans.size() != 1 || spans[0].name != "hello") return 1;
  std::printf("consumer ok: %s\n", spans[0].trace_id.hex().c_str());
  return 0;
}
