// --tail-* flags -> LogTailOptions, and the errors for bad values.
#include <gtest/gtest.h>

#include "server/serve_options.h"

namespace weft::server {
namespace {

TEST(TailOptionsTest, FlagsMapOntoTheLogTailOptions) {
  ServeOptions o;
  o.data_dir = "/data";
  o.tail.globs = {"/var/log/a/*.log", "/var/log/b.log"};
  o.tail.from = "beginning";
  o.tail.scheme = "per-call";
  o.tail.services = {"/var/log/a/=alpha", "*b.log=beta=2"};
  o.tail.window = "5s";
  o.tail.max_line_bytes = 4096;
  auto t = log_tail_options(o.tail, o.data_dir);
  ASSERT_TRUE(t.is_ok()) << t.status().to_string();
  EXPECT_EQ(t->tail.globs, o.tail.globs);
  EXPECT_EQ(t->tail.from, tail::From::kBeginning);
  EXPECT_EQ(t->tail.checkpoint_path, "/data/tail.checkpoint");
  EXPECT_EQ(t->assembler.build.scheme, logline::SchemeMode::kPerCall);
  ASSERT_EQ(t->assembler.parser.service_mappings.size(), 2u);
  EXPECT_EQ(t->assembler.parser.service_mappings[0].pattern, "/var/log/a/");
  EXPECT_EQ(t->assembler.parser.service_mappings[0].service, "alpha");
  EXPECT_EQ(t->assembler.parser.service_mappings[1].pattern, "*b.log=beta");  // last '='
  EXPECT_EQ(t->assembler.parser.service_mappings[1].service, "2");
  EXPECT_EQ(t->assembler.window_ns, 5'000'000'000);
  EXPECT_EQ(t->tail.max_line_bytes, 4096u);
  EXPECT_EQ(t->assembler.parser.max_line_bytes, 4096u);

  o.tail.checkpoint = "/elsewhere/cp";
  o.tail.scheme = "auto";
  o.tail.from = "end";
  t = log_tail_options(o.tail, o.data_dir);
  ASSERT_TRUE(t.is_ok());
  EXPECT_EQ(t->tail.checkpoint_path, "/elsewhere/cp");
  EXPECT_EQ(t->assembler.build.scheme, logline::SchemeMode::kDetect);
  EXPECT_EQ(t->tail.from, tail::From::kEnd);
}

TEST(TailOptionsTest, BadValuesNameTheFlag) {
  auto error = [](auto change) {
    ServeOptions o;
    o.tail.globs = {"/x/*.log"};
    change(o);
    auto t = log_tail_options(o.tail, o.data_dir);
    return t.is_ok() ? std::string("ok") : t.status().message();
  };
  EXPECT_EQ(error([](ServeOptions& o) { o.tail.globs = {""}; }), "--tail: an empty glob");
  EXPECT_NE(error([](ServeOptions& o) { o.tail.from = "middle"; }).find("--tail-from \"middle\""),
            std::string::npos);
  EXPECT_NE(error([](ServeOptions& o) { o.tail.scheme = "x"; }).find("--tail-scheme"),
            std::string::npos);
  for (const char* bad : {"svc", "=svc", "pattern="})
    EXPECT_NE(error([&](ServeOptions& o) { o.tail.services = {bad}; }).find("PATTERN=NAME"),
              std::string::npos)
        << bad;
  for (const char* bad : {"0", "abc", "25h", "10"})
    EXPECT_NE(error([&](ServeOptions& o) { o.tail.window = bad; }).find("--tail-window"),
              std::string::npos)
        << bad;
  EXPECT_NE(error([](ServeOptions& o) { o.tail.max_line_bytes = 100; }).find("--tail-max-line-bytes"),
            std::string::npos);
}

}  // namespace
}  // namespace weft::server
