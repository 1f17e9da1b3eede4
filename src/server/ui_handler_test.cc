// Tests of the web UI handler on a temporary UI directory (no sockets).
#include "server/ui_handler.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

namespace weft::server {
namespace {

namespace fs = std::filesystem;

void write(const fs::path& p, const std::string& data) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << data;
}

std::string header(const http::Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "";
}

class UiHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_ = fs::temp_directory_path() / ("weft-ui-test-" + std::to_string(std::random_device{}()));
    dir_ = tmp_ / "dist";
    write(dir_ / "index.html", "<!doctype html><title>weft</title>");
    write(dir_ / "assets" / "app-abc.js", "console.log(1)");
    write(dir_ / "favicon.svg", "<svg/>");
    write(dir_ / "logo.png", std::string("\x89PNG\r\n\x1a\n\0\0\xff", 11));
    write(tmp_ / "secret.txt", "secret");
  }
  void TearDown() override { fs::remove_all(tmp_); }

  // The response to `method path`, or status -1 with `passed` set when it went to next.
  http::Response get(const std::string& path, const std::string& method = "GET",
                     UiSource source = {}) {
    if (source.dir.empty() && source.enabled) source.dir = dir_.string();
    passed_ = false;
    http::Response out{-1, "", "", {}};
    auto handler = make_ui_handler(source, [this](http::Request&&, http::Responder respond) {
      passed_ = true;
      respond(http::Response::json(404, "{}"));
    });
    http::Request req;
    req.method = method;
    req.path = path;
    req.target = path;
    handler(std::move(req), [&out](http::Response r) { out = std::move(r); });
    return out;
  }

  fs::path tmp_, dir_;
  bool passed_ = false;
};

TEST_F(UiHandlerTest, SpaRoutesAnswerIndex) {
  for (const char* path :
       {"/", "/search", "/trace/abc", "/dependencies", "/no/such/page", "/assets"}) {
    auto r = get(path);
    EXPECT_FALSE(passed_) << path;
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8") << path;
    EXPECT_EQ(r.body, "<!doctype html><title>weft</title>") << path;
    EXPECT_EQ(header(r, "Cache-Control"), "no-cache") << path;
  }
  EXPECT_EQ(get("/", "HEAD").status, 200);
}

TEST_F(UiHandlerTest, FilesWithTypesAndCaching) {
  auto js = get("/assets/app-abc.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(js.body, "console.log(1)");
  EXPECT_EQ(header(js, "Cache-Control"), "public, max-age=31536000, immutable");
  auto svg = get("/favicon.svg");
  EXPECT_EQ(svg.status, 200);
  EXPECT_EQ(svg.content_type, "image/svg+xml");
  EXPECT_EQ(header(svg, "Cache-Control"), "no-cache");
  auto png = get("/logo.png");
  EXPECT_EQ(png.content_type, "image/png");
  EXPECT_EQ(png.body.size(), 11u);  // binary, NULs included
  EXPECT_EQ(get("/index.html").status, 200);
  // Read at request time: a rebuilt file shows without a new handler.
  write(dir_ / "assets" / "app-abc.js", "console.log(2)");
  EXPECT_EQ(get("/assets/app-abc.js").body, "console.log(2)");
}

TEST_F(UiHandlerTest, MissingFilesAndTraversalAre404) {
  for (const char* path : {"/assets/missing.js", "/missing.css", "/../etc/passwd", "/../secret.txt",
                           "/assets/../../etc/passwd", "/assets/../../secret.txt", "/./index.html",
                           "/assets\\..\\..\\secret.txt"}) {
    auto r = get(path);
    EXPECT_FALSE(passed_) << path;
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.content_type, "text/plain; charset=utf-8") << path;
  }
  EXPECT_EQ(get(std::string("/index.html\0.js", 15)).status, 404);
  // A symlink out of the directory is not followed.
  fs::create_symlink(tmp_ / "secret.txt", dir_ / "leak.txt");
  EXPECT_EQ(get("/leak.txt").status, 404);
}

TEST_F(UiHandlerTest, ApiOtherMethodsAndDisabledGoToNext) {
  for (const char* path : {"/api/v1/services", "/api", "/api/definitely-not-a-route"}) {
    get(path);
    EXPECT_TRUE(passed_) << path;
  }
  get("/", "POST");
  EXPECT_TRUE(passed_);
  get("/apiary");  // only /api and /api/… are the APIs'
  EXPECT_FALSE(passed_);
  UiSource off;
  off.enabled = false;
  get("/", "GET", off);
  EXPECT_TRUE(passed_);
}

TEST_F(UiHandlerTest, NotBuiltIs503Page) {
  for (const std::string& dir : {(tmp_ / "nowhere").string(), tmp_.string()}) {
    UiSource src{true, dir, "test"};
    EXPECT_FALSE(ui_built(src));
    auto r = get("/trace/abc", "GET", src);
    EXPECT_FALSE(passed_);
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
    EXPECT_NE(r.body.find("npm run build"), std::string::npos);
    EXPECT_NE(r.body.find("/api/"), std::string::npos);
    EXPECT_EQ(get("/assets/app-abc.js", "GET", src).status, 404);
    get("/api/v1/services", "GET", src);
    EXPECT_TRUE(passed_);
  }
  EXPECT_TRUE(ui_built(UiSource{true, dir_.string(), "test"}));
}

TEST_F(UiHandlerTest, FindsTheDirectory) {
  EXPECT_EQ(find_ui_source(std::string("/x"), "/env", "/bin/weft").dir, "/x");
  EXPECT_FALSE(find_ui_source(std::string(""), "/env", "/bin/weft").enabled);
  EXPECT_EQ(find_ui_source(std::nullopt, "/env", "/bin/weft").dir, "/env");
  // Build tree inside a source tree: <src>/build/src/cmd/weft finds <src>/web/dist.
  fs::path src = tmp_ / "src";
  fs::create_directories(src / "build" / "src" / "cmd");
  write(src / "web" / "package.json", "{}");
  std::string exe = (src / "build" / "src" / "cmd" / "weft").string();
  auto unbuilt = find_ui_source(std::nullopt, "", exe);
  EXPECT_TRUE(unbuilt.enabled);
  EXPECT_EQ(unbuilt.dir, (src / "web" / "dist").string());
  EXPECT_FALSE(ui_built(unbuilt));
  write(src / "web" / "dist" / "index.html", "x");
  EXPECT_EQ(find_ui_source(std::nullopt, nullptr, exe).dir, (src / "web" / "dist").string());
  // Installed: <prefix>/bin/weft with <prefix>/share/weft/ui/index.html wins.
  fs::path prefix = tmp_ / "prefix";
  write(prefix / "share" / "weft" / "ui" / "index.html", "x");
  auto installed = find_ui_source(std::nullopt, nullptr, (prefix / "bin" / "weft").string());
  EXPECT_EQ(installed.dir, (prefix / "share" / "weft" / "ui").string());
  EXPECT_TRUE(ui_built(installed));
}

}  // namespace
}  // namespace weft::server
