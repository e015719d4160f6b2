// userId -> sessions, the latest state for /api/snapshot, and the history
// that resume replays.
//
// The router belongs to the drain thread: route() runs there for every
// event, with no lock. Everything else reaches it as a command through a
// lock-free MPSC inbox (command_inbox.hpp), applied by the drain
// thread before each batch; a command that wants an answer carries a
// callback, which the drain thread runs and which posts the answer back to
// the asking strand. This is the router's whole input surface: events in
// (route), sessions in and out, questions in — a second event source (a
// NATS link between hosts) would call the same route().
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "client_op.hpp"
#include "command_inbox.hpp"
#include "event_frame.hpp"
#include "history.hpp"
#include "latest_state.hpp"
#include "ringcast/shm/schema.hpp"
#include "stats_frame.hpp"
#include "ws_session.hpp"

namespace ringcast::bridge {

using snapshot_reply = std::function<void(std::vector<frame_ptr>)>;
// What /health shows of the drain thread's state.
struct router_report {
  std::vector<session_stats> sessions;
  history_stats history;
  latest_state::stats snapshot;
};
using report_reply = std::function<void(router_report)>;

class router {
 public:
  // wake: makes the drain thread look at its commands now (rings the doorbell).
  router(bridge_context& ctx, std::function<void()> wake);

  // Any thread.
  // `options`: the /ws query's subscription, log level and resume point.
  void add(std::shared_ptr<ws_session> s, ws_options options);
  void remove(std::shared_ptr<ws_session> s);
  // An op the drain thread carries out: subscribe, unsubscribe, log_level, resume.
  void session_op(std::shared_ptr<ws_session> s, client_op op);
  // The session's window ran low: move its backlog in.
  void refill(std::shared_ptr<ws_session> s);
  void snapshot(std::string user_id, snapshot_reply reply);
  void report(report_reply reply);

  // Drain thread.
  void apply_commands();
  [[nodiscard]] bool commands_pending() const noexcept { return commands_.maybe_pending(); }
  void route(const frame_ptr& f);
  // The producers' ring lost `count` events, which the drain numbered
  // from..to: every session is told (whose they were is unknown).
  void ring_gap(std::uint64_t from, std::uint64_t to, std::uint64_t count);
  // Periodic work: history expiry, log-suppression summaries, bridge:stats.
  void tick();
  // Shutdown: every session is asked to close with 1001 after what it has queued.
  void close_all();

 private:
  struct add_cmd {
    std::shared_ptr<ws_session> s;
    ws_options options;
  };
  struct op_cmd {
    std::shared_ptr<ws_session> s;
    client_op op;
  };
  struct refill_cmd {
    std::shared_ptr<ws_session> s;
  };
  struct remove_cmd {
    std::shared_ptr<ws_session> s;
  };
  struct snapshot_cmd {
    std::string user_id;
    snapshot_reply reply;
  };
  struct report_cmd {
    report_reply reply;
  };
  using command = std::variant<add_cmd, remove_cmd, op_cmd, refill_cmd, snapshot_cmd, report_cmd>;

  void push(command c);
  void apply(add_cmd& c);
  void apply(remove_cmd& c);
  void apply(op_cmd& c);
  void apply(refill_cmd& c);
  void resume(ws_session& s, const resume_point& from);
  void apply(snapshot_cmd& c);
  void apply(report_cmd& c);
  void remember(const frame_ptr& f);

  using session_list = std::vector<std::shared_ptr<ws_session>>;

  bridge_context& ctx_;
  std::function<void()> wake_;
  command_inbox<command> commands_;

  session_list all_;                                       // every session: global events
  session_list admins_;                                    // see every user's events
  session_list stats_;                                     // admins that asked for bridge:stats
  std::unordered_map<std::string, session_list> by_user_;  // non-admin sessions of a user

  latest_state latest_;  // /api/snapshot
  history history_;
  std::atomic<bool> stopped_{false};  // close_all() ran: later sessions are closed at add() (seq_cst)
  std::uint64_t last_seq_ = 0;
  std::int64_t next_tick_ns_ = 0;
  stats_sample last_stats_;  // the start of the interval the next bridge:stats covers
};

}  // namespace ringcast::bridge
