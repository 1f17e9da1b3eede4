#include "graph/peer_node.h"

#include <gtest/gtest.h>

namespace weft::pipeline::graph {
namespace {

using namespace weft::model;

std::optional<PeerNode> peer(KeyValueList attrs) { return peer_node_of(attrs); }

TEST(PeerNodeTest, NothingToNameIsNoNode) {
  EXPECT_EQ(peer({}), std::nullopt);
  EXPECT_EQ(peer({{"http.method", "GET"}, {"peer.service", ""}}), std::nullopt);
  EXPECT_EQ(peer({{"peer.service", int64_t{3}}}), std::nullopt);  // strings only
}

TEST(PeerNodeTest, PeerServiceNamesTheNode) {
  EXPECT_EQ(peer({{"peer.service", "billing"}, {"server.address", "10.0.0.1"}}),
            (PeerNode{"billing", PeerKind::kService}));
  // A database named by peer.service stays a database.
  EXPECT_EQ(peer({{"db.system", "postgresql"}, {"peer.service", "orders-db"}}),
            (PeerNode{"orders-db", PeerKind::kDatabase}));
}

TEST(PeerNodeTest, DatabaseIsSystemAtHostElseSystemSlashName) {
  EXPECT_EQ(peer({{"db.system", "postgresql"}}), (PeerNode{"postgresql", PeerKind::kDatabase}));
  EXPECT_EQ(peer({{"db.system", "postgresql"},
                  {"server.address", "PG-1.internal"},
                  {"db.name", "orders"}}),
            (PeerNode{"postgresql@pg-1.internal", PeerKind::kDatabase}));
  EXPECT_EQ(peer({{"db.system", "redis"}, {"net.peer.name", "cache:6379"}}),
            (PeerNode{"redis@cache", PeerKind::kDatabase}));
  EXPECT_EQ(peer({{"db.system", "mysql"}, {"db.name", "users"}}),
            (PeerNode{"mysql/users", PeerKind::kDatabase}));
  // The newer semantic-convention names win.
  EXPECT_EQ(peer({{"db.system", "old"},
                  {"db.system.name", "mongodb"},
                  {"db.namespace", "cat"},
                  {"db.name", "x"}}),
            (PeerNode{"mongodb/cat", PeerKind::kDatabase}));
  // A URL is not a database host.
  EXPECT_EQ(peer({{"db.system", "elasticsearch"}, {"url.full", "http://es:9200/_search"}}),
            (PeerNode{"elasticsearch", PeerKind::kDatabase}));
}

TEST(PeerNodeTest, MessagingIsSystemSlashDestinationUnlessTemporary) {
  EXPECT_EQ(peer({{"messaging.system", "kafka"}, {"messaging.destination.name", "orders"}}),
            (PeerNode{"kafka/orders", PeerKind::kMessaging}));
  EXPECT_EQ(peer({{"messaging.system", "kafka"},
                  {"messaging.destination.name", "orders-17"},
                  {"messaging.destination.template", "orders-{shard}"}}),
            (PeerNode{"kafka/orders-{shard}", PeerKind::kMessaging}));
  EXPECT_EQ(peer({{"messaging.system", "rabbitmq"},
                  {"messaging.destination.name", "amq.gen-X"},
                  {"messaging.destination.temporary", true}}),
            (PeerNode{"rabbitmq", PeerKind::kMessaging}));
  EXPECT_EQ(peer({{"messaging.system", "sqs"}}), (PeerNode{"sqs", PeerKind::kMessaging}));
}

TEST(PeerNodeTest, HostAloneIsAnExternalNode) {
  EXPECT_EQ(peer({{"server.address", "Api.Stripe.com"}}),
            (PeerNode{"api.stripe.com", PeerKind::kExternal}));
  EXPECT_EQ(peer({{"http.host", "example.org:8080"}}),
            (PeerNode{"example.org", PeerKind::kExternal}));
  EXPECT_EQ(peer({{"http.url", "https://user@Maps.Example.com:443/v1?q=1"}}),
            (PeerNode{"maps.example.com", PeerKind::kExternal}));
  EXPECT_EQ(peer({{"url.full", "http://[::1]:8080/x"}}), (PeerNode{"[::1]", PeerKind::kExternal}));
  EXPECT_EQ(peer({{"url.full", "/relative/path"}}), std::nullopt);
}

TEST(PeerNodeTest, LongNamesAreCutAtACodePoint) {
  std::string name(kMaxPeerNameBytes - 1, 'a');
  name += "\xC3\xA9tail";  // a two-byte code point straddling the limit
  auto node = peer({{"peer.service", name}});
  ASSERT_TRUE(node);
  EXPECT_EQ(node->name, std::string(kMaxPeerNameBytes - 1, 'a'));
}

TEST(PeerNodeTest, UrlHost) {
  EXPECT_EQ(url_host("https://a.b/c"), "a.b");
  EXPECT_EQ(url_host("http://h:1#frag"), "h");
  EXPECT_EQ(url_host("no scheme"), "");
}

}  // namespace
}  // namespace weft::pipeline::graph
