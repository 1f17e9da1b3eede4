#pragma once
// The web UI (web/, built by Vite into web/dist) on the query port.
//
// make_ui_handler answers GET and HEAD requests whose path is not /api or under /api/:
//   - a file that exists in the UI directory: its bytes with a Content-Type from its
//     extension; /assets/… (content-hashed names) cached as immutable, anything else
//     (index.html, favicon.svg) "no-cache";
//   - any other path whose last segment has no extension (/, /search, /trace/<id>, …):
//     index.html, 200 — the client router owns those routes and its "not found" page;
//   - a path with an extension that is no file: 404 text;
//   - a path with a ".." segment, a NUL or a backslash, or one that leaves the directory
//     through a symlink: 404 text;
//   - while the directory has no index.html (UI not built): 503 with a fixed HTML page
//     telling how to build it, for every path that would have been index.html.
// Files are read at request time, so a rebuilt UI shows without a restart. Everything
// else (other methods, /api/…, a disabled UI) goes to `next` unchanged.
#include <optional>
#include <string>

#include "common/http_message.h"

namespace weft::server {

struct UiSource {
  bool enabled = true;  // false: --no-ui / --ui-dir '' — every request goes to `next`
  std::string dir;      // "" (none found) or a directory without index.html: "not built"
  std::string origin;   // how `dir` was chosen, for the startup log
};

// Chooses the UI directory. `flag` is --ui-dir as given (nullopt: not given; "": UI off;
// weft's CLI fills it from $WEFT_UI_DIR too, below a flag and above the YAML file).
// Without it: `env` ($WEFT_UI_DIR) when non-empty; else <exe dir>/../share/weft/ui when it
// holds index.html (installed); else, walking up from the executable's directory (a build
// tree inside the source tree), <ancestor>/web/dist of the first ancestor whose web/ holds
// dist/index.html or package.json (a UI not built yet is served as soon as it is).
// `exe_path` is the executable (/proc/self/exe's target).
UiSource find_ui_source(const std::optional<std::string>& flag, const char* env,
                        const std::string& exe_path);

// True when `source` is enabled and its directory holds index.html now.
bool ui_built(const UiSource& source);

// The "not built" advice, one line, for the startup log.
extern const char* const kUiNotBuiltAdvice;

http::Handler make_ui_handler(UiSource source, http::Handler next);

}  // namespace weft::server
