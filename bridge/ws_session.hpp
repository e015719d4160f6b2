// One WebSocket client. Its strand serialises everything it does; the drain
// thread hands it events through offer(), which never blocks and never
// touches the socket:
//
//   drain thread                         session strand
//   offer(frame): bounded? enqueue  ──►  pump(): one async_write in flight,
//     (lock-free SPSC queue)              the next one from its handler
//   first offer after idle posts pump()
//
// The outbound queue is bounded in bytes and in messages (config). An event
// that does not fit is dropped and counted; a session that stays over its
// limit for slow_close_after is closed with 1013 "slow consumer".
#pragma once

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "admission.hpp"
#include "bridge_context.hpp"
#include "event_frame.hpp"
#include "metrics.hpp"
#include "spsc_queue.hpp"

namespace ringcast::bridge {

struct session_identity {
  std::uint64_t id = 0;
  std::string user_id;
  bool admin = false;
};

struct session_stats {
  std::uint64_t id = 0;
  std::string user_id;
  bool admin = false;
  std::uint64_t queued_messages = 0;
  std::uint64_t queued_bytes = 0;
  std::uint64_t dropped = 0;
  std::uint64_t delivered = 0;
};

class ws_session : public std::enable_shared_from_this<ws_session> {
 public:
  using stream_type = boost::beast::websocket::stream<boost::beast::tcp_stream>;

  ws_session(boost::beast::tcp_stream&& stream, bridge_context& ctx, session_identity who, admission_ticket ticket);
  ~ws_session();
  ws_session(const ws_session&) = delete;
  ws_session& operator=(const ws_session&) = delete;

  // Completes the upgrade of `request`, answering `subprotocol` if not empty.
  void run(boost::beast::http::request<boost::beast::http::string_body> request, std::string subprotocol);

  // Drain thread only: queues an event, or drops and counts it. Never blocks.
  void offer(const frame_ptr& frame) noexcept;

  // Any thread: close with `code` and `reason`. flush: send what is queued first.
  void request_close(close_reason why, std::string reason, bool flush);

  [[nodiscard]] const session_identity& identity() const noexcept { return who_; }
  // True once the session has ended; set before it asks the router to forget it.
  [[nodiscard]] bool finished() const noexcept { return finished_.load(std::memory_order_acquire); }
  [[nodiscard]] session_stats stats() const;

 private:
  void on_accept(boost::beast::error_code ec);
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void handle_op();
  void send_control(std::string text);
  void pump();
  void on_write(boost::beast::error_code ec, std::size_t bytes);
  void start_close(close_reason why, std::string reason, bool flush);
  void on_tick(boost::beast::error_code ec);
  void arm_tick();
  void finish(close_reason why);
  void note_drop(drop_reason r) noexcept;

  stream_type ws_;
  boost::asio::any_io_executor strand_;  // a copy, so offer() posts without touching ws_
  bridge_context& ctx_;
  const session_identity who_;
  admission_ticket ticket_;
  boost::beast::flat_buffer read_buffer_;
  boost::asio::steady_timer tick_;

  // Drain thread -> strand. The SPSC queue's own acquire/release carries
  // each frame; the counters below bound it and are relaxed statistics,
  // except where noted.
  moodycamel::ReaderWriterQueue<frame_ptr> events_{64};
  std::atomic<std::uint64_t> queued_bytes_{0};     // enqueued and not yet written
  std::atomic<std::uint64_t> queued_messages_{0};  // enqueued and not yet dequeued
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> delivered_{0};
  // True while a pump() is posted or a write is in flight: offer() posts a
  // pump only when it flips this from false (acq_rel, see pump()).
  std::atomic<bool> write_armed_{false};
  std::atomic<bool> closing_{false};           // no more events wanted (relaxed: a hint for offer)
  std::atomic<bool> close_requested_{false};   // offer() asked for the 1013 close once
  std::atomic<std::int64_t> over_limit_since_{0};  // steady ns of the first drop since the queue was last healthy
  std::atomic<bool> finished_{false};

  // Strand only.
  std::deque<frame_ptr> control_;  // connection:status, pong, errors: ahead of events
  frame_ptr writing_;              // the frame whose async_write is in flight
  bool writing_event_ = false;
  bool accepted_ = false;
  bool live_ = false;      // connection:status was dequeued: control replies may go out
  bool closing_local_ = false;
  bool done_ = false;
  bool flush_before_close_ = false;
  bool close_sent_ = false;
  close_reason close_why_ = close_reason::normal;
  std::string close_text_;
  std::chrono::steady_clock::time_point last_heard_;
  std::chrono::steady_clock::time_point next_ping_;
  std::chrono::steady_clock::time_point close_deadline_ = std::chrono::steady_clock::time_point::max();
  bool ping_in_flight_ = false;
  double op_tokens_ = 0;
  std::chrono::steady_clock::time_point op_refill_;
  std::uint32_t op_errors_ = 0;
};

}  // namespace ringcast::bridge
