#include "sidecar/http_head.h"

#include <gtest/gtest.h>

#include <string>

#include "sidecar/body_framer.h"

namespace weft::sidecar {
namespace {

ParseStatus Req(const std::string& s, MessageHead* h, size_t max = 65536) {
  HeadParser p;
  return p.ParseRequest(s.data(), s.size(), max, h);
}

TEST(HttpHead, ParsesRequest) {
  MessageHead h;
  const std::string s =
      "GET /a/b?x=1 HTTP/1.1\r\nHost: example.com:8080\r\nUser-Agent: t/1\r\n"
      "traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n"
      "Content-Length: 5\r\n\r\nhello";
  ASSERT_EQ(Req(s, &h), ParseStatus::kOk);
  EXPECT_EQ(h.method, "GET");
  EXPECT_EQ(h.target, "/a/b?x=1");
  EXPECT_EQ(h.version_minor, 1);
  EXPECT_EQ(h.host, "example.com:8080");
  EXPECT_EQ(h.user_agent, "t/1");
  EXPECT_EQ(h.content_length, 5);
  EXPECT_EQ(h.trace_fields, trace_field::kTraceparent);
  EXPECT_EQ(h.head_bytes, s.size() - 5);
  EXPECT_TRUE(h.KeepAlive());
  EXPECT_EQ(h.Get("HOST"), "example.com:8080");
}

TEST(HttpHead, IncompleteThenComplete) {
  HeadParser p;
  MessageHead h;
  std::string s = "GET / HTTP/1.1\r\nHost: a\r\n";
  EXPECT_EQ(p.ParseRequest(s.data(), s.size(), 1024, &h), ParseStatus::kIncomplete);
  s += "\r\n";
  EXPECT_EQ(p.ParseRequest(s.data(), s.size(), 1024, &h), ParseStatus::kOk);
  // Byte by byte.
  HeadParser q;
  std::string all = "POST /x HTTP/1.0\nHost: a\nConnection: keep-alive\n\n";
  for (size_t i = 1; i < all.size(); ++i)
    EXPECT_EQ(q.ParseRequest(all.data(), i, 1024, &h), ParseStatus::kIncomplete) << i;
  ASSERT_EQ(q.ParseRequest(all.data(), all.size(), 1024, &h), ParseStatus::kOk);
  EXPECT_EQ(h.version_minor, 0);
  EXPECT_TRUE(h.KeepAlive());
}

TEST(HttpHead, RefusesSmugglingAndGarbage) {
  MessageHead h;
  EXPECT_EQ(Req("GARBAGE\r\n\r\n", &h), ParseStatus::kBad);
  EXPECT_EQ(Req("GET / HTTP/1.1 extra\r\n\r\n", &h), ParseStatus::kBad);
  EXPECT_EQ(Req("GET / HTTP/2.0\r\n\r\n", &h), ParseStatus::kBadVersion);
  EXPECT_EQ(Req("GET / HTTP/1.1\r\nHost : a\r\n\r\n", &h), ParseStatus::kBad);
  EXPECT_EQ(Req("GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", &h), ParseStatus::kBad);
  EXPECT_EQ(Req("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", &h),
            ParseStatus::kBad);
  EXPECT_EQ(Req("POST / HTTP/1.1\r\nContent-Length: 3, 3\r\n\r\n", &h), ParseStatus::kOk);
  EXPECT_EQ(Req("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", &h),
            ParseStatus::kBad);
  EXPECT_EQ(Req("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", &h),
            ParseStatus::kBad);
  EXPECT_EQ(Req("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", &h),
            ParseStatus::kOk);
  EXPECT_TRUE(h.chunked);
  EXPECT_EQ(Req("GET / HTTP/1.1\r\nA: b\x01\r\n\r\n", &h), ParseStatus::kBad);
  EXPECT_EQ(Req("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", &h), ParseStatus::kBad);
  EXPECT_EQ(Req("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", &h), ParseStatus::kBad);
}

TEST(HttpHead, TooLarge) {
  MessageHead h;
  std::string s = "GET / HTTP/1.1\r\nX: " + std::string(2000, 'a');
  EXPECT_EQ(Req(s, &h, 1024), ParseStatus::kTooLarge);
  s += "\r\n\r\n";
  EXPECT_EQ(Req(s, &h, 1024), ParseStatus::kTooLarge);
}

TEST(HttpHead, ConnectionTokensAndTrace) {
  MessageHead h;
  const std::string text =  // the head's views point into it
      "GET / HTTP/1.1\r\nConnection: Upgrade, X-Foo\r\nUpgrade: websocket\r\n"
      "X-Foo: 1\r\nb3: 1-2\r\nX-B3-TraceId: a\r\nuberctx-k: v\r\nx-rpc-id: 0.1\r\n\r\n";
  ASSERT_EQ(Req(text, &h), ParseStatus::kOk);
  EXPECT_TRUE(h.conn_upgrade);
  EXPECT_TRUE(h.has_upgrade);
  EXPECT_TRUE(h.conn_other_tokens);
  EXPECT_TRUE(h.NamedByConnection(h.fields[2]));
  EXPECT_FALSE(h.NamedByConnection(h.fields[1]));
  EXPECT_EQ(h.trace_fields, trace_field::kB3 | trace_field::kB3Multi | trace_field::kUberCtx |
                                trace_field::kRpcId);
}

TEST(HttpHead, Response) {
  HeadParser p;
  MessageHead h;
  std::string s = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n";
  ASSERT_EQ(p.ParseResponse(s.data(), s.size(), 1024, &h), ParseStatus::kOk);
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.reason, "OK");
  EXPECT_TRUE(h.chunked);
  EXPECT_TRUE(h.length_and_coding);
  EXPECT_EQ(h.content_length, -1);
  HeadParser q;
  s = "HTTP/1.0 404\r\n\r\n";
  ASSERT_EQ(q.ParseResponse(s.data(), s.size(), 1024, &h), ParseStatus::kOk);
  EXPECT_EQ(h.status, 404);
  EXPECT_FALSE(h.KeepAlive());
}

TEST(HttpHead, SplitTarget) {
  TargetParts t = SplitTarget("/a?b=1");
  EXPECT_EQ(t.path, "/a");
  EXPECT_EQ(t.query, "b=1");
  t = SplitTarget("http://h:1/p/q?x#f");
  EXPECT_EQ(t.scheme, "http");
  EXPECT_EQ(t.authority, "h:1");
  EXPECT_EQ(t.path, "/p/q");
  EXPECT_EQ(t.query, "x");
  t = SplitTarget("http://h");
  EXPECT_EQ(t.authority, "h");
  EXPECT_EQ(t.path, "/");
  t = SplitTarget("h:443");
  EXPECT_EQ(t.path, "h:443");
}

std::string FeedAll(BodyFramer& f, const std::string& s, size_t step) {
  std::string used;
  for (size_t i = 0; i < s.size() && !f.done() && !f.error(); i += step) {
    const size_t n = std::min(step, s.size() - i);
    const size_t k = f.Feed(s.data() + i, n);
    used.append(s, i, k);
    if (k < n) break;
  }
  return used;
}

TEST(BodyFramer, Chunked) {
  const std::string body = "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\nNEXT";
  for (size_t step : {1, 2, 3, 7, 1000}) {
    BodyFramer f;
    f.Reset(BodyFramer::Kind::kChunked);
    EXPECT_EQ(FeedAll(f, body, step), body.substr(0, body.size() - 4)) << step;
    EXPECT_TRUE(f.done());
    EXPECT_EQ(f.payload_bytes(), 11u);
  }
  BodyFramer g;
  g.Reset(BodyFramer::Kind::kChunked);
  FeedAll(g, "zz\r\n", 1);
  EXPECT_TRUE(g.error());
  BodyFramer h;
  h.Reset(BodyFramer::Kind::kChunked);
  FeedAll(h, "3\r\nabcX\r\n", 100);
  EXPECT_TRUE(h.error());
}

TEST(BodyFramer, LengthAndClose) {
  BodyFramer f;
  f.Reset(BodyFramer::Kind::kLength, 4);
  EXPECT_EQ(f.Feed("abcdef", 6), 4u);
  EXPECT_TRUE(f.done());
  BodyFramer g;
  g.Reset(BodyFramer::Kind::kUntilClose);
  EXPECT_EQ(g.Feed("abc", 3), 3u);
  EXPECT_FALSE(g.done());
  g.OnEof();
  EXPECT_TRUE(g.done());
  BodyFramer h;
  h.Reset(BodyFramer::Kind::kLength, 4);
  h.Feed("ab", 2);
  h.OnEof();
  EXPECT_TRUE(h.error());
}

}  // namespace
}  // namespace weft::sidecar
