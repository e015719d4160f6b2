// What the drain thread keeps for one session, and the slow-client policy
// (decision 0006). Drain thread only: no atomics, no locks.
//
//   route ─► offer(): subscription and log filters, log rate limit
//              │
//              ├─ nothing waiting and the window has room ─► window (SPSC to the strand)
//              └─ else ─► backlog, in seq order:
//                   once the session is behind (over half its limits), a state
//                   event replaces the queued one of its key (conflation);
//                   over the limits an event is dropped and a stream:gap notice
//                   takes its place; flush() moves the backlog into the window as
//                   the strand empties it.
//
// The window is small (k_window_messages): what the strand is about to
// write cannot be conflated any more, so the window is kept just deep
// enough for the socket to stay busy. The limits (queue_bytes,
// queue_messages) bound window and backlog together. Conflation waits for
// half of them so that a client that keeps up, bursts included, sees every
// event; one that does not sees the latest state instead of an old queue.
#pragma once

#include <cstdint>
#include <list>
#include <string_view>
#include <unordered_map>

#include "client_op.hpp"
#include "config.hpp"
#include "event_frame.hpp"
#include "metrics.hpp"
#include "ringcast/shm/schema.hpp"

namespace ringcast::bridge {

// The session's side of the window, implemented by ws_session (and by a
// fake in the unit test).
class session_window {
 public:
  [[nodiscard]] virtual std::uint64_t window_messages() const noexcept = 0;
  [[nodiscard]] virtual std::uint64_t window_bytes() const noexcept = 0;
  // False if the frame could not be queued (no memory): counted as a drop.
  virtual bool push(const frame_ptr& f) noexcept = 0;
  // The session went over its limits (true) or back under half of them.
  virtual void over_limit(bool over) noexcept = 0;

 protected:
  virtual ~session_window() = default;
};

struct outbox_stats {
  std::uint64_t backlog_messages = 0;
  std::uint64_t backlog_bytes = 0;
  std::uint64_t dropped = 0;
  std::uint64_t conflated = 0;
  std::uint64_t gap_notices = 0;
  std::uint64_t logs_suppressed = 0;
};

class session_outbox {
 public:
  // Messages handed to the strand ahead of its writes; a refill is asked
  // for at half of it (ws_session).
  static constexpr std::uint64_t k_window_messages = 64;

  session_outbox(session_window& window, const bridge_config& config, bridge_metrics& metrics) noexcept;

  // An event (filtered, limited, conflated) or a control frame (never
  // filtered; ahead of what is offered after it). now_ns: steady clock.
  void offer(const frame_ptr& f, std::int64_t now_ns);
  // Moves the backlog into the window while it has room; then a pending
  // gap notice. The strand asks for this when the window runs low.
  // Returns how many frames it pushed.
  std::size_t flush();
  // Shutdown: everything into the window, past its size, so that the
  // strand sends it all before its close (the drain thread stops after this).
  void flush_all();
  // Periodic (drain loop): the log-suppression summary, at most once a
  // second; the end of an over-limit spell once the strand caught up.
  void tick(std::int64_t now_ns);

  // Filters, set by the client's ops.
  void subscribe(const type_set& t) noexcept { types_ |= t; }
  void unsubscribe(const type_set& t) noexcept { types_ &= ~t; }
  void set_types(const type_set& t) noexcept { types_ = t; }
  [[nodiscard]] const type_set& types() const noexcept { return types_; }
  void set_log_level(std::int8_t level) noexcept { log_level_ = level; }

  [[nodiscard]] bool backlogged() const noexcept { return !backlog_.empty() || gap_.count != 0; }
  [[nodiscard]] bool wants_tick() const noexcept { return suppressed_ != 0 || over_; }
  [[nodiscard]] outbox_stats stats() const noexcept;

 private:
  struct open_gap {
    std::uint64_t from = 0, to = 0, count = 0;
  };

  bool admit_log(const event_frame& f, std::int64_t now_ns);
  void enqueue(const frame_ptr& f);
  bool conflate(const frame_ptr& f);
  void place(const frame_ptr& f);
  void append(const frame_ptr& f);
  void push_window(const frame_ptr& f);
  void drop(const frame_ptr& f, drop_reason why);
  void emit_gap();
  void emit_suppressed();
  [[nodiscard]] bool behind() const noexcept;
  [[nodiscard]] bool over_limits(std::uint64_t adding_bytes) const noexcept;
  void check_back_under() noexcept;

  session_window& window_;
  const bridge_config& config_;
  bridge_metrics& metrics_;

  type_set types_;
  std::int8_t log_level_ = 0;     // shm::log_level: below this, not sent
  std::uint64_t last_seq_out_ = 0;  // the last seq placed in window or backlog

  std::list<frame_ptr> backlog_;
  // Queued state events by key. The key is a view into the frame, which the
  // backlog keeps alive for as long as the entry exists.
  std::unordered_map<std::string_view, std::list<frame_ptr>::iterator> by_key_;
  std::uint64_t backlog_bytes_ = 0;
  open_gap gap_;
  open_gap queued_gap_;  // the range of the notice waiting in the backlog, if one is (by_key_)
  bool over_ = false;

  // system_log rate limit: a token bucket, and what it suppressed since the
  // last summary.
  double log_tokens_;
  std::int64_t log_refill_ns_ = 0;
  std::uint64_t suppressed_ = 0;
  std::uint64_t suppressed_from_ = 0, suppressed_to_ = 0;
  std::int64_t suppressed_since_ns_ = 0;

  std::uint64_t dropped_ = 0;
  std::uint64_t conflated_ = 0;
  std::uint64_t gap_notices_ = 0;
  std::uint64_t logs_suppressed_ = 0;
};

}  // namespace ringcast::bridge
