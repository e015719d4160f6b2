// One HTTP connection: /health, /metrics, /api/snapshot, static files, and
// the upgrade of /ws to a ws_session once the token, the origin and the
// connection limits allow it. Keep-alive; one request at a time.
#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message_generator.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>
#include <optional>

#include "bridge_context.hpp"

namespace ringcast::bridge {

class http_session : public std::enable_shared_from_this<http_session> {
 public:
  http_session(boost::asio::ip::tcp::socket&& socket, bridge_context& ctx);
  void run();

 private:
  using request = boost::beast::http::request<boost::beast::http::string_body>;

  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void handle(request req);
  void upgrade(request req);
  void send(boost::beast::http::message_generator msg);
  void on_write(bool keep_alive, boost::beast::error_code ec, std::size_t bytes);

  boost::beast::tcp_stream stream_;
  bridge_context& ctx_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
};

}  // namespace ringcast::bridge
