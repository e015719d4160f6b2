// Helpers shared by the protocol tests (handshake, ops, lifecycle): a
// /metrics scraper, JSON checks on refusals, a client that has read its
// connection:status, and a raw-socket WebSocket peer that completes the
// upgrade and then goes silent (what a vanished browser looks like).
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cmath>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bridge_harness.hpp"
#include "ws_client.hpp"

namespace ringcast::test {

// One series of /metrics, e.g. `ringcast_events_drained_total` or
// `ringcast_session_closes_total{code="none",reason="idle"}`; nullopt when absent.
inline std::optional<double> scrape(unsigned short port, const std::string& series) {
  const auto [status, body] = http_get(port, "/metrics");
  if (status != 200) return std::nullopt;
  std::istringstream in(body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 && line[series.size()] == ' ')
      return std::stod(line.substr(series.size() + 1));
  }
  return std::nullopt;
}

// Polls /metrics until `series` equals `value`; true if it did within `timeout`.
inline bool wait_metric(unsigned short port, const std::string& series, double value,
                        std::chrono::milliseconds timeout) {
  const auto deadline = steady::now() + timeout;
  for (;;) {
    if (scrape(port, series) == value) return true;
    if (steady::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
}

// The "error" member of a refusal's JSON body, or "<not json: ...>".
inline std::string error_code_of(const std::string& body) {
  boost::system::error_code ec;
  const auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return "<not json: " + body + ">";
  const auto* e = v.as_object().if_contains("error");
  if (e == nullptr || !e->is_string()) return "<no error member: " + body + ">";
  const auto* m = v.as_object().if_contains("message");
  if (m == nullptr || !m->is_string() || m->as_string().empty()) return "<no message member: " + body + ">";
  return std::string(e->as_string());
}

inline std::string str(const boost::json::value& v, std::string_view key) {
  const auto* p = v.as_object().if_contains(key);
  return p != nullptr && p->is_string() ? std::string(p->as_string()) : std::string("<missing " + std::string(key) + ">");
}

inline std::int64_t num(const boost::json::value& v, std::string_view key) {
  const auto* p = v.as_object().if_contains(key);
  if (p == nullptr) return -1;
  if (p->is_int64()) return p->as_int64();
  if (p->is_uint64()) return static_cast<std::int64_t>(p->as_uint64());
  return -1;
}

// A JSON number as a double (integers included); NaN when not a number.
inline double dbl(const boost::json::value& v) {
  boost::system::error_code ec;
  const double d = v.to_number<double>(ec);
  return ec ? std::nan("") : d;
}

inline boost::json::value parse_or_null(const std::string& text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return nullptr;
  return v;
}

// A connected client whose first message (connection:status) has been read
// and checked to be one. `status` holds it.
struct connected_client {
  std::unique_ptr<ws_client> ws;
  boost::json::value status;
};

inline connected_client connect_user(unsigned short port, const std::string& user, bool admin = false) {
  connected_client c;
  c.ws = std::make_unique<ws_client>(port, ws_target(token_for(user, admin)));
  EXPECT_TRUE(c.ws->open()) << "status " << c.ws->status() << " body " << c.ws->body();
  if (!c.ws->open()) return c;
  const auto first = c.ws->read(5s);
  EXPECT_TRUE(first.has_value()) << "no connection:status within 5 s";
  if (first) {
    c.status = parse_or_null(*first);
    EXPECT_TRUE(c.status.is_object() && str(c.status, "type") == "connection:status") << *first;
  }
  return c;
}

// The bridge's event frames in `messages`, parsed; any other message fails the test.
inline std::vector<boost::json::value> events_of(const std::vector<std::string>& messages) {
  std::vector<boost::json::value> out;
  for (const auto& m : messages) {
    auto v = parse_or_null(m);
    EXPECT_TRUE(v.is_object()) << m;
    if (!v.is_object()) continue;
    const auto type = str(v, "type");
    EXPECT_TRUE(type != "connection:status" && type != "error" && type != "pong") << "unexpected message " << m;
    out.push_back(std::move(v));
  }
  return out;
}

// Reads up to `n` messages, each within `each` of the previous one.
inline std::vector<std::string> read_n(ws_client& c, std::size_t n, std::chrono::milliseconds each = 5s) {
  std::vector<std::string> out;
  while (out.size() < n) {
    auto m = c.read(each);
    if (!m) break;
    out.push_back(std::move(*m));
  }
  return out;
}

// A WebSocket peer on a raw TCP socket: it sends the upgrade request, reads
// the 101, and from then on neither reads nor writes unless asked. It never
// answers a ping, so to the bridge it is a peer that has vanished.
class raw_ws_peer {
 public:
  raw_ws_peer(unsigned short port, const std::string& target, std::chrono::milliseconds timeout = 5s) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket failed");
    try {
      upgrade(port, target, timeout);
    } catch (...) {
      ::close(fd_);
      throw;
    }
  }
  ~raw_ws_peer() {
    if (fd_ >= 0) ::close(fd_);
  }
  raw_ws_peer(const raw_ws_peer&) = delete;
  raw_ws_peer& operator=(const raw_ws_peer&) = delete;

 private:
  void upgrade(unsigned short port, const std::string& target, std::chrono::milliseconds timeout) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0)
      throw std::runtime_error("connect failed: " + std::to_string(errno));
    const std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                            "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    std::size_t sent = 0;
    while (sent < req.size()) {
      const ssize_t n = ::send(fd_, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send failed");
      sent += static_cast<std::size_t>(n);
    }
    // The response head; any bytes after it (frames) stay in `rest_`.
    const auto deadline = steady::now() + timeout;
    while (rest_.find("\r\n\r\n") == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
      if (left.count() <= 0) throw std::runtime_error("no upgrade response");
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) throw std::runtime_error("connection ended during the upgrade");
      rest_.append(buf, static_cast<std::size_t>(n));
    }
    const auto end = rest_.find("\r\n\r\n");
    head_ = rest_.substr(0, end + 4);
    rest_.erase(0, end + 4);
  }

 public:

  [[nodiscard]] const std::string& response_head() const { return head_; }
  [[nodiscard]] bool upgraded() const { return head_.rfind("HTTP/1.1 101", 0) == 0; }

  // True once the bridge has ended the connection (FIN or RST), seen
  // without reading anything: POLLRDHUP. Waits at most `timeout`.
  bool peer_ended(std::chrono::milliseconds timeout) const {
    pollfd p{fd_, POLLRDHUP, 0};
    const int r = ::poll(&p, 1, static_cast<int>(timeout.count()));
    return r > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
  }

  // Reads everything left until EOF or reset (at most `timeout`); true if
  // the stream ended (recv 0 or ECONNRESET). The bytes are appended to rest().
  bool read_to_end(std::chrono::milliseconds timeout) {
    const auto deadline = steady::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
      rest_.append(buf, static_cast<std::size_t>(n));
    }
  }

  [[nodiscard]] const std::string& rest() const { return rest_; }

  // The opcodes of the complete server frames (unmasked) in rest().
  [[nodiscard]] std::vector<int> opcodes() const {
    std::vector<int> out;
    std::size_t i = 0;
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(rest_[k]); };
    while (i + 2 <= rest_.size()) {
      const int op = byte(i) & 0x0F;
      std::uint64_t len = byte(i + 1) & 0x7F;
      std::size_t h = 2;
      if (len == 126) {
        if (i + 4 > rest_.size()) break;
        len = (std::uint64_t{byte(i + 2)} << 8) | byte(i + 3);
        h = 4;
      } else if (len == 127) {
        if (i + 10 > rest_.size()) break;
        len = 0;
        for (std::size_t k = 0; k < 8; ++k) len = (len << 8) | byte(i + 2 + k);
        h = 10;
      }
      if ((byte(i + 1) & 0x80) != 0) h += 4;  // a server never masks; tolerate it anyway
      if (i + h + len > rest_.size()) break;
      out.push_back(op);
      i += h + static_cast<std::size_t>(len);
    }
    return out;
  }

 private:
  int fd_ = -1;
  std::string head_;
  std::string rest_;
};

}  // namespace ringcast::test
