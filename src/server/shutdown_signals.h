#pragma once
// SIGINT/SIGTERM handling of the long-running commands (serve, agent): the main thread
// blocks both before starting any thread (so every thread inherits the mask) and later
// waits for one with sigwait.
#include <signal.h>

namespace weft::server {

// Blocks SIGINT and SIGTERM in this thread and returns the set to wait on.
sigset_t block_shutdown_signals();

// Waits for one of `set`; returns its name ("SIGINT" / "SIGTERM").
const char* wait_for_shutdown_signal(const sigset_t& set);

}  // namespace weft::server
