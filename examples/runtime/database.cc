#include "runtime/database.h"

#include <chrono>
#include <thread>

namespace demo {
namespace {

struct MysqlError {
  const char* code;
  const char* message;
};
// Real MySQL errors an application sees now and then.
constexpr MysqlError kErrors[] = {
    {"1213", "Deadlock found when trying to get lock; try restarting transaction"},
    {"1205", "Lock wait timeout exceeded; try restarting transaction"},
    {"2013", "Lost connection to MySQL server during query"},
};

}  // namespace

bool RunQuery(const weft::Tracer& tracer, const Database& db, const Query& q) {
  std::string name;
  name.append(q.operation).append(" ").append(db.name).append(".").append(q.table);
  weft::Span span = tracer.StartSpan(name, weft::SpanKind::kClient);
  span.SetAttributes({{"db.system", db.system},
                      {"db.namespace", db.name},
                      {"db.operation.name", q.operation},
                      {"db.collection.name", q.table},
                      {"db.query.text", q.statement},
                      {"db.statement", q.statement},
                      {"server.address", db.address},
                      {"server.port", static_cast<int64_t>(db.port)},
                      {"peer.service", db.peer_service}});
  Work(db.latency);
  if (q.extra_ms > 0)
    std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(q.extra_ms * 1000)));
  if (Chance(db.error_rate)) {
    const MysqlError& e = kErrors[UniformInt(0, std::size(kErrors) - 1)];
    span.SetAttributes({{"db.response.status_code", e.code}, {"error.type", e.code}});
    span.RecordException("mysql::Error", e.message);
    return false;
  }
  return true;
}

}  // namespace demo
