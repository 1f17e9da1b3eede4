#pragma once
// One client connection of the ingress or egress proxy: reads request heads, lets the
// subclass decide where a request goes and how it is traced (HandleRequest), and does the
// rest here: upstream connection (pooled), head and body relay in both directions (bodies
// stream through in buffer-sized pieces, never whole), 1xx, Upgrade/CONNECT tunnels, limits,
// timeouts and the error answers (400, 408, 413, 431, 502, 504).
//
// Timeouts use one timer per connection with a movable deadline (Arm): moving it later costs
// nothing (the timer re-arms itself when it fires early), so a request arms no timer at all
// in the common case. When a deadline passes, the session's pending socket operations are
// cancelled and the awaiting step sees timed_out_.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sidecar/body_framer.h"
#include "sidecar/byte_buffer.h"
#include "sidecar/http_head.h"
#include "sidecar/io.h"
#include "sidecar/metrics.h"
#include "sidecar/trace_context.h"
#include "sidecar/upstream_pool.h"
#include "weft/span.h"

namespace weft::sidecar {

class Worker;
struct Config;

// One request's trip through the proxy.
struct Exchange {
  // In.
  std::string_view pool_key;
  const std::vector<tcp::endpoint>* endpoints = nullptr;  // null: resolve target
  std::string_view target_host;
  uint16_t target_port = 0;
  bool head_request = false;
  bool upgrade = false;            // the request asks for a protocol switch
  bool client_keep_alive = false;  // the client wants the connection kept
  int client_minor = 1;            // the client's HTTP/1.<minor>
  bool expect_continue = false;    // answer 100 Continue before reading the body
  bool bodyless = true;
  // Out.
  int status = 0;  // the upstream's status (0: none)
  ErrorKind error = ErrorKind::kNone;
  uint64_t request_body = 0;
  uint64_t response_body = 0;
  bool responded = false;  // a response (head) reached the client
  bool keep_client = false;
  bool tunnel = false;
  uint64_t tunnel_up = 0;    // client -> upstream bytes through a tunnel
  uint64_t tunnel_down = 0;  // upstream -> client
  bool error_counted = false;
  std::string peer_address;  // the upstream's address (egress spans)
  uint16_t peer_port = 0;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Worker& worker, Socket socket, Direction dir);
  virtual ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  static void Start(std::shared_ptr<Session> s);
  // Worker thread: on drain, an idle connection closes now.
  void OnDrain();
  // Worker thread: close now.
  void Abort();

  Session* prev = nullptr;
  Session* next = nullptr;

 protected:
  enum class Phase : uint8_t { kNone, kIdle, kHeader, kClientRead, kClientWrite, kUpstream, kTunnel };

  // Handles the request in req_ (its head is at the start of in_). Returns whether to read
  // another request from the connection.
  virtual Task<bool> HandleRequest() = 0;

  // Forwards the request: out_ holds the head to send upstream; the request head is still at
  // the front of in_ (consumed here: req_ must not be used after this starts).
  Task<void> Forward(Exchange& x);
  // Opens up_ to x's target. False with x.error set.
  Task<bool> Connect(Exchange& x);
  // Splices bytes both ways between the client and up_ until both sides are done.
  Task<void> Tunnel(Exchange& x);
  // Answers a failed exchange (if nothing was answered yet: AnswerError), then Finish.
  Task<bool> Complete(Exchange& x, Span& span);
  bool NeedsErrorAnswer(const Exchange& x) const;
  // The 4xx/5xx answer for x.error; sets x.status and x.keep_client.
  Task<void> AnswerError(Exchange& x);
  // Records status, sizes and error on the span, counts, ends the span. Returns whether to
  // keep the connection. (Synchronous: the common path awaits nothing here.)
  bool Finish(Exchange& x, Span& span);
  // A short text answer. `keep`: the connection stays open afterwards.
  Task<void> SendError(int status, std::string_view text, bool keep);

  // The upstream request head, from req_, into out_.
  void BuildRequestHead(std::string_view target, std::string_view host_override, bool upgrade,
                        bool strip_expect, bool egress);
  void BuildResponseHead(const MessageHead& res, bool keep, bool upgrade, int client_minor);
  void CountMalformed(uint32_t mask);
  // The proxy span of req_: its trace context extracted into *parent (malformed headers
  // counted), started unactivated as `kind` under the name in name_, counted as started or
  // unsampled.
  Span StartProxySpan(SpanKind kind, Context* parent);
  // Sets network.peer.* / client.address from the connection and the request.
  void SetClientAttributes(Span& span);

  void Arm(Phase phase, std::chrono::nanoseconds d);
  void DropUpstream();
  void ReleaseUpstream(std::string_view key);

  Worker& w_;
  const Config& cfg_;
  Direction dir_;
  WorkerStats::PerDirection& st_;
  Socket client_;
  ByteBuffer in_;
  HeadParser parser_;
  MessageHead req_;
  std::string out_;
  std::string name_;
  HeaderOverrides overrides_;
  std::unique_ptr<UpstreamConn> up_;
  std::optional<Resolver> resolver_;
  std::string peer_address_;
  uint16_t peer_port_ = 0;
  bool timed_out_ = false;
  bool closed_ = false;

 private:
  enum class HeadRead : uint8_t { kOk, kClose };
  Task<void> Loop();
  Task<HeadRead> ReadRequestHead(bool first);
  Task<int> ReadResponseHead(Exchange& x);
  Task<bool> RelayRequestBody(Exchange& x, BodyFramer& body);
  Task<void> Pump(Socket& from, Socket& to, ByteBuffer& buf, uint64_t* bytes, bool upward);
  Task<void> LingeringClose();
  void CancelIo();
  void StartTimer();
  void OnTimer(const error_code& ec);

  Timer timer_;
  SteadyClock::time_point deadline_ = SteadyClock::time_point::max();
  Phase phase_ = Phase::kNone;
  bool timer_pending_ = false;
  bool idle_ = false;
  bool attached_ = false;
};

}  // namespace weft::sidecar
