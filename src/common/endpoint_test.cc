#include "common/endpoint.h"

#include <gtest/gtest.h>

namespace weft {
namespace {

Endpoint parse(const std::string& text) {
  auto ep = parse_endpoint(text, "127.0.0.1", 4318);
  EXPECT_TRUE(ep.is_ok()) << text << ": " << ep.status().message();
  return ep.is_ok() ? *ep : Endpoint{};
}

TEST(Endpoint, HostPortForms) {
  Endpoint e = parse("");
  EXPECT_EQ(e.host, "127.0.0.1");
  EXPECT_EQ(e.port, 4318);
  e = parse("example.com:9411");
  EXPECT_EQ(e.host, "example.com");
  EXPECT_EQ(e.port, 9411);
  EXPECT_EQ(e.scheme, "");
  e = parse(":0");
  EXPECT_EQ(e.host, "127.0.0.1");
  EXPECT_EQ(e.port, 0);
  e = parse("4317");
  EXPECT_EQ(e.port, 4317);
  e = parse("[::1]:4317");
  EXPECT_EQ(e.host, "::1");
  EXPECT_EQ(e.host_port(), "[::1]:4317");
}

TEST(Endpoint, UrlForms) {
  Endpoint e = parse("http://10.0.0.5:4318");
  EXPECT_EQ(e.scheme, "http");
  EXPECT_EQ(e.host, "10.0.0.5");
  EXPECT_EQ(e.port, 4318);
  EXPECT_EQ(e.path, "");
  e = parse("HTTP://collector/v1/traces");
  EXPECT_EQ(e.scheme, "http");
  EXPECT_EQ(e.host, "collector");
  EXPECT_EQ(e.port, 4318);  // the default
  EXPECT_EQ(e.path, "/v1/traces");
  e = parse("grpc://[::1]:4317/");
  EXPECT_EQ(e.scheme, "grpc");
  EXPECT_EQ(e.host, "::1");
  EXPECT_EQ(e.path, "/");
}

TEST(Endpoint, Refused) {
  for (const char* bad : {"ftp://h:1", "http://:4318", "http://", "h:99999", "h:x", "::1:4317",
                          "[::1", "[::1]4317", "http://h:1/x?y=1"}) {
    auto ep = parse_endpoint(bad, "127.0.0.1", 1);
    ASSERT_FALSE(ep.is_ok()) << bad;
    EXPECT_NE(ep.status().message().find(bad), std::string::npos) << ep.status().message();
  }
}

}  // namespace
}  // namespace weft
