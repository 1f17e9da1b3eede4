#include "server/ui_handler.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string_view>
#include <vector>

namespace weft::server {

namespace fs = std::filesystem;

const char* const kUiNotBuiltAdvice =
    "build it with `cd web && npm ci && npm run build` (or scripts/build.sh); "
    "the APIs under /api/ work anyway";

namespace {

// Fixed text: nothing from the request goes into it.
constexpr std::string_view kNotBuiltPage = R"(<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>weft: web UI not built</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42em;margin:3em auto;padding:0 1em;color:#222}
code,pre{background:#f3f3f3;border-radius:4px;padding:.1em .3em}pre{padding:.6em 1em}</style></head>
<body>
<h1>The web UI is not built</h1>
<p>This <code>weft serve</code> found no built web UI (no <code>index.html</code> in its UI directory).
Build it from the source tree, then reload this page:</p>
<pre>cd web &amp;&amp; npm ci &amp;&amp; npm run build</pre>
<p>or run <code>scripts/build.sh</code>, which builds the UI after the server.
An installed or elsewhere-built UI is chosen with <code>weft serve --ui-dir DIR</code>.</p>
<p>The APIs under <a href="/api/v1/search">/api/</a> (native, Jaeger) work anyway.</p>
</body>
</html>
)";

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

std::string content_type(std::string_view ext) {
  static const std::pair<std::string_view, std::string_view> kTypes[] = {
      {"html", "text/html; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"ico", "image/x-icon"},
      {"json", "application/json"},
      {"map", "application/json"},
      {"webmanifest", "application/manifest+json"},
      {"woff2", "font/woff2"},
      {"woff", "font/woff"},
      {"txt", "text/plain; charset=utf-8"},
      {"wasm", "application/wasm"},
  };
  std::string lower(ext);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& [e, type] : kTypes)
    if (e == lower) return std::string(type);
  return "application/octet-stream";
}

http::Response text(int status, std::string body) {
  auto r = http::Response::text(status, std::move(body));
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}

// The whole file, or nullopt when it cannot be read (gone since it was found).
std::optional<std::string> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  return data;
}

http::Response file_response(const fs::path& p, bool immutable) {
  auto data = read_file(p);
  if (!data) return text(404, "not found\n");
  std::string ext = p.extension().string();
  http::Response r{200, content_type(ext.empty() ? ext : ext.substr(1)), std::move(*data), {}};
  r.headers.emplace_back("Cache-Control",
                         immutable ? "public, max-age=31536000, immutable" : "no-cache");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

// `path` (decoded, starts with '/') split into its non-empty segments; nullopt when it
// must never reach the file system ("..", ".", NUL, backslash).
std::optional<std::vector<std::string>> segments(std::string_view path) {
  if (path.find('\0') != std::string_view::npos || path.find('\\') != std::string_view::npos)
    return std::nullopt;
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view seg = path.substr(i, j - i);
    if (seg == ".." || seg == ".") return std::nullopt;
    if (!seg.empty()) out.emplace_back(seg);
    i = j + 1;
  }
  return out;
}

// `p` canonical and inside the canonical directory `root`.
bool inside(const fs::path& root, const fs::path& p) {
  auto [r, q] = std::mismatch(root.begin(), root.end(), p.begin(), p.end());
  return r == root.end() && q != p.end();
}

http::Response serve(const UiSource& source, std::string_view path) {
  auto segs = segments(path);
  if (!segs) return text(404, "not found\n");
  bool has_ext = !segs->empty() && segs->back().find('.') != std::string::npos;
  bool assets = !segs->empty() && segs->front() == "assets" && segs->size() > 1;

  std::error_code ec;
  fs::path root = source.dir.empty() ? fs::path() : fs::canonical(source.dir, ec);
  if (root.empty() || ec || !is_file(root / "index.html"))
    return has_ext ? text(404, "not found\n")
                   : http::Response{503,
                                    "text/html; charset=utf-8",
                                    std::string(kNotBuiltPage),
                                    {{"Cache-Control", "no-cache"}}};

  if (!segs->empty()) {
    fs::path rel;
    for (const auto& s : *segs) rel /= s;
    fs::path file = fs::weakly_canonical(root / rel, ec);
    if (ec || !inside(root, file)) return text(404, "not found\n");
    if (is_file(file)) return file_response(file, assets);
  }
  if (has_ext) return text(404, "not found\n");
  return file_response(root / "index.html", false);
}

}  // namespace

UiSource find_ui_source(const std::optional<std::string>& flag, const char* env,
                        const std::string& exe_path) {
  if (flag) return UiSource{!flag->empty(), *flag, "given by --ui-dir / $WEFT_UI_DIR"};
  if (env && *env) return UiSource{true, env, "$WEFT_UI_DIR"};
  fs::path exe_dir = fs::path(exe_path).parent_path();
  if (exe_dir.empty()) return UiSource{true, "", "not found"};
  fs::path installed = (exe_dir / ".." / "share" / "weft" / "ui").lexically_normal();
  if (is_file(installed / "index.html")) return UiSource{true, installed.string(), "installed"};
  for (fs::path d = exe_dir;; d = d.parent_path()) {
    fs::path dist = d / "web" / "dist";
    if (is_file(dist / "index.html")) return UiSource{true, dist.string(), "source tree"};
    if (is_file(d / "web" / "package.json"))
      return UiSource{true, dist.string(), "source tree, not built yet"};
    if (d == d.parent_path()) break;
  }
  return UiSource{true, "", "not found"};
}

bool ui_built(const UiSource& source) {
  return source.enabled && !source.dir.empty() && is_file(fs::path(source.dir) / "index.html");
}

http::Handler make_ui_handler(UiSource source, http::Handler next) {
  return [source = std::move(source), next = std::move(next)](http::Request&& req,
                                                              http::Responder respond) {
    std::string_view path = req.path;
    bool ui = source.enabled && (req.method == "GET" || req.method == "HEAD") &&
              path.starts_with('/') && path != "/api" && !path.starts_with("/api/");
    if (!ui) return next(std::move(req), std::move(respond));
    respond(serve(source, path));
  };
}

}  // namespace weft::server
