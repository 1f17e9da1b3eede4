#pragma once
// A deliberately tiny HTTP/1.1 server and client over POSIX sockets for the SDK's
// end-to-end test programs: blocking I/O, one thread per connection, one request per
// connection (every response says "Connection: close"). Not for production use; it exists so
// the interoperability tests exercise the SDK and nothing else (no HTTP library whose own
// tracing or header handling could hide a bug).
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace probe {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;
  std::string target;  // path and query, as sent
  Headers headers;     // names as sent; values trimmed
  std::string body;

  std::string_view path() const;
  // The decoded value of query parameter `key` ("" if absent).
  std::string query(std::string_view key) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

class HttpServer {
 public:
  using Handler = std::function<Response(const Request&)>;
  ~HttpServer();
  // Binds and listens on "host:port" (port 0 = any); returns the bound port. Throws
  // std::runtime_error on failure.
  int Listen(const std::string& host_port);
  // Accepts forever, each connection on its own detached thread. Handler exceptions become
  // 500 responses.
  [[noreturn]] void Serve(Handler handler);

 private:
  int fd_ = -1;
};

struct ClientResult {
  int status = -1;  // -1: no HTTP response (connect/read failure or timeout)
  std::string body;
  std::string error;
};
// GET `url` ("http://host:port/path?query") with the given extra headers.
ClientResult HttpGet(const std::string& url, const Headers& headers, int timeout_ms);

}  // namespace probe
