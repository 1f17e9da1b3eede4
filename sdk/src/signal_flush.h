#pragma once
// Flush on SIGTERM/SIGINT. The handler only posts a semaphore (async-signal-safe); a watcher
// thread flushes the processor (which makes the exporter flush, and the log exporter
// fsync), then restores the handler that was installed before and re-raises the signal,
// so the application's own handling (or the default action: exit) still happens. If the
// process survives that, weft's handler is installed again.
#include <chrono>

#include "weft/processor.h"

namespace weft::detail {

void InstallSignalFlush(SpanProcessor* processor, std::chrono::milliseconds timeout);
void UninstallSignalFlush();

}  // namespace weft::detail
