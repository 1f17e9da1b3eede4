#pragma once
// `weft serve`'s pipeline flags (RED metrics, service graph; alerts come from the config
// file's `alerts:` section).
#include <CLI/CLI.hpp>

#include "server/serve_options.h"

namespace weft::cmd {

void add_pipeline_flags(CLI::App* serve, server::PipelineFlags& flags);

}  // namespace weft::cmd
