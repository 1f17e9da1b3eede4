#pragma once
// Turns a SpanRecord into trace log lines in ../shared/LOGFORMAT.md's format.
//
// Line type (x_name) of the span's own line, chosen so that a LOGFORMAT reader rebuilds the
// same shape of trace:
//   SERVER, CONSUMER                -> "request.info" (the service's request span)
//   CLIENT, PRODUCER                -> by what the call goes to:
//       db.system mysql / mariadb   -> "mysql.request"
//       db.system redis             -> "redis.request"
//       db.system memcached         -> "memcache.request"
//       http.request.method / http.method M -> "http.<m>" (lowercase, e.g. "http.get")
//       rpc.system grpc             -> "http.post" (gRPC is an HTTP/2 POST)
//       anything else               -> "http.request": readers turn only mysql.*, redis.*,
//                                      memcache.* and http.* into CLIENT spans (unknown types
//                                      become events), so the generic HTTP type keeps the call
//                                      a CLIENT span; db.system / messaging.system / rpc.system
//                                      stay in x_extra so nothing is lost.
//   INTERNAL with an RpcId          -> "request.info" (the SDK gives an INTERNAL span an RpcId
//                                      only when it starts the request: a job, a cron run)
//   INTERNAL without an RpcId       -> "log.info", x_msg = span name, with x_duration: the
//                                      log format has no internal-span line, and an internal
//                                      step between calls is what log.* lines describe; its
//                                      x_span_id / x_parent_span_id let a reader that places
//                                      lines by span ID still nest it.
// A span with status Error uses the `.error` variant of its type's prefix ("request.error",
// "mysql.error", "http.error", "log.error"), with x_msg = the status message.
//
// Span lines: x_name, x_trace_id (32 hex), x_rpc_id (record field 1000) or, for spans without
// one, x_span_id and x_parent_span_id (16 hex; the parent omitted for a root), x_timestamp =
// end time in seconds (microsecond fraction), x_duration seconds (nanosecond fraction),
// x_department and x_service = service.name, x_version = service.version (when set),
// x_module = span name, then fields taken from attributes:
//   x_action        url.full | http.url | db.query.text | db.statement | http.target | url.path
//   x_server_ip     SERVER: server.address[:server.port] | net.host.name[:net.host.port];
//                   CLIENT: network.peer.address[:network.peer.port]
//   x_host          CLIENT: server.address[:server.port] | net.peer.name[:net.peer.port]
//   x_client_ip     client.address | net.sock.peer.addr | net.peer.ip (SERVER only)
//   x_code          http.response.status_code | http.status_code | rpc.grpc.status_code |
//                   db.response.status_code (always a string)
//   x_db            db.namespace | db.name;  x_instance_name  db.instance.id
//   x_user_agent    user_agent.original | http.user_agent;  x_uid  enduser.id
// and every other attribute in x_extra (a JSON object; bytes as base64). Attributes used for a
// field or for the line type are not repeated in x_extra.
//
// Each span event is its own line carrying the span's x_rpc_id (or x_span_id), x_timestamp =
// the event's time and x_module = the span name: an "exception" event -> "log.exception" with
// x_msg = exception.message (or exception.type), x_backtrace = exception.stacktrace,
// x_file = code.filepath, x_line = code.lineno; any other event -> "log.<level>" when it has
// a string attribute log.level / level among debug, trace, notice, info, error, alarm, else
// "log.info", with x_msg = the event name. Remaining event attributes go to x_extra.
// Links and trace_state are not written (the format has no place for them).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "weft/exporter.h"

namespace weft::log {

class LineFormatter {
 public:
  // Caches the resource's fields; call before Format when the resource may have changed.
  void SetResource(const Resource& resource);
  // Appends the record's lines (each ending in '\n') to *out. Allocation-free once warm.
  void Format(const SpanRecord& record, std::string* out);

 private:
  struct Attr {
    std::string_view key, value;  // value: AnyValue body
    bool used = false;
  };
  // Index of `key` in attrs_ (last value wins: duplicates were collapsed), or -1.
  static int Find(const std::vector<Attr>& attrs, std::string_view key);
  void Collect(std::string_view key_value, std::vector<Attr>* attrs);
  void FormatEvent(const SpanRecord& record, std::string_view event, std::string* out);
  void AppendIdentity(const SpanRecord& record, std::string* out);
  void AppendExtra(const std::vector<Attr>& attrs, std::string* out);

  std::string resource_fields_;  // ,"x_department":...,"x_service":...[,"x_version":...]
  // Per-record scratch, reused.
  std::string_view name_, rpc_id_, current_rpc_id_;
  std::vector<Attr> attrs_, event_attrs_;
  std::vector<std::string_view> events_;
};

}  // namespace weft::log
