// The SDK's private HTTP/1.1 client against an in-test server on 127.0.0.1.
#include "net/http_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>

#include "fake_clock.h"
#include "test_http_server.h"

namespace weft::net {
namespace {

using weft::testing::FakeSteadyClock;
using weft::testing::HttpResponse;
using weft::testing::TestHttpServer;
using weft::testing::TestRequest;
using weft::testing::TestResponse;
using namespace std::chrono_literals;

TEST(HttpClientUrl, ParsesHostPortPath) {
  Url u;
  std::string error;
  ASSERT_TRUE(ParseHttpUrl("http://collector:4318/v1/traces", &u, &error)) << error;
  EXPECT_EQ(u.host, "collector");
  EXPECT_EQ(u.port, 4318);
  EXPECT_EQ(u.path, "/v1/traces");

  ASSERT_TRUE(ParseHttpUrl("HTTP://127.0.0.1", &u, &error)) << error;
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, 80);
  EXPECT_EQ(u.path, "/");

  ASSERT_TRUE(ParseHttpUrl("http://[::1]:9000/a?b=c#frag", &u, &error)) << error;
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 9000);
  EXPECT_EQ(u.path, "/a?b=c");

  ASSERT_TRUE(ParseHttpUrl("http://h?x=1", &u, &error)) << error;
  EXPECT_EQ(u.host, "h");
  EXPECT_EQ(u.path, "/?x=1");
}

TEST(HttpClientUrl, RejectsWhatItCannotServe) {
  Url u;
  u.host = "unchanged";
  std::string error;
  EXPECT_FALSE(ParseHttpUrl("https://collector:4318", &u, &error));
  EXPECT_EQ(error, "https is not supported; use a local collector or sidecar");
  for (const char* bad :
       {"collector:4318", "http://", "http://:80/x", "http://h:0", "http://h:65536", "http://h:12x",
        "http://u@h/", "http://[::1", "ftp://h/"}) {
    error.clear();
    EXPECT_FALSE(ParseHttpUrl(bad, &u, &error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
  EXPECT_EQ(u.host, "unchanged");
}

TEST(HttpClient, ContentLengthRequestAndResponse) {
  TestRequest seen;
  TestHttpServer server([&](const TestRequest& r) {
    seen = r;
    return TestResponse{HttpResponse(200, "echo:" + r.body, "Content-Type: text/plain\r\n")};
  });
  HttpClient client("127.0.0.1", server.port(), 2s);
  HttpResult r =
      client.Request("POST", "/v1/traces", {{"Content-Type", "application/x-protobuf"}}, "payload");
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "echo:payload");
  EXPECT_EQ(r.retry_after, "");
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.target, "/v1/traces");
  EXPECT_NE(seen.head.find("\r\nHost: 127.0.0.1:" + std::to_string(server.port()) + "\r\n"),
            std::string::npos);
  EXPECT_NE(seen.head.find("\r\nContent-Type: application/x-protobuf\r\n"), std::string::npos);
  EXPECT_NE(seen.head.find("\r\nContent-Length: 7\r\n"), std::string::npos);
}

TEST(HttpClient, LargeBodiesBothWays) {
  TestHttpServer server(
      [](const TestRequest& r) { return TestResponse{HttpResponse(200, r.body + r.body)}; });
  std::string big(3 * 1024 * 1024 + 17, 'x');
  for (size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>('a' + i % 26);
  HttpClient client("127.0.0.1", server.port(), 5s);
  HttpResult r = client.Request("POST", "/", {}, big);
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.body, big + big);
}

TEST(HttpClient, ChunkedResponse) {
  TestHttpServer server([](const TestRequest&) {
    return TestResponse{
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\nhello\r\n1;ext=1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n"};
  });
  HttpClient client("127.0.0.1", server.port(), 2s);
  for (int i = 0; i < 2; ++i) {  // the stream stays in sync for the next response
    HttpResult r = client.Request("GET", "/", {}, "");
    ASSERT_EQ(r.status, 200) << r.error;
    EXPECT_EQ(r.body, "hello 0123456789");
  }
  EXPECT_EQ(server.connections(), 1);
}

TEST(HttpClient, LargeChunkedResponse) {
  std::string expected;
  std::string raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 300; ++i) {
    std::string chunk(1000 + i * 37, static_cast<char>('a' + i % 26));
    expected += chunk;
    char size[16];
    snprintf(size, sizeof size, "%zx", chunk.size());
    raw += std::string(size) + "\r\n" + chunk + "\r\n";
  }
  raw += "0\r\n\r\n";
  TestHttpServer server([&](const TestRequest&) { return TestResponse{raw}; });
  HttpClient client("127.0.0.1", server.port(), 5s);
  HttpResult r = client.Request("GET", "/", {}, "");
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.body, expected);
}

TEST(HttpClient, BadChunkIsAnError) {
  TestHttpServer server([](const TestRequest&) {
    return TestResponse{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n"};
  });
  HttpClient client("127.0.0.1", server.port(), 2s);
  HttpResult r = client.Request("GET", "/", {}, "");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.error, "");
}

TEST(HttpClient, ReadToCloseResponse) {
  TestHttpServer server([](const TestRequest&) {
    return TestResponse{"HTTP/1.0 200 OK\r\nServer: old\r\n\r\nuntil the end",
                        /*close_after=*/true};
  });
  HttpClient client("127.0.0.1", server.port(), 2s);
  for (int i = 0; i < 2; ++i) {
    HttpResult r = client.Request("GET", "/", {}, "");
    ASSERT_EQ(r.status, 200) << r.error;
    EXPECT_EQ(r.body, "until the end");
  }
  EXPECT_EQ(server.connections(), 2);
}

TEST(HttpClient, KeepAliveReusesOneConnection) {
  TestHttpServer server(
      [](const TestRequest& r) { return TestResponse{HttpResponse(200, r.target)}; });
  HttpClient client("127.0.0.1", server.port(), 2s);
  for (int i = 0; i < 5; ++i) {
    HttpResult r = client.Request("GET", "/n" + std::to_string(i), {}, "");
    ASSERT_EQ(r.status, 200) << r.error;
    EXPECT_EQ(r.body, "/n" + std::to_string(i));
  }
  EXPECT_EQ(server.connections(), 1);
  EXPECT_EQ(server.requests(), 5);
}

TEST(HttpClient, ConnectionCloseHeaderIsHonoured) {
  TestHttpServer server([](const TestRequest&) {
    return TestResponse{HttpResponse(200, "ok", "Connection: close\r\n"), /*close_after=*/true};
  });
  HttpClient client("127.0.0.1", server.port(), 2s);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(client.Request("GET", "/", {}, "").status, 200);
  EXPECT_EQ(server.connections(), 3);
}

TEST(HttpClient, IdleConnectionClosedByServerIsReplaced) {
  // The server closes after each response without announcing it.
  TestHttpServer server([](const TestRequest&) {
    return TestResponse{HttpResponse(200, "ok"), /*close_after=*/true};
  });
  HttpClient client("127.0.0.1", server.port(), 2s);
  for (int i = 0; i < 3; ++i) {
    HttpResult r = client.Request("POST", "/", {}, "x");
    EXPECT_EQ(r.status, 200) << r.error;
    std::this_thread::sleep_for(10ms);  // let the FIN arrive: the connection is idle-closed
  }
  EXPECT_EQ(server.connections(), 3);
  EXPECT_EQ(server.requests(), 3);
}

TEST(HttpClient, RequestOnConnectionDroppedByServerIsRetriedOnce) {
  // The second request arrives on the kept-alive connection just as the server drops it
  // (closes without a response): the client must retry once on a fresh connection.
  std::atomic<int> n{0};
  TestHttpServer server([&](const TestRequest&) {
    if (++n == 2) return TestResponse{"", /*close_after=*/true};
    return TestResponse{HttpResponse(200, "ok")};
  });
  HttpClient client("127.0.0.1", server.port(), 2s);
  EXPECT_EQ(client.Request("POST", "/", {}, "a").status, 200);
  HttpResult r = client.Request("POST", "/", {}, "b");
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(server.requests(), 3);
  EXPECT_EQ(server.connections(), 2);
}

TEST(HttpClient, FreshConnectionDroppedIsAnErrorNotRetried) {
  TestHttpServer server([](const TestRequest&) { return TestResponse{"", /*close_after=*/true}; });
  HttpClient client("127.0.0.1", server.port(), 2s);
  HttpResult r = client.Request("POST", "/", {}, "a");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.error, "");
  EXPECT_EQ(server.requests(), 1);
}

TEST(HttpClient, ConnectionRefusedIsAnError) {
  uint16_t port;
  {  // a port nobody listens on: bind one, then give it back
    TestHttpServer server([](const TestRequest&) { return TestResponse{}; });
    port = server.port();
  }
  // The clock never moves: a client that waited for its deadline instead of reporting the
  // refusal would never return (the guard below then fails the test).
  FakeSteadyClock clock;
  HttpClient client("127.0.0.1", port, 2s, &clock);
  auto request = std::async(std::launch::async, [&] { return client.Request("GET", "/", {}, ""); });
  if (request.wait_for(60s) != std::future_status::ready) {
    ADD_FAILURE() << "still waiting with the clock stopped";
    clock.Advance(1h);  // let it end
  }
  HttpResult r = request.get();
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.error.find("refused"), std::string::npos) << r.error;
  EXPECT_EQ(clock.Elapsed(), 0ns);
}

TEST(HttpClient, UnresolvableHostIsAnError) {
  HttpClient client("no-such-host.invalid", 80, 2s);
  HttpResult r = client.Request("GET", "/", {}, "");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.error, "");
}

TEST(HttpClient, SilentServerTimesOutWithinTheDeadline) {
  TestHttpServer server([](const TestRequest&) {
    TestResponse hang;
    hang.hang = true;
    return hang;
  });
  FakeSteadyClock clock;
  HttpClient client("127.0.0.1", server.port(), 200ms, &clock);
  auto request = std::async(std::launch::async, [&] { return client.Request("GET", "/", {}, ""); });
  ASSERT_TRUE(testing::Eventually([&] { return server.requests() == 1; }));
  // 1 ms before the deadline the client is still waiting for the answer: once it has looked
  // at the clock again (its polls last 1 ms with this clock) it must not have given up, and
  // at the deadline it must.
  clock.Advance(199ms);
  const uint64_t polls = clock.polls();
  ASSERT_TRUE(testing::Eventually([&] { return clock.polls() >= polls + 3; }));
  EXPECT_EQ(request.wait_for(0s), std::future_status::timeout) << "gave up before the deadline";
  clock.Advance(1ms);  // the deadline
  if (request.wait_for(60s) != std::future_status::ready) {
    ADD_FAILURE() << "still waiting past the deadline";
    server.Stop();
  }
  HttpResult r = request.get();
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.error.find("timeout after 200 ms"), std::string::npos) << r.error;
  server.Stop();
}

TEST(HttpClient, RetryAfterAndErrorStatusesAreResults) {
  TestHttpServer server([](const TestRequest&) {
    return TestResponse{HttpResponse(429, "slow down", "retry-after:  7 \r\n")};
  });
  HttpClient client("127.0.0.1", server.port(), 2s);
  HttpResult r = client.Request("POST", "/", {}, "x");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.body, "slow down");
  EXPECT_EQ(r.retry_after, "7");
}

TEST(HttpClient, OversizedBodyIsRejected) {
  TestHttpServer server([](const TestRequest&) {
    return TestResponse{"HTTP/1.1 200 OK\r\nContent-Length: 100000000000\r\n\r\nabc"};
  });
  HttpClient client("127.0.0.1", server.port(), 2s);
  HttpResult r = client.Request("GET", "/", {}, "");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.error.find("larger than"), std::string::npos) << r.error;
}

TEST(HttpClient, InterimResponsesAreSkippedAndHeadHasNoBody) {
  TestHttpServer server([](const TestRequest& r) {
    if (r.method == "HEAD") return TestResponse{"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n"};
    return TestResponse{"HTTP/1.1 100 Continue\r\n\r\n" + HttpResponse(201, "made")};
  });
  HttpClient client("127.0.0.1", server.port(), 2s);
  HttpResult r = client.Request("PUT", "/", {}, "x");
  EXPECT_EQ(r.status, 201) << r.error;
  EXPECT_EQ(r.body, "made");
  r = client.Request("HEAD", "/", {}, "");
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(client.Request("PUT", "/", {}, "x").status, 201);
  EXPECT_EQ(server.connections(), 1);
}

}  // namespace
}  // namespace weft::net
