// A WebSocket test client on Beast. Each client owns an io_context that
// runs only inside its calls, so a test controls exactly when it reads: a
// client whose read() is not called is a client that stopped reading (its
// socket buffers fill and the bridge's writes stall).
//
// One async_read is always outstanding; completed messages queue up until
// read() hands them out. Every wait has a deadline.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ringcast::test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

using header_list = std::vector<std::pair<std::string, std::string>>;

class ws_client {
 public:
  // Connects to 127.0.0.1:port and asks for `target` with `headers`. Check
  // open(); when the bridge refused the upgrade, status()/body() say why.
  ws_client(unsigned short port, std::string target, header_list headers = {},
            std::chrono::milliseconds timeout = std::chrono::seconds(10))
      : ws_(std::make_unique<websocket::stream<beast::tcp_stream>>(ioc_)) {
    auto& tcp = beast::get_lowest_layer(*ws_);
    tcp.expires_after(timeout);
    bool done = false;
    beast::error_code ec;
    tcp.async_connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port), [&](beast::error_code e) {
      ec = e;
      done = true;
    });
    run_until([&] { return done; }, timeout);
    if (ec || !done) {
      status_ = -1;
      body_ = "connect: " + ec.message();
      return;
    }
    tcp.socket().set_option(net::ip::tcp::no_delay(true));
    ws_->set_option(websocket::stream_base::decorator([headers = std::move(headers)](websocket::request_type& req) {
      for (const auto& [k, v] : headers) req.set(k, v);
    }));
    ws_->read_message_max(64u << 20);
    done = false;
    ws_->async_handshake(response_, "127.0.0.1:" + std::to_string(port), target, [&](beast::error_code e) {
      ec = e;
      done = true;
    });
    run_until([&] { return done; }, timeout);
    status_ = static_cast<int>(response_.result_int());
    body_ = response_.body();
    if (!done || ec) return;
    tcp.expires_never();
    open_ = true;
    start_read();
  }

  [[nodiscard]] bool open() const noexcept { return open_; }
  [[nodiscard]] int status() const noexcept { return status_; }  // 101 when open
  [[nodiscard]] const std::string& body() const noexcept { return body_; }
  [[nodiscard]] std::string response_header(http::field f) const { return std::string(response_[f]); }

  // The next message, waiting up to `timeout`; nullopt on timeout or close.
  std::optional<std::string> read(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    run_until([&] { return !messages_.empty() || closed_; }, timeout);
    if (messages_.empty()) return std::nullopt;
    std::string m = std::move(messages_.front());
    messages_.pop_front();
    return m;
  }

  std::optional<boost::json::value> read_json(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    auto m = read(timeout);
    if (!m) return std::nullopt;
    return boost::json::parse(*m);
  }

  // Reads until the bridge closes the connection (or `timeout`); true if it did.
  bool wait_closed(std::chrono::milliseconds timeout) {
    run_until([&] { return closed_; }, timeout);
    return closed_;
  }

  // All messages received so far and within `quiet` of each other.
  std::vector<std::string> drain(std::chrono::milliseconds quiet = std::chrono::milliseconds(200)) {
    std::vector<std::string> out;
    while (auto m = read(quiet)) out.push_back(std::move(*m));
    return out;
  }

  void send_text(const std::string& text) { write(text, true); }
  void send_binary(const std::string& bytes) { write(bytes, false); }

  [[nodiscard]] bool closed() const noexcept { return closed_; }
  // The close frame's code, 0 if the connection ended without one.
  [[nodiscard]] int close_code() const noexcept { return close_code_; }
  [[nodiscard]] const std::string& close_reason() const noexcept { return close_reason_; }
  [[nodiscard]] beast::error_code read_error() const noexcept { return read_error_; }

  void close(websocket::close_code code = websocket::close_code::normal) {
    if (!open_ || closed_) return;
    bool done = false;
    ws_->async_close(code, [&](beast::error_code) { done = true; });
    run_until([&] { return done && closed_; }, std::chrono::seconds(5));
  }

  websocket::stream<beast::tcp_stream>& stream() { return *ws_; }

 private:
  template <class Pred>
  void run_until(Pred&& done, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) break;
      if (ioc_.stopped()) ioc_.restart();
      ioc_.run_one_for(deadline - now);
    }
  }

  void start_read() {
    ws_->async_read(buffer_, [this](beast::error_code ec, std::size_t) {
      if (ec) {
        closed_ = true;
        read_error_ = ec;
        close_code_ = ws_->reason().code;
        close_reason_ = std::string(ws_->reason().reason.c_str());
        return;
      }
      messages_.push_back(beast::buffers_to_string(buffer_.data()));
      buffer_.consume(buffer_.size());
      start_read();
    });
  }

  void write(const std::string& data, bool text) {
    bool done = false;
    ws_->text(text);
    ws_->async_write(net::buffer(data), [&](beast::error_code, std::size_t) { done = true; });
    run_until([&] { return done; }, std::chrono::seconds(5));
  }

  net::io_context ioc_;
  std::unique_ptr<websocket::stream<beast::tcp_stream>> ws_;
  websocket::response_type response_;
  beast::flat_buffer buffer_;
  std::deque<std::string> messages_;
  bool open_ = false;
  bool closed_ = false;
  int status_ = 0;
  std::string body_;
  int close_code_ = 0;
  std::string close_reason_;
  beast::error_code read_error_;
};

inline std::string ws_target(const std::string& token) { return "/ws?token=" + token; }

// A raw HTTP/1.1 GET over a fresh connection: (status, body). For targets
// that a URL library would normalise (path traversal tests).
// The whole exchange is bounded by `timeout` (tcp_stream's expiry applies
// to its asynchronous operations only, so they are asynchronous here);
// throws beast::system_error on failure or timeout.
inline std::pair<int, std::string> http_get(unsigned short port, const std::string& raw_target,
                                            const header_list& headers = {},
                                            std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  net::io_context ioc;
  beast::tcp_stream s(ioc);
  s.expires_after(timeout);
  http::request<http::empty_body> req{http::verb::get, raw_target, 11};
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  for (const auto& [k, v] : headers) req.set(k, v);
  beast::flat_buffer b;
  http::response<http::string_body> res;
  beast::error_code ec;
  s.async_connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port), [&](beast::error_code e) {
    if (e) {
      ec = e;
      return;
    }
    http::async_write(s, req, [&](beast::error_code e2, std::size_t) {
      if (e2) {
        ec = e2;
        return;
      }
      http::async_read(s, b, res, [&](beast::error_code e3, std::size_t) { ec = e3; });
    });
  });
  ioc.run();  // until the exchange completes or the expiry cancels it
  if (ec) throw beast::system_error(ec);
  return {static_cast<int>(res.result_int()), res.body()};
}

}  // namespace ringcast::test
