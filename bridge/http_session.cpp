#include "http_session.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/url/parse.hpp>
#include <chrono>

#include "health.hpp"
#include "router.hpp"
#include "static_path.hpp"
#include "token.hpp"
#include "ws_session.hpp"

namespace ringcast::bridge {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

namespace {

constexpr std::chrono::seconds k_request_timeout{30};  // a client this slow to send one request is gone
constexpr std::uint32_t k_header_limit = 8 * 1024;     // tokens are < 1 KiB; 8 KiB is the common server limit
constexpr std::uint64_t k_body_limit = 4 * 1024;       // the bridge takes no request bodies

using string_response = http::response<http::string_body>;

template <class Request>
string_response make_response(const Request& req, http::status status, std::string_view content_type, std::string body) {
  string_response res{status, req.version()};
  res.set(http::field::server, "ringcast-bridge");
  res.set(http::field::content_type, content_type);
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  // HEAD: the same headers, Content-Length included, and no body.
  if (req.method() == http::verb::head) res.body().clear();
  return res;
}

template <class Request>
string_response json_error(const Request& req, http::status status, std::string_view code, std::string_view message) {
  boost::json::object o;
  o["error"] = code;
  o["message"] = message;
  auto res = make_response(req, status, "application/json", boost::json::serialize(o));
  if (status == http::status::unauthorized) res.set(http::field::www_authenticate, R"(Bearer error="invalid_token")");
  return res;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals_prefix(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) return false;
  return true;
}

struct auth_outcome {
  bool ok = false;
  http::status status = http::status::unauthorized;
  std::string code;
  std::string message;
  token_claims claims;
  std::string subprotocol;  // "bearer" when the token came in Sec-WebSocket-Protocol
};

// The token from, in order: "Authorization: Bearer <t>", the subprotocol
// list "bearer, <t>" (browsers cannot set headers on a WebSocket), the
// query parameter "token".
template <class Request>
auth_outcome authenticate(const Request& req, const boost::urls::url_view& url, const bridge_context& ctx) {
  auth_outcome out;
  std::string token;
  if (const auto h = req[http::field::authorization]; !h.empty()) {
    const std::string_view v(h.data(), h.size());
    if (!iequals_prefix(v, "Bearer ") || trim(v.substr(7)).empty()) {
      out.code = "invalid_token";
      out.message = "Authorization must be \"Bearer <token>\"";
      return out;
    }
    token = trim(v.substr(7));
  } else {
    // Sec-WebSocket-Protocol is a comma-separated list, possibly over
    // several header lines: the token is the entry after "bearer".
    bool next_is_token = false;
    const auto [first, last] = req.equal_range(http::field::sec_websocket_protocol);
    for (auto field = first; field != last; ++field) {
      std::string_view list(field->value().data(), field->value().size());
      while (token.empty()) {
        const auto comma = list.find(',');
        const std::string_view entry = trim(list.substr(0, comma));
        if (next_is_token) {
          token = entry;
          out.subprotocol = "bearer";
        }
        next_is_token = entry == "bearer";
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
      }
    }
  }
  if (token.empty()) {
    if (auto it = url.params().find("token"); it != url.params().end()) token = (*it).value;
  }
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  const auto r = verify_token(token, ctx.jwt_secret, now.count());
  if (!r.ok) {
    switch (r.error) {
      case token_error::missing: out.code = "missing_token"; break;
      case token_error::expired: out.code = "expired_token"; break;
      case token_error::bad_signature: out.code = "bad_signature"; break;
      default: out.code = "invalid_token"; break;
    }
    out.message = describe(r.error);
    return out;
  }
  out.ok = true;
  out.claims = r.claims;
  return out;
}

// Browsers send Origin; other clients do not, and are judged by their token
// alone. With no --allow-origin only the bridge's own pages may connect.
template <class Request>
bool origin_allowed(const Request& req, const bridge_config& config) {
  const auto o = req[http::field::origin];
  if (o.empty()) return true;
  const std::string_view origin(o.data(), o.size());
  for (const auto& allowed : config.allow_origins)
    if (allowed == "*" || allowed == origin) return true;
  if (!config.allow_origins.empty()) return false;
  const auto h = req[http::field::host];
  const std::string_view host(h.data(), h.size());
  return !host.empty() && (origin == "http://" + std::string(host) || origin == "https://" + std::string(host));
}

}  // namespace

http_session::http_session(net::ip::tcp::socket&& socket, bridge_context& ctx) : stream_(std::move(socket)), ctx_(ctx) {}

void http_session::run() {
  net::dispatch(stream_.get_executor(), beast::bind_front_handler(&http_session::do_read, shared_from_this()));
}

void http_session::do_read() {
  parser_.emplace();
  parser_->header_limit(k_header_limit);
  parser_->body_limit(k_body_limit);
  stream_.expires_after(k_request_timeout);
  http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&http_session::on_read, shared_from_this()));
}

void http_session::on_read(beast::error_code ec, std::size_t) {
  if (ec == http::error::end_of_stream) {
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
    return;
  }
  if (ec) {
    // A request we could not parse gets a 400 when the socket still works.
    if (ec != beast::error::timeout && ec != net::error::operation_aborted && ec != net::error::connection_reset &&
        ec != net::error::eof) {
      http::request<http::string_body> dummy{http::verb::get, "/", 11};
      dummy.keep_alive(false);
      send(json_error(dummy, http::status::bad_request, "bad_request", ec.message()));
    }
    return;
  }
  request req = parser_->release();
  if (websocket::is_upgrade(req)) {
    upgrade(std::move(req));
    return;
  }
  handle(std::move(req));
}

void http_session::upgrade(request req) {
  const auto url = boost::urls::parse_origin_form(req.target());
  if (!url || url->path() != "/ws") {
    send(json_error(req, http::status::not_found, "not_found", "WebSocket endpoint is /ws"));
    return;
  }
  if (!origin_allowed(req, ctx_.config)) {
    ctx_.metrics.handshake_refused(403);
    send(json_error(req, http::status::forbidden, "origin_not_allowed",
                    "origin " + std::string(req[http::field::origin]) + " is not allowed (--allow-origin)"));
    return;
  }
  auto auth = authenticate(req, *url, ctx_);
  if (!auth.ok) {
    ctx_.metrics.handshake_refused(401);
    send(json_error(req, http::status::unauthorized, auth.code, auth.message));
    return;
  }
  auto parsed = parse_ws_options(req.target());
  if (const auto* e = std::get_if<op_error>(&parsed.value)) {
    ctx_.metrics.handshake_refused(400);
    send(json_error(req, http::status::bad_request, std::string(code(*e)), parsed.detail));
    return;
  }
  if (std::get<ws_options>(parsed.value).stats && !auth.claims.admin) {
    ctx_.metrics.handshake_refused(403);
    send(json_error(req, http::status::forbidden, "forbidden", "stats=1 is for admin tokens (role admin)"));
    return;
  }
  admission_ticket ticket;
  switch (ctx_.admit.try_admit(auth.claims.user_id, ticket)) {
    case admit_verdict::admitted: break;
    case admit_verdict::bridge_full:
      ctx_.metrics.handshake_refused(503);
      send(json_error(req, http::status::service_unavailable, "too_many_connections",
                      "the bridge has " + std::to_string(ctx_.config.max_connections) + " connections, its limit"));
      return;
    case admit_verdict::user_full:
      ctx_.metrics.handshake_refused(429);
      send(json_error(req, http::status::too_many_requests, "too_many_connections_for_user",
                      "user has " + std::to_string(ctx_.config.max_connections_per_user) +
                          " connections, the per-user limit"));
      return;
  }
  session_identity who{ctx_.next_session_id.fetch_add(1, std::memory_order_relaxed), auth.claims.user_id,
                       auth.claims.admin};
  auto ws = std::make_shared<ws_session>(std::move(stream_), ctx_, std::move(who), std::move(ticket));
  ws->run(std::move(req), std::move(auth.subprotocol), std::get<ws_options>(std::move(parsed.value)));
}

void http_session::handle(request req) {
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    auto res = json_error(req, http::status::method_not_allowed, "method_not_allowed", "only GET and HEAD");
    res.set(http::field::allow, "GET, HEAD");
    send(std::move(res));
    return;
  }
  const auto url = boost::urls::parse_origin_form(req.target());
  if (!url) {
    send(json_error(req, http::status::bad_request, "bad_request", "unparsable request target"));
    return;
  }
  const std::string_view path = url->encoded_path();
  const auto version = req.version();
  const bool keep_alive = req.keep_alive();
  const auto method = req.method();
  // Answers computed on the drain thread come back to this strand.
  auto reply_later = [self = shared_from_this(), version, keep_alive, method](std::string body, std::string_view type) {
    net::post(self->stream_.get_executor(), [self, version, keep_alive, method, body = std::move(body), type]() mutable {
      http::request<http::empty_body> like{method, "/", version};
      like.keep_alive(keep_alive);
      self->send(make_response(like, http::status::ok, type, std::move(body)));
    });
  };

  if (path == "/health") {
    ctx_.routes->report([&ctx = ctx_, reply_later](router_report report) {
      reply_later(health_json(ctx, report), "application/json");
    });
    return;
  }
  if (path == "/metrics") {
    send(make_response(req, http::status::ok, "text/plain; version=0.0.4; charset=utf-8",
                       ctx_.metrics.render_prometheus()));
    return;
  }
  if (path == "/api/snapshot") {
    if (!origin_allowed(req, ctx_.config)) {
      send(json_error(req, http::status::forbidden, "origin_not_allowed", "origin is not allowed (--allow-origin)"));
      return;
    }
    const auto auth = authenticate(req, *url, ctx_);
    if (!auth.ok) {
      send(json_error(req, http::status::unauthorized, auth.code, auth.message));
      return;
    }
    ctx_.routes->snapshot(auth.claims.user_id, [&ctx = ctx_, reply_later](std::vector<frame_ptr> frames) {
      reply_later(snapshot_json(ctx, frames), "application/json");
    });
    return;
  }
  if (path == "/ws") {
    send(json_error(req, http::status::upgrade_required, "upgrade_required", "/ws takes WebSocket connections"));
    return;
  }

  const auto found = resolve_static(ctx_.web_root, req.target());
  switch (found.status) {
    case static_status::ok: break;
    case static_status::bad_request: send(json_error(req, http::status::bad_request, "bad_request", "bad path")); return;
    case static_status::forbidden: send(json_error(req, http::status::forbidden, "forbidden", "outside the web root")); return;
    case static_status::not_found: send(json_error(req, http::status::not_found, "not_found", "no such file")); return;
  }
  http::file_body::value_type file;
  beast::error_code ec;
  file.open(found.file.c_str(), beast::file_mode::scan, ec);
  if (ec) {
    send(json_error(req, http::status::not_found, "not_found", "no such file"));
    return;
  }
  const auto size = file.size();
  if (req.method() == http::verb::head) {
    http::response<http::empty_body> res{http::status::ok, req.version()};
    res.set(http::field::server, "ringcast-bridge");
    res.set(http::field::content_type, found.content_type);
    res.set(http::field::cache_control, "no-cache");  // the header fields of GET (RFC 9110 9.3.2)
    res.content_length(size);
    res.keep_alive(req.keep_alive());
    send(std::move(res));
    return;
  }
  http::response<http::file_body> res{std::piecewise_construct, std::make_tuple(std::move(file)),
                                      std::make_tuple(http::status::ok, req.version())};
  res.set(http::field::server, "ringcast-bridge");
  res.set(http::field::content_type, found.content_type);
  res.set(http::field::cache_control, "no-cache");
  res.content_length(size);
  res.keep_alive(req.keep_alive());
  send(std::move(res));
}

void http_session::send(http::message_generator msg) {
  const bool keep_alive = msg.keep_alive();
  beast::async_write(stream_, std::move(msg),
                     beast::bind_front_handler(&http_session::on_write, shared_from_this(), keep_alive));
}

void http_session::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
  if (ec) return;
  if (!keep_alive) {
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
    return;
  }
  do_read();
}

}  // namespace ringcast::bridge
