// One WebSocket client. Its strand serialises everything it does; the drain
// thread hands it events through offer(), which never blocks and never
// touches the socket:
//
//   drain thread                             session strand
//   offer(frame) -> outbox (filters,    ──►  pump(): one async_write in flight,
//     backlog, conflation, gaps)              the next one from its handler
//     -> window (lock-free SPSC queue)
//   first push after idle posts pump()        window at half: router.refill()
//
// The outbox (session_outbox.hpp) is the drain thread's and holds the
// slow-client policy; the window is the few messages about to be written.
// A session that stays over its limits for slow_close_after is closed with
// 1013 "slow consumer".
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
#include "client_op.hpp"
#include "metrics.hpp"
#include "session_outbox.hpp"
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
  std::uint64_t queued_messages = 0;  // window and backlog
  std::uint64_t queued_bytes = 0;
  std::uint64_t dropped = 0;
  std::uint64_t delivered = 0;
  std::uint64_t conflated = 0;
  std::uint64_t gap_notices = 0;
  std::uint64_t logs_suppressed = 0;
};

class ws_session : public std::enable_shared_from_this<ws_session>, private session_window {
 public:
  using stream_type = boost::beast::websocket::stream<boost::beast::tcp_stream>;

  ws_session(boost::beast::tcp_stream&& stream, bridge_context& ctx, session_identity who, admission_ticket ticket);
  ~ws_session();
  ws_session(const ws_session&) = delete;
  ws_session& operator=(const ws_session&) = delete;

  // Completes the upgrade of `request`, answering `subprotocol` if not empty;
  // `options` are the /ws query's.
  void run(boost::beast::http::request<boost::beast::http::string_body> request, std::string subprotocol,
           ws_options options);

  // Drain thread only: hands an event or control frame to the outbox. Never blocks.
  void offer(const frame_ptr& frame, std::int64_t now_ns);
  // Drain thread only: the window ran low; move the backlog in.
  void refill();
  // Drain thread only: periodic outbox work (router::tick).
  void tick(std::int64_t now_ns);
  [[nodiscard]] session_outbox& outbox() noexcept { return outbox_; }

  // Any thread: close with `code` and `reason`. flush: send what is queued first.
  void request_close(close_reason why, std::string reason, bool flush);

  [[nodiscard]] const session_identity& identity() const noexcept { return who_; }
  // True once the session has ended; set before it asks the router to forget it.
  [[nodiscard]] bool finished() const noexcept { return finished_.load(std::memory_order_acquire); }
  // Drain thread (it reads the outbox).
  [[nodiscard]] session_stats stats() const;

 private:
  // session_window, for the outbox (drain thread).
  [[nodiscard]] std::uint64_t window_messages() const noexcept override;
  [[nodiscard]] std::uint64_t window_bytes() const noexcept override;
  bool push(const frame_ptr& f) noexcept override;
  void over_limit(bool over) noexcept override;
  void keep_filled();

  void on_accept(boost::beast::error_code ec);
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void handle_op();
  void send_control(std::string text);
  void pump();
  bool take(frame_ptr& next);
  void write_batch();
  void cork(bool on);
  void on_write(boost::beast::error_code ec, std::size_t bytes);
  void start_close(close_reason why, std::string reason, bool flush);
  void on_tick(boost::beast::error_code ec);
  void arm_tick();
  void finish(close_reason why);

  stream_type ws_;
  boost::asio::any_io_executor strand_;  // a copy, so offer() posts without touching ws_
  bridge_context& ctx_;
  const session_identity who_;
  admission_ticket ticket_;
  boost::beast::flat_buffer read_buffer_;
  boost::asio::steady_timer tick_;

  // Drain thread only.
  session_outbox outbox_;

  // Drain thread -> strand: the window. The SPSC queue's own
  // acquire/release carries each frame; the counters below bound it and
  // are relaxed statistics, except where noted.
  moodycamel::ReaderWriterQueue<frame_ptr> events_{session_outbox::k_window_messages};
  std::atomic<std::uint64_t> queued_bytes_{0};     // enqueued and not yet written
  // Enqueued and not yet dequeued. seq_cst where it meets refill_wanted_
  // (Dekker's pattern, see keep_filled()).
  std::atomic<std::uint64_t> queued_messages_{0};
  // The outbox has a backlog: the strand asks for a refill when the window
  // is at half (seq_cst, see keep_filled()).
  std::atomic<bool> refill_wanted_{false};
  std::atomic<std::uint64_t> delivered_{0};
  // True while a pump() is posted or a write is in flight: offer() posts a
  // pump only when it flips this from false (acq_rel, see pump()).
  std::atomic<bool> write_armed_{false};
  std::atomic<bool> closing_{false};           // no more events wanted (relaxed: a hint for offer)
  std::atomic<std::int64_t> over_limit_since_{0};  // steady ns of the first drop since the queue was last healthy
  std::atomic<bool> finished_{false};

  // Strand only.
  std::deque<frame_ptr> control_;     // pong, errors, batch answers: the strand's own replies
  std::vector<frame_ptr> writing_;    // what the async_write in flight carries (one, or a batch)
  bool writing_window_ = false;       // ... taken from the window (its bytes are counted there)
  std::string batch_text_;            // a batch's frame: [event,event,...]
  bool corked_ = false;               // TCP_CORK is set: a run of queued writes is being coalesced
  std::size_t corked_bytes_ = 0;      // written since the cork was set
  bool batch_ = false;                // the client opted into batches
  ws_options options_;                // the /ws query's, handed to the router at accept
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
