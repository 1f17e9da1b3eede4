#include "graph/service_graph.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>

#include "graph/peer_node.h"
#include "loadgen/workload.h"
#include "pipeline/pipeline.h"

namespace weft::pipeline::graph {
namespace {

using namespace weft::model;

constexpr uint64_t kSec = 1'000'000'000;
constexpr uint64_t kStart = 1'700'000'000 * kSec;

TraceId trace(uint64_t n) {
  TraceId t;
  for (int i = 0; i < 8; ++i) t.bytes[15 - i] = static_cast<uint8_t>(n >> (8 * i));
  t.bytes[0] = 0xAB;
  return t;
}
SpanId span_id(uint64_t n) {
  SpanId s;
  for (int i = 0; i < 8; ++i) s.bytes[7 - i] = static_cast<uint8_t>(n >> (8 * i));
  return s;
}

std::shared_ptr<const Resource> resource_of(const std::string& service) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const Resource>> cache;
  std::lock_guard lock(mu);
  auto& r = cache[service];
  if (!r) r = std::make_shared<Resource>(Resource{.attributes = {{"service.name", service}}});
  return r;
}

struct SpanSpec {
  SpanKind kind;
  std::string service;
  uint64_t trace;
  uint64_t id;
  uint64_t parent = 0;
  KeyValueList attributes = {};
  bool error = false;
  uint64_t start = kStart;
  uint64_t end = kStart + 5'000'000;
  uint64_t link_trace = 0;  // with link_id: one span link to (trace(link_trace), link_id)
  uint64_t link_id = 0;
};

Span make_span(const SpanSpec& s) {
  Span span;
  span.trace_id = trace(s.trace);
  span.span_id = span_id(s.id);
  span.parent_span_id = span_id(s.parent);
  span.kind = s.kind;
  span.name = "op";
  span.start_time_unix_nano = s.start;
  span.end_time_unix_nano = s.end;
  span.attributes = s.attributes;
  if (s.error) span.status.code = SpanStatusCode::kError;
  if (s.link_id) span.links.push_back({trace(s.link_trace), span_id(s.link_id), "", {}, 0, 0});
  span.resource = resource_of(s.service);
  span.scope = std::make_shared<InstrumentationScope>();
  return span;
}

SpanBatch batch(std::initializer_list<SpanSpec> specs) {
  SpanBatch b;
  for (const SpanSpec& s : specs) b.spans.push_back(make_span(s));
  return b;
}

class ServiceGraphTest : public testing::Test {
 protected:
  std::unique_ptr<ServiceGraph> make(ServiceGraphOptions options = {}) {
    return std::make_unique<ServiceGraph>(
        options,
        [this](std::vector<EdgeSample>&& got) {
          std::lock_guard lock(mu_);
          ++sink_calls_;
          for (auto& e : got) edges_.push_back(std::move(e));
        },
        [this] { return now_.load(); });
  }
  // Observes and commits, as the pipeline does for a batch the store accepted.
  static void write(ServiceGraph& g, const SpanBatch& b) {
    if (auto o = g.observe(b)) o->commit();
  }
  std::vector<EdgeSample> edges() {
    std::lock_guard lock(mu_);
    return edges_;
  }

  std::atomic<uint64_t> now_{kStart};
  std::mutex mu_;
  std::vector<EdgeSample> edges_;
  size_t sink_calls_ = 0;
};

TEST_F(ServiceGraphTest, PairsClientAndServerInOneBatch) {
  auto g = make();
  write(*g, batch({{.kind = SpanKind::kClient,
                    .service = "frontend",
                    .trace = 1,
                    .id = 10,
                    .start = kStart,
                    .end = kStart + 7'000'000},
                   {.kind = SpanKind::kServer,
                    .service = "checkout",
                    .trace = 1,
                    .id = 11,
                    .parent = 10,
                    .start = kStart + 1'000'000,
                    .end = kStart + 6'000'000}}));
  auto got = edges();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].client, "frontend");
  EXPECT_EQ(got[0].server, "checkout");
  EXPECT_EQ(got[0].server_kind, PeerKind::kService);
  EXPECT_FALSE(got[0].virtual_server);
  EXPECT_FALSE(got[0].messaging);
  EXPECT_FALSE(got[0].error);
  EXPECT_EQ(got[0].duration_nanos, 7'000'000u);  // the client's
  EXPECT_EQ(got[0].end_unix_nano, kStart + 7'000'000);
  EXPECT_EQ(g->stats().paired, 1u);
  EXPECT_EQ(g->stats().pending, 0u);
}

TEST_F(ServiceGraphTest, PairsAcrossBatchesInEitherOrder) {
  auto g = make();
  // Client first.
  write(*g, batch({{.kind = SpanKind::kClient, .service = "a", .trace = 1, .id = 10}}));
  EXPECT_EQ(g->stats().pending, 1u);
  now_ += 9 * kSec;  // within the window
  write(*g,
        batch({{.kind = SpanKind::kServer, .service = "b", .trace = 1, .id = 11, .parent = 10}}));
  // Server first.
  write(*g, batch({{.kind = SpanKind::kServer,
                    .service = "c",
                    .trace = 2,
                    .id = 21,
                    .parent = 20,
                    .error = true}}));
  now_ += 9 * kSec;
  write(*g, batch({{.kind = SpanKind::kClient,
                    .service = "b",
                    .trace = 2,
                    .id = 20,
                    .end = kStart + 3'000'000}}));
  auto got = edges();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].client, "a");
  EXPECT_EQ(got[0].server, "b");
  EXPECT_EQ(got[1].client, "b");
  EXPECT_EQ(got[1].server, "c");
  EXPECT_EQ(got[1].duration_nanos, 3'000'000u);
  EXPECT_TRUE(got[1].error);
  EXPECT_EQ(g->stats().paired, 2u);
  EXPECT_EQ(g->stats().pending, 0u);
}

// Zipkin's shared span model: the SERVER side reuses the CLIENT span's ID (and has the
// client's parent as its own), flagged by the Zipkin decoder as zipkin.shared = true.
TEST_F(ServiceGraphTest, ZipkinSharedServerSpanPairsWithTheClientOfItsId) {
  auto g = make();
  write(*g, batch({{.kind = SpanKind::kClient, .service = "web", .trace = 1, .id = 10, .parent = 5}}));
  write(*g, batch({{.kind = SpanKind::kServer,
                    .service = "api",
                    .trace = 1,
                    .id = 10,
                    .parent = 5,
                    .attributes = {{"zipkin.shared", true}}}}));
  auto got = edges();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].client, "web");
  EXPECT_EQ(got[0].server, "api");
  EXPECT_EQ(g->stats().pending, 0u);
}

TEST_F(ServiceGraphTest, ProducerAndConsumerMakeAMessagingEdge) {
  auto g = make();
  write(*g, batch({{.kind = SpanKind::kProducer,
                    .service = "orders",
                    .trace = 1,
                    .id = 10,
                    .attributes = {{"messaging.system", "kafka"}}},
                   {.kind = SpanKind::kConsumer,
                    .service = "shipping",
                    .trace = 1,
                    .id = 11,
                    .parent = 10}}));
  auto got = edges();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].client, "orders");
  EXPECT_EQ(got[0].server, "shipping");
  EXPECT_TRUE(got[0].messaging);
  EXPECT_FALSE(got[0].virtual_server);  // the consumer came: no virtual node for kafka
}

// OTel messaging: a CONSUMER ("process") span is often a root, or the child of a "receive"
// span, and points at the message's PRODUCER ("create") span by a span link.
TEST_F(ServiceGraphTest, ConsumerRootPairsWithTheProducerItsLinkPointsTo) {
  auto g = make();
  write(*g, batch({{.kind = SpanKind::kProducer,
                    .service = "orders",
                    .trace = 1,
                    .id = 10,
                    .attributes = {{"messaging.system", "kafka"}},
                    .end = kStart + 2'000'000},
                   {.kind = SpanKind::kConsumer,
                    .service = "shipping",
                    .trace = 1,
                    .id = 11,
                    .error = true,
                    .link_trace = 1,
                    .link_id = 10}}));
  // Across batches, consumer first; the link may point into another trace.
  write(*g, batch({{.kind = SpanKind::kConsumer,
                    .service = "billing",
                    .trace = 3,
                    .id = 31,
                    .link_trace = 2,
                    .link_id = 20}}));
  EXPECT_EQ(g->stats().pending, 1u);
  write(*g, batch({{.kind = SpanKind::kProducer, .service = "orders", .trace = 2, .id = 20}}));
  auto got = edges();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].client, "orders");
  EXPECT_EQ(got[0].server, "shipping");
  EXPECT_TRUE(got[0].messaging);
  EXPECT_FALSE(got[0].virtual_server);
  EXPECT_TRUE(got[0].error);
  EXPECT_EQ(got[0].duration_nanos, 2'000'000u);  // the producer's
  EXPECT_EQ(got[1].client, "orders");
  EXPECT_EQ(got[1].server, "billing");
  EXPECT_TRUE(got[1].messaging);
  auto st = g->stats();
  EXPECT_EQ(st.paired, 2u);
  EXPECT_EQ(st.pending, 0u);
}

TEST_F(ServiceGraphTest, ConsumerUnderANonProducerParentPairsByItsLink) {
  auto g = make();
  write(*g, batch({{.kind = SpanKind::kProducer, .service = "orders", .trace = 1, .id = 10},
                   {.kind = SpanKind::kInternal, .service = "shipping", .trace = 1, .id = 5},
                   {.kind = SpanKind::kConsumer,
                    .service = "shipping",
                    .trace = 1,
                    .id = 11,
                    .parent = 5,  // the "receive" / polling span
                    .link_trace = 1,
                    .link_id = 10}}));
  // The parent is in no batch seen here: the link decides too.
  write(*g, batch({{.kind = SpanKind::kConsumer,
                    .service = "billing",
                    .trace = 2,
                    .id = 21,
                    .parent = 7,
                    .link_trace = 2,
                    .link_id = 20}}));
  write(*g, batch({{.kind = SpanKind::kProducer, .service = "orders", .trace = 2, .id = 20}}));
  auto got = edges();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].server, "shipping");
  EXPECT_EQ(got[1].server, "billing");
  for (const EdgeSample& e : got) {
    EXPECT_EQ(e.client, "orders");
    EXPECT_TRUE(e.messaging);
  }
  EXPECT_EQ(g->stats().pending, 0u);
}

TEST_F(ServiceGraphTest, ConsumerUnderAProducerParentKeepsItsParent) {
  auto g = make();
  write(*g, batch({{.kind = SpanKind::kProducer, .service = "orders", .trace = 1, .id = 10},
                   {.kind = SpanKind::kProducer,
                    .service = "audit",
                    .trace = 1,
                    .id = 12,
                    .attributes = {{"messaging.system", "kafka"},
                                   {"messaging.destination.name", "audit"}}},
                   {.kind = SpanKind::kConsumer,
                    .service = "shipping",
                    .trace = 1,
                    .id = 11,
                    .parent = 10,
                    .link_trace = 1,
                    .link_id = 12}}));
  auto got = edges();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].client, "orders");
  EXPECT_EQ(got[0].server, "shipping");
  g->expire(UINT64_MAX);  // the linked producer found no consumer: its virtual node
  got = edges();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].client, "audit");
  EXPECT_EQ(got[1].server, "kafka/audit");
  EXPECT_TRUE(got[1].virtual_server);
}

TEST_F(ServiceGraphTest, OnlyTheFirstLinkCountsAndOneConsumerPerProducer) {
  auto g = make();
  write(*g, batch({{.kind = SpanKind::kConsumer,
                    .service = "c",
                    .trace = 1,
                    .id = 11,
                    .link_trace = 1,
                    .link_id = 10},
                   {.kind = SpanKind::kConsumer,  // fan-out: a second consumer of message 10
                    .service = "d",
                    .trace = 1,
                    .id = 13,
                    .link_trace = 1,
                    .link_id = 10},
                   {.kind = SpanKind::kProducer, .service = "a", .trace = 1, .id = 10},
                   {.kind = SpanKind::kProducer, .service = "b", .trace = 1, .id = 12}}));
  // A batch receive: linked to several messages, paired with the first.
  Span batch_receive =
      make_span({.kind = SpanKind::kConsumer, .service = "e", .trace = 1, .id = 14});
  batch_receive.links.push_back({trace(1), span_id(12), "", {}, 0, 0});
  batch_receive.links.push_back({trace(1), span_id(10), "", {}, 0, 0});
  write(*g, SpanBatch{{batch_receive}});
  auto got = edges();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].client, "a");
  EXPECT_EQ(got[0].server, "c");
  EXPECT_EQ(got[1].client, "b");
  EXPECT_EQ(got[1].server, "e");
  EXPECT_EQ(g->stats().duplicates, 1u);
}

// The reference workload (../shared/WORKLOAD.md): 5% of calls are PRODUCER -> CONSUMER, the
// consumer a root with one link to its producer. Every one of them is a messaging edge
// between the two services; no producer is left to a virtual node.
TEST_F(ServiceGraphTest, TheReferenceWorkloadsMessagingCallsAreEdges) {
  auto g = make({.max_pending = 1'000'000});
  loadgen::WorkloadOptions options;
  options.large_trace_ppm = 0;
  loadgen::WorkloadGenerator generator(options);
  std::map<std::pair<std::string, std::string>, int> expected;
  SpanBatch b;
  for (int t = 0; t < 3'000; ++t) {
    Trace trace = generator.next_trace();
    std::map<SpanId, std::string> producers;
    for (const Span& s : trace.spans)
      if (s.kind == SpanKind::kProducer) producers[s.span_id] = std::string(s.service_name());
    for (Span& s : trace.spans) {
      if (s.kind == SpanKind::kConsumer) {
        ASSERT_TRUE(s.is_root());
        ASSERT_EQ(s.links.size(), 1u);
        ++expected[{producers.at(s.links[0].span_id), std::string(s.service_name())}];
      }
      b.spans.push_back(std::move(s));
      if (b.spans.size() == 100) {
        write(*g, b);
        b.spans.clear();
      }
    }
  }
  write(*g, b);
  g->expire(UINT64_MAX);
  ASSERT_FALSE(expected.empty());
  std::map<std::pair<std::string, std::string>, int> got;
  for (const EdgeSample& e : edges()) {
    if (!e.messaging) continue;
    EXPECT_FALSE(e.virtual_server) << e.client << " -> " << e.server;
    ++got[{e.client, e.server}];
  }
  EXPECT_EQ(got, expected);
  EXPECT_EQ(g->stats().pending, 0u);
}

// The whole graph of the reference workload, edge for edge: every CLIENT span with a SERVER
// child is a call between their services, every CONSUMER a call from the PRODUCER it links
// to, and every CLIENT (or PRODUCER) span nothing answered is a call to the virtual node its
// attributes name (peer_node_of) — the databases and caches of ../shared/WORKLOAD.md —
// or no edge when none does. Computed here from the spans themselves, independently of the
// pairing table.
TEST_F(ServiceGraphTest, TheReferenceWorkloadsGraphEdgeForEdge) {
  auto g = make({.max_pending = 1'000'000});
  loadgen::WorkloadOptions options;
  options.large_trace_ppm = 0;
  loadgen::WorkloadGenerator generator(options);
  using Edge = std::tuple<std::string, std::string, bool, bool>;  // client, server, virtual, msg
  std::map<Edge, int> expected;
  SpanBatch b;
  for (int t = 0; t < 3'000; ++t) {
    Trace trace = generator.next_trace();
    std::map<SpanId, const Span*> by_id;
    std::set<SpanId> answered;  // CLIENT / PRODUCER spans some span pairs with
    for (const Span& s : trace.spans) by_id[s.span_id] = &s;
    for (const Span& s : trace.spans) {
      if (s.kind == SpanKind::kServer && !s.is_root()) {
        auto parent = by_id.find(s.parent_span_id);
        if (parent != by_id.end() && parent->second->kind == SpanKind::kClient) {
          answered.insert(s.parent_span_id);
          ++expected[{std::string(parent->second->service_name()),
                      std::string(s.service_name()), false, false}];
        }
      } else if (s.kind == SpanKind::kConsumer && !s.links.empty()) {
        const Span* producer = by_id.at(s.links[0].span_id);
        answered.insert(producer->span_id);
        ++expected[{std::string(producer->service_name()), std::string(s.service_name()), false,
                    true}];
      }
    }
    for (const Span& s : trace.spans) {
      if ((s.kind != SpanKind::kClient && s.kind != SpanKind::kProducer) ||
          answered.count(s.span_id))
        continue;
      if (auto peer = peer_node_of(s.attributes))
        ++expected[{std::string(s.service_name()), peer->name, true,
                    s.kind == SpanKind::kProducer}];
    }
    for (Span& s : trace.spans) {
      b.spans.push_back(std::move(s));
      if (b.spans.size() == 100) {
        write(*g, b);
        b.spans.clear();
      }
    }
  }
  write(*g, b);
  g->expire(UINT64_MAX);
  std::map<Edge, int> got;
  for (const EdgeSample& e : edges()) ++got[{e.client, e.server, e.virtual_server, e.messaging}];
  EXPECT_EQ(got, expected);
  // The workload's uninstrumented databases and caches are there as virtual nodes.
  EXPECT_TRUE(std::any_of(got.begin(), got.end(), [](const auto& kv) {
    return std::get<2>(kv.first) && std::get<1>(kv.first).find('@') != std::string::npos;
  }));
  EXPECT_EQ(g->stats().pending, 0u);
}

TEST_F(ServiceGraphTest, ErrorOnEitherSideMarksTheEdge) {
  auto g = make();
  write(*g, batch({{.kind = SpanKind::kClient, .service = "a", .trace = 1, .id = 1, .error = true},
                   {.kind = SpanKind::kServer, .service = "b", .trace = 1, .id = 2, .parent = 1},
                   {.kind = SpanKind::kClient, .service = "a", .trace = 2, .id = 1},
                   {.kind = SpanKind::kServer,
                    .service = "b",
                    .trace = 2,
                    .id = 2,
                    .parent = 1,
                    .error = true},
                   {.kind = SpanKind::kClient, .service = "a", .trace = 3, .id = 1},
                   {.kind = SpanKind::kServer, .service = "b", .trace = 3, .id = 2, .parent = 1}}));
  auto got = edges();
  ASSERT_EQ(got.size(), 3u);
  // The edges of one commit come shard by shard: count rather than rely on order.
  EXPECT_EQ(std::count_if(got.begin(), got.end(), [](const EdgeSample& e) { return e.error; }), 2);
}

TEST_F(ServiceGraphTest, ClientsWithoutAServerBecomeVirtualNodesAfterTheWindow) {
  auto g = make();
  write(*g, batch({{.kind = SpanKind::kClient,
                    .service = "orders",
                    .trace = 1,
                    .id = 1,
                    .attributes = {{"db.system", "postgresql"}, {"server.address", "pg-main"}},
                    .error = true},
                   {.kind = SpanKind::kClient,
                    .service = "orders",
                    .trace = 2,
                    .id = 1,
                    .attributes = {{"peer.service", "payments-legacy"}}},
                   {.kind = SpanKind::kProducer,
                    .service = "orders",
                    .trace = 3,
                    .id = 1,
                    .attributes = {{"messaging.system", "kafka"},
                                   {"messaging.destination.name", "order-events"}}}}));
  g->expire(now_ + 10 * kSec - 1);
  EXPECT_TRUE(edges().empty());  // still waiting
  EXPECT_EQ(g->stats().pending, 3u);
  g->expire(now_ + 10 * kSec);
  auto got = edges();
  ASSERT_EQ(got.size(), 3u);
  std::sort(got.begin(), got.end(),
            [](const EdgeSample& a, const EdgeSample& b) { return a.server < b.server; });
  EXPECT_EQ(got[0].server, "kafka/order-events");
  EXPECT_EQ(got[0].server_kind, PeerKind::kMessaging);
  EXPECT_TRUE(got[0].messaging);
  EXPECT_EQ(got[1].server, "payments-legacy");
  EXPECT_EQ(got[1].server_kind, PeerKind::kService);
  EXPECT_EQ(got[2].server, "postgresql@pg-main");
  EXPECT_EQ(got[2].server_kind, PeerKind::kDatabase);
  EXPECT_TRUE(got[2].error);
  for (const EdgeSample& e : got) {
    EXPECT_EQ(e.client, "orders");
    EXPECT_TRUE(e.virtual_server);
    EXPECT_EQ(e.duration_nanos, 5'000'000u);
  }
  auto s = g->stats();
  EXPECT_EQ(s.virtual_edges, 3u);
  EXPECT_EQ(s.paired, 0u);
  EXPECT_EQ(s.pending, 0u);
}

TEST_F(ServiceGraphTest, CommitExpiresOpportunistically) {
  auto g = make();
  write(*g, batch({{.kind = SpanKind::kClient,
                    .service = "a",
                    .trace = 1,
                    .id = 1,
                    .attributes = {{"peer.service", "x"}}}}));
  now_ += 11 * kSec;
  write(*g, batch({{.kind = SpanKind::kClient, .service = "a", .trace = 2, .id = 1}}));
  auto got = edges();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].server, "x");
  EXPECT_EQ(g->stats().pending, 1u);  // the second one waits
}

TEST_F(ServiceGraphTest, UnmatchedServerAndBareClientAreDroppedAndCounted) {
  auto g = make();
  write(*g, batch({{.kind = SpanKind::kServer, .service = "b", .trace = 1, .id = 2, .parent = 1},
                   {.kind = SpanKind::kConsumer, .service = "c", .trace = 2, .id = 2, .parent = 1},
                   {.kind = SpanKind::kClient,
                    .service = "a",
                    .trace = 3,
                    .id = 1,
                    .attributes = {{"http.method", "GET"}}}}));
  g->expire(now_ + 10 * kSec);
  EXPECT_TRUE(edges().empty());
  auto s = g->stats();
  EXPECT_EQ(s.expired_unpaired, 3u);
  EXPECT_EQ(s.pending, 0u);
}

TEST_F(ServiceGraphTest, OtherKindsAndRootsAreNotHalves) {
  auto g = make();
  EXPECT_EQ(g->observe(batch({{.kind = SpanKind::kInternal, .service = "a", .trace = 1, .id = 1},
                              {.kind = SpanKind::kServer, .service = "a", .trace = 1, .id = 2}})),
            nullptr);
}

TEST_F(ServiceGraphTest, RootServerSpansGetAUserClientWhenEnabled) {
  auto g = make({.user_client_for_roots = true});
  write(
      *g,
      batch({{.kind = SpanKind::kServer, .service = "frontend", .trace = 1, .id = 1, .error = true},
             {.kind = SpanKind::kConsumer, .service = "worker", .trace = 2, .id = 1}}));
  auto got = edges();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].client, "user");
  EXPECT_EQ(got[0].server, "frontend");
  EXPECT_TRUE(got[0].error);
  EXPECT_EQ(g->stats().user_edges, 1u);
  EXPECT_EQ(g->stats().pending, 0u);
}

TEST_F(ServiceGraphTest, SameServiceOnBothSidesIsASelfLoop) {
  auto g = make();
  write(*g, batch({{.kind = SpanKind::kClient, .service = "a", .trace = 1, .id = 1},
                   {.kind = SpanKind::kServer, .service = "a", .trace = 1, .id = 2, .parent = 1}}));
  auto got = edges();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].client, "a");
  EXPECT_EQ(got[0].server, "a");
}

TEST_F(ServiceGraphTest, ASecondServerUnderOneClientIsADuplicate) {
  auto g = make();
  write(*g, batch({{.kind = SpanKind::kServer, .service = "b", .trace = 1, .id = 2, .parent = 1},
                   {.kind = SpanKind::kServer, .service = "b", .trace = 1, .id = 3, .parent = 1},
                   {.kind = SpanKind::kClient, .service = "a", .trace = 1, .id = 1}}));
  EXPECT_EQ(edges().size(), 1u);
  EXPECT_EQ(g->stats().duplicates, 1u);
  EXPECT_EQ(g->stats().pending, 0u);
}

TEST_F(ServiceGraphTest, BeyondCapacityTheOldestExpireEarly) {
  auto g = make({.max_pending = 3, .shards = 1});
  for (uint64_t t = 1; t <= 5; ++t) {
    write(*g, batch({{.kind = SpanKind::kClient,
                      .service = "a",
                      .trace = t,
                      .id = 1,
                      .attributes = {{"peer.service", "p" + std::to_string(t)}}}}));
    now_ += 1;
  }
  auto got = edges();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].server, "p1");  // oldest first
  EXPECT_EQ(got[1].server, "p2");
  auto s = g->stats();
  EXPECT_EQ(s.evicted, 2u);
  EXPECT_EQ(s.virtual_edges, 2u);
  EXPECT_EQ(s.pending, 3u);
  // The evicted halves' servers arrive late: unpaired, not paired with anything.
  write(*g, batch({{.kind = SpanKind::kServer, .service = "b", .trace = 1, .id = 2, .parent = 1}}));
  EXPECT_EQ(g->stats().paired, 0u);
  EXPECT_EQ(g->stats().evicted, 3u);  // the server half pushed out p3
}

TEST_F(ServiceGraphTest, ExpireAllFlushesEverything) {
  auto g = make();
  write(*g, batch({{.kind = SpanKind::kClient,
                    .service = "a",
                    .trace = 1,
                    .id = 1,
                    .attributes = {{"db.system", "redis"}}}}));
  g->expire(UINT64_MAX);
  ASSERT_EQ(edges().size(), 1u);
  EXPECT_EQ(edges()[0].server, "redis");
  EXPECT_EQ(g->stats().pending, 0u);
}

// Several threads commit the halves of many calls, each pair's two halves from different
// threads and batches, in both orders: every call becomes exactly one edge.
TEST_F(ServiceGraphTest, ConcurrentCommitsPairEveryCall) {
  auto g = make({.max_pending = 1'000'000});
  constexpr int kThreads = 4;
  constexpr uint64_t kPairs = 20'000;
  constexpr uint64_t kBatch = 64;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      SpanBatch b;
      auto flush = [&] {
        write(*g, b);
        b.spans.clear();
      };
      for (uint64_t i = 0; i < kPairs; ++i) {
        // Thread i % kThreads sends the client half; the next thread sends the server half.
        if (static_cast<int>(i % kThreads) == t)
          b.spans.push_back(
              make_span({.kind = SpanKind::kClient, .service = "a", .trace = i, .id = 1}));
        if (static_cast<int>((i + 1) % kThreads) == t)
          b.spans.push_back(make_span(
              {.kind = SpanKind::kServer, .service = "b", .trace = i, .id = 2, .parent = 1}));
        if (b.spans.size() >= kBatch) flush();
      }
      flush();
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(edges().size(), kPairs);
  auto s = g->stats();
  EXPECT_EQ(s.paired, kPairs);
  EXPECT_EQ(s.pending, 0u);
  EXPECT_EQ(s.duplicates, 0u);
}

// A sink that answers with a fixed status.
class FixedSink : public SpanSink {
 public:
  explicit FixedSink(Status answer) : answer_(std::move(answer)) {}
  void write(SpanBatch, std::function<void(Status)> done) override { done(answer_); }

 private:
  Status answer_;
};

TEST_F(ServiceGraphTest, ThroughThePipelineARefusedBatchLeavesNoTrace) {
  auto graph = make();
  ServiceGraph* g = graph.get();
  std::vector<std::unique_ptr<Processor>> chain;
  chain.push_back(std::move(graph));
  FixedSink refusing(resource_exhausted("overloaded"));
  Pipeline refused(refusing, std::move(chain));
  const SpanBatch b =
      batch({{.kind = SpanKind::kClient,
              .service = "a",
              .trace = 1,
              .id = 1,
              .attributes = {{"peer.service", "x"}}},
             {.kind = SpanKind::kServer, .service = "b", .trace = 1, .id = 3, .parent = 2}});
  Status answer = Status::ok();
  refused.write(b, [&](Status s) { answer = std::move(s); });
  EXPECT_EQ(answer.code(), ResultCode::kResourceExhausted);
  g->expire(UINT64_MAX);
  EXPECT_TRUE(edges().empty());
  auto s = g->stats();
  EXPECT_EQ(s.pending, 0u);
  EXPECT_EQ(s.virtual_edges + s.expired_unpaired + s.paired, 0u);
}

// Lends one ServiceGraph to several pipelines (each owns its processors).
class Borrowed : public Processor {
 public:
  explicit Borrowed(ServiceGraph& g) : g_(g) {}
  std::string_view name() const override { return g_.name(); }
  std::unique_ptr<Observation> observe(const SpanBatch& b) override { return g_.observe(b); }

 private:
  ServiceGraph& g_;
};

std::vector<std::unique_ptr<Processor>> chain_of(ServiceGraph& g) {
  std::vector<std::unique_ptr<Processor>> chain;
  chain.push_back(std::make_unique<Borrowed>(g));
  return chain;
}

TEST_F(ServiceGraphTest, ThroughThePipelineARetriedBatchCountsOnce) {
  auto g = make();
  FixedSink refusing(unavailable("full"));
  FixedSink accepting(Status::ok());
  Pipeline first_try(refusing, chain_of(*g));
  Pipeline retry(accepting, chain_of(*g));
  const SpanBatch b =
      batch({{.kind = SpanKind::kClient, .service = "a", .trace = 1, .id = 1},
             {.kind = SpanKind::kServer, .service = "b", .trace = 1, .id = 2, .parent = 1}});
  first_try.write(b, [](Status) {});
  first_try.write(b, [](Status) {});
  retry.write(b, [](Status) {});
  EXPECT_EQ(edges().size(), 1u);
  auto s = g->stats();
  EXPECT_EQ(s.paired, 1u);
  EXPECT_EQ(s.duplicates, 0u);
  EXPECT_EQ(s.pending, 0u);
}

}  // namespace
}  // namespace weft::pipeline::graph
