#include "ws_session.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "client_op.hpp"
#include "ringcast/shm/realtime_clock.hpp"
#include "router.hpp"

namespace ringcast::bridge {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace http = beast::http;
using clock = std::chrono::steady_clock;

namespace {

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now().time_since_epoch()).count();
}

// Control replies a session may hold while its client is not reading them.
constexpr std::size_t k_max_pending_control = 64;

// A batch: at most the window, and about one socket buffer's worth.
constexpr std::size_t k_max_batch_bytes = 64 * 1024;
// A run of corked writes is pushed out at least every this many bytes.
constexpr std::size_t k_max_corked_bytes = 64 * 1024;
constexpr std::uint64_t k_refill_at = session_outbox::k_window_messages / 2;

}  // namespace

ws_session::ws_session(beast::tcp_stream&& stream, bridge_context& ctx, session_identity who, admission_ticket ticket)
    : ws_(std::move(stream)),
      strand_(ws_.get_executor()),
      ctx_(ctx),
      who_(std::move(who)),
      ticket_(std::move(ticket)),
      tick_(ws_.get_executor()),
      outbox_(*this, ctx.config, ctx.metrics) {}

ws_session::~ws_session() = default;

void ws_session::run(http::request<http::string_body> request, std::string subprotocol, ws_options options) {
  batch_ = options.batch;
  options_ = std::move(options);
  // Timeouts are the session's own (tick): the TCP layer's would cut a
  // healthy idle dashboard. Beast's handshake timeout bounds the accept.
  beast::get_lowest_layer(ws_).expires_never();
  websocket::stream_base::timeout t{};
  t.handshake_timeout = ctx_.config.close_timeout;
  t.idle_timeout = websocket::stream_base::none();
  t.keep_alive_pings = false;
  ws_.set_option(t);
  ws_.read_message_max(ctx_.config.max_message_bytes);
  ws_.auto_fragment(false);  // one event, one frame: no per-fragment overhead on fan-out
  websocket::permessage_deflate no_deflate;
  no_deflate.server_enable = false;  // compressing per session would undo encode-once
  ws_.set_option(no_deflate);
  ws_.set_option(websocket::stream_base::decorator([sub = std::move(subprotocol)](websocket::response_type& res) {
    res.set(http::field::server, "ringcast-bridge");
    if (!sub.empty()) res.set(http::field::sec_websocket_protocol, sub);
  }));
  // Any frame from the peer, pongs included, proves it alive. Runs on the strand, inside a read.
  ws_.control_callback([this](websocket::frame_type, beast::string_view) { last_heard_ = clock::now(); });
  ws_.async_accept(request, beast::bind_front_handler(&ws_session::on_accept, shared_from_this()));
}

void ws_session::on_accept(beast::error_code ec) {
  if (ec) {
    finish(close_reason::error);
    return;
  }
  accepted_ = true;
  ctx_.metrics.session_opened();
  const auto now = clock::now();
  last_heard_ = now;
  next_ping_ = now + ctx_.config.ping_interval;
  op_tokens_ = static_cast<double>(ctx_.config.ops_burst);
  op_refill_ = now;
  // The router queues connection:status first, then events.
  ctx_.routes->add(shared_from_this(), std::move(options_));
  do_read();
  arm_tick();
}

void ws_session::do_read() {
  ws_.async_read(read_buffer_, beast::bind_front_handler(&ws_session::on_read, shared_from_this()));
}

void ws_session::on_read(beast::error_code ec, std::size_t) {
  if (ec) {
    // Beast has already sent the close frame for the protocol errors.
    if (ec == websocket::error::message_too_big)
      finish(close_reason::too_big);
    else if (ec == websocket::error::bad_frame_payload)
      finish(close_reason::bad_utf8);
    else if (closing_local_)
      finish(close_why_);
    else if (ec == websocket::error::closed)
      finish(close_reason::normal);
    else
      finish(close_reason::error);
    return;
  }
  last_heard_ = clock::now();
  handle_op();
  read_buffer_.consume(read_buffer_.size());
  do_read();
}

void ws_session::handle_op() {
  const auto now = clock::now();
  const double elapsed = std::chrono::duration<double>(now - op_refill_).count();
  op_refill_ = now;
  op_tokens_ = std::min(static_cast<double>(ctx_.config.ops_burst),
                        op_tokens_ + elapsed * static_cast<double>(ctx_.config.ops_per_second));

  if (!ws_.got_text()) {
    ++op_errors_;
    send_control(error_reply(op_error::binary, "ops are JSON text messages"));
  } else if (op_tokens_ < 1) {
    ++op_errors_;
    send_control(error_reply(op_error::rate_limited, "more than " + std::to_string(ctx_.config.ops_per_second) +
                                                         " ops per second; this op was not executed"));
  } else {
    op_tokens_ -= 1;
    const auto data = read_buffer_.cdata();
    const auto parsed =
        parse_client_op(std::string_view(static_cast<const char*>(data.data()), data.size()));
    if (const auto* op = std::get_if<client_op>(&parsed.value)) {
      switch (op->kind) {
        case op_kind::ping: send_control(pong_reply()); break;
        case op_kind::batch:
          batch_ = op->enabled;
          send_control(op->enabled ? R"({"type":"batch","enabled":true})" : R"({"type":"batch","enabled":false})");
          break;
        case op_kind::stats:
          if (!who_.admin) {
            ++op_errors_;
            send_control(error_reply(op_error::forbidden, "bridge:stats is for sessions with an admin token"));
            break;
          }
          [[fallthrough]];
        case op_kind::subscribe:
        case op_kind::unsubscribe:
        case op_kind::log_level:
        case op_kind::resume:
          // The drain thread's: its answer goes in the stream, where the
          // change takes effect.
          ctx_.routes->session_op(shared_from_this(), *op);
          break;
      }
    } else {
      ++op_errors_;
      send_control(error_reply(std::get<op_error>(parsed.value), parsed.detail));
    }
  }
  if (op_errors_ >= ctx_.config.max_op_errors)
    start_close(close_reason::policy, "too many bad or rate-limited ops", false);
}

void ws_session::send_control(std::string text) {
  if (closing_local_) return;
  if (control_.size() >= k_max_pending_control) {
    start_close(close_reason::policy, "replies not being read", false);
    return;
  }
  control_.push_back(control_frame(std::move(text)));
  if (!write_armed_.exchange(true, std::memory_order_acq_rel)) pump();
}

void ws_session::offer(const frame_ptr& frame, std::int64_t now_ns) {
  if (closing_.load(std::memory_order_relaxed)) {
    ctx_.metrics.dropped(drop_reason::closing);
    return;
  }
  outbox_.offer(frame, now_ns);
  keep_filled();
}

void ws_session::refill() {
  outbox_.flush();
  keep_filled();
}

void ws_session::tick(std::int64_t now_ns) {
  outbox_.tick(now_ns);
  keep_filled();
}

void ws_session::keep_filled() {
  // Dekker's pattern with pump()'s (fetch_sub queued_messages_; load
  // refill_wanted_), all seq_cst: either the strand sees the flag when it
  // takes the window below half and asks for a refill, or this thread sees
  // the window already below half and refills now.
  while (outbox_.backlogged()) {
    refill_wanted_.store(true, std::memory_order_seq_cst);
    if (queued_messages_.load(std::memory_order_seq_cst) > k_refill_at) return;
    if (!refill_wanted_.exchange(false, std::memory_order_seq_cst)) return;  // the strand's refill is on its way
    // (Not the window count: the strand takes from it meanwhile.)
    if (outbox_.flush() == 0) return;  // nothing could move (no memory)
  }
}

std::uint64_t ws_session::window_messages() const noexcept {
  return queued_messages_.load(std::memory_order_relaxed);
}

std::uint64_t ws_session::window_bytes() const noexcept { return queued_bytes_.load(std::memory_order_relaxed); }

bool ws_session::push(const frame_ptr& frame) noexcept {
  const std::uint64_t size = frame->text.size();
  // Counted before the enqueue, so that the strand never subtracts first.
  queued_bytes_.fetch_add(size, std::memory_order_relaxed);
  queued_messages_.fetch_add(1, std::memory_order_seq_cst);
  if (!events_.enqueue(frame)) {  // a new block could not be allocated
    queued_bytes_.fetch_sub(size, std::memory_order_relaxed);
    queued_messages_.fetch_sub(1, std::memory_order_seq_cst);
    return false;
  }
  // acq_rel: the release publishes nothing new (the queue did), the acquire
  // pairs with pump()'s disarming exchange. Only the thread that flips
  // false -> true posts, so at most one pump is ever pending.
  if (!write_armed_.exchange(true, std::memory_order_acq_rel)) {
    try {
      net::post(strand_, [self = shared_from_this()] { self->pump(); });
    } catch (...) {
      // Out of memory for the handler: the session can no longer be served.
      request_close(close_reason::error, "", false);
    }
  }
  return true;
}

void ws_session::over_limit(bool over) noexcept {
  // The slow-consumer clock: started at the first drop, stopped once the
  // session is back under half its limits; the strand's tick reads it.
  if (!over)
    over_limit_since_.store(0, std::memory_order_relaxed);
  else if (over_limit_since_.load(std::memory_order_relaxed) == 0)
    over_limit_since_.store(steady_ns(), std::memory_order_relaxed);
}

void ws_session::pump() {
  // Strand; write_armed_ is true.
  if (!writing_.empty() || done_) return;
  for (;;) {
    if (live_ && !control_.empty()) {
      writing_.push_back(std::move(control_.front()));
      control_.pop_front();
      writing_window_ = false;
      write_batch();
      return;
    }
    if (frame_ptr next; take(next)) {
      if (closing_local_ && !flush_before_close_ && next->seq != 0) {
        queued_bytes_.fetch_sub(next->text.size(), std::memory_order_relaxed);
        ctx_.metrics.dropped(drop_reason::closing);
        continue;
      }
      writing_window_ = true;
      writing_.push_back(std::move(next));
      // A batch takes the events waiting behind the first, up to a control
      // message (those go alone, in their place).
      if (batch_ && !closing_local_ && writing_.front()->is_event()) {
        std::size_t bytes = writing_.front()->text.size();
        for (const frame_ptr* p = events_.peek();
             p != nullptr && (*p)->is_event() && bytes + (*p)->text.size() <= k_max_batch_bytes; p = events_.peek()) {
          frame_ptr more;
          take(more);
          bytes += more->text.size();
          writing_.push_back(std::move(more));
        }
      }
      write_batch();
      return;
    }
    cork(false);  // nothing waits behind the last write: send it now
    if (closing_local_) {
      // Everything to send before the close is out; write_armed_ stays set,
      // so nothing else will start a write.
      if (!close_sent_) {
        close_sent_ = true;
        const auto code = static_cast<websocket::close_code>(close_code(close_why_));
        ws_.async_close(websocket::close_reason(code, close_text_),
                        [self = shared_from_this()](beast::error_code ec) {
                          if (ec) self->finish(self->close_why_);
                          // else the read loop sees the peer's close and finishes.
                        });
      }
      return;
    }
    // Disarm with an RMW (acq_rel), not a store: it reads the value of any
    // push() exchange that came before it, so that push's enqueue is
    // visible to the peek below. Then either the peek sees the event, or
    // push's exchange comes later, sees false and posts a pump.
    write_armed_.exchange(false, std::memory_order_acq_rel);
    if (events_.peek() == nullptr) return;
    if (write_armed_.exchange(true, std::memory_order_acq_rel)) return;  // push() posted a pump meanwhile
  }
}

bool ws_session::take(frame_ptr& next) {
  if (!events_.try_dequeue(next)) return false;
  live_ = true;  // the first item is connection:status (router::apply(add_cmd))
  // seq_cst: Dekker's pattern with keep_filled().
  const std::uint64_t left = queued_messages_.fetch_sub(1, std::memory_order_seq_cst) - 1;
  if (left <= k_refill_at && refill_wanted_.load(std::memory_order_seq_cst) &&
      refill_wanted_.exchange(false, std::memory_order_seq_cst))
    ctx_.routes->refill(shared_from_this());
  return true;
}

// TCP_CORK while more frames wait behind the one being written: the kernel
// then sends the run in full segments instead of one segment per frame
// (per-segment work on both ends was two thirds of the bridge's CPU at
// its knee, BENCHMARKS.md). Set only when a backlog exists, and cleared as
// soon as the window is empty or k_max_corked_bytes went out, so a
// session that keeps up never waits for it.
void ws_session::cork(bool on) {
  if (on == corked_) return;
  corked_ = on;
  corked_bytes_ = 0;
  if (on) ctx_.metrics.corked();
  const int v = on ? 1 : 0;
  // A failure leaves the socket as it was: frames then go one segment each.
  (void)::setsockopt(beast::get_lowest_layer(ws_).socket().native_handle(), IPPROTO_TCP, TCP_CORK, &v, sizeof v);
}

void ws_session::write_batch() {
  if (corked_ && corked_bytes_ >= k_max_corked_bytes) cork(false);  // push out what the run has written
  if (!corked_ && events_.peek() != nullptr) cork(true);
  if (corked_)
    for (const auto& f : writing_) corked_bytes_ += f->text.size();
  ws_.text(true);
  if (writing_.size() == 1) {
    ws_.async_write(net::buffer(writing_.front()->text),
                    beast::bind_front_handler(&ws_session::on_write, shared_from_this()));
    return;
  }
  // Each event's text is already a JSON object: the batch is a JSON array
  // of them, joined, not re-encoded.
  batch_text_.clear();
  batch_text_ += '[';
  for (const auto& f : writing_) {
    if (batch_text_.size() > 1) batch_text_ += ',';
    batch_text_ += f->text;
  }
  batch_text_ += ']';
  ws_.async_write(net::buffer(batch_text_), beast::bind_front_handler(&ws_session::on_write, shared_from_this()));
}

void ws_session::on_write(beast::error_code ec, std::size_t) {
  if (writing_window_)
    for (const auto& f : writing_) queued_bytes_.fetch_sub(f->text.size(), std::memory_order_relaxed);
  if (ec) {
    writing_.clear();
    finish(closing_local_ ? close_why_ : close_reason::error);
    return;
  }
  const std::int64_t now = shm::realtime_now_ns();
  for (const auto& f : writing_) {
    delivered_.fetch_add(1, std::memory_order_relaxed);
    ctx_.metrics.delivered(f->text.size(), f->timestamp_ns > 0 ? now - f->timestamp_ns : -1);
  }
  writing_.clear();  // keeps its capacity for the next batch
  pump();
}

void ws_session::request_close(close_reason why, std::string reason, bool flush) {
  net::post(strand_, [self = shared_from_this(), why, reason = std::move(reason), flush]() mutable {
    self->start_close(why, std::move(reason), flush);
  });
}

void ws_session::start_close(close_reason why, std::string reason, bool flush) {
  if (done_ || closing_local_) return;
  closing_local_ = true;
  closing_.store(true, std::memory_order_relaxed);
  close_why_ = why;
  close_text_ = std::move(reason);
  flush_before_close_ = flush;
  if (!accepted_) {
    finish(why);
    return;
  }
  close_deadline_ =
      clock::now() + (why == close_reason::going_away ? ctx_.config.shutdown_grace : ctx_.config.close_timeout);
  tick_.cancel();
  arm_tick();
  if (!write_armed_.exchange(true, std::memory_order_acq_rel)) pump();
}

void ws_session::arm_tick() {
  // Often enough for each deadline to be met within a quarter of itself,
  // at most a second apart.
  auto period = std::min({std::chrono::milliseconds(1000), ctx_.config.ping_interval, ctx_.config.idle_timeout / 4,
                          ctx_.config.slow_close_after / 4});
  period = std::max(period, std::chrono::milliseconds(10));
  auto at = clock::now() + period;
  if (close_deadline_ < at) at = close_deadline_;
  tick_.expires_at(at);
  tick_.async_wait(beast::bind_front_handler(&ws_session::on_tick, shared_from_this()));
}

void ws_session::on_tick(beast::error_code ec) {
  if (ec == net::error::operation_aborted || done_) return;
  const auto now = clock::now();
  if (now >= close_deadline_) {
    finish(close_why_);  // the close handshake did not complete: tear down
    return;
  }
  if (!closing_local_) {
    if (now - last_heard_ >= ctx_.config.idle_timeout) {
      finish(close_reason::idle);  // a silent peer cannot take part in a close handshake
      return;
    }
    const std::int64_t since = over_limit_since_.load(std::memory_order_relaxed);
    if (since != 0 && steady_ns() - since >= std::chrono::nanoseconds(ctx_.config.slow_close_after).count()) {
      start_close(close_reason::slow_consumer, "slow consumer", false);
      return;  // start_close re-armed the tick
    }
    if (now >= next_ping_ && !ping_in_flight_) {
      ping_in_flight_ = true;
      next_ping_ = now + ctx_.config.ping_interval;
      ws_.async_ping({}, [self = shared_from_this()](beast::error_code) { self->ping_in_flight_ = false; });
    }
  }
  arm_tick();
}

void ws_session::finish(close_reason why) {
  if (done_) return;
  done_ = true;
  // Release: the router's add() reads this with acquire (see router::apply).
  finished_.store(true, std::memory_order_release);
  closing_.store(true, std::memory_order_relaxed);
  tick_.cancel();
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().close(ignored);  // cancels what is pending
  ticket_.release();
  if (accepted_) {
    ctx_.metrics.closed(why);
    ctx_.metrics.session_closed();
    ctx_.routes->remove(shared_from_this());
  }
}

session_stats ws_session::stats() const {
  const auto o = outbox_.stats();
  return {who_.id,
          who_.user_id,
          who_.admin,
          queued_messages_.load(std::memory_order_relaxed) + o.backlog_messages,
          queued_bytes_.load(std::memory_order_relaxed) + o.backlog_bytes,
          o.dropped,
          delivered_.load(std::memory_order_relaxed),
          o.conflated,
          o.gap_notices,
          o.logs_suppressed};
}

}  // namespace ringcast::bridge
