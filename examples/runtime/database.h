#pragma once
// The demo's database: a MySQL server that does not exist. Queries are simulated (a sleep
// and an occasional failure) but traced exactly as a real MySQL client library would be: a
// CLIENT span with OpenTelemetry's database attributes and peer.service. No span ever comes
// back from the database, so weft shows it as a virtual node ("mysql") in the service graph.
#include <string>
#include <string_view>

#include "runtime/simulate.h"
#include "weft/tracer.h"

namespace demo {

struct Database {
  std::string system = "mysql";
  std::string peer_service = "mysql";
  std::string address = "mysql.demo.internal";
  int port = 3306;
  std::string name = "shop";  // db.namespace
  Latency latency{.median_ms = 3, .sigma = 0.5, .spike_chance = 0.01, .spike_factor = 20};
  double error_rate = 0.01;
};

struct Query {
  std::string_view operation;  // "SELECT"
  std::string_view table;      // "stock"
  std::string_view statement;  // "SELECT qty FROM stock WHERE sku = ?"
  // Extra delay beyond the database's own latency (a scan, a lock wait), in ms.
  double extra_ms = 0;
};

// Runs `q` against `db`: a CLIENT span named "{operation} {table}" with db.system,
// db.namespace, db.operation.name, db.collection.name, db.query.text (and the older
// db.statement), server.address, server.port and peer.service. Returns false when the
// simulated query failed (status Error, an exception event with the MySQL error).
bool RunQuery(const weft::Tracer& tracer, const Database& db, const Query& q);

}  // namespace demo
