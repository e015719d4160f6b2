#include "drain.hpp"

#include <cstdio>
#include <new>

#include "ringcast/shm/doorbell.hpp"

namespace ringcast::bridge {

namespace {

// Longest doorbell sleep. A command (a new session, a snapshot question)
// rings the doorbell, but one rung just before the drain thread sleeps can
// be missed; this bounds the delay of such a command.
constexpr std::chrono::milliseconds k_max_sleep{20};

}  // namespace

drain::drain(bridge_context& ctx, router& routes)
    : ctx_(ctx), routes_(routes), consumer_(std::make_unique<shm::consumer>(ctx.segment)) {}

drain::~drain() { stop(); }

void drain::start() { thread_ = std::thread([this] { loop(); }); }

void drain::wake() noexcept { shm::detail::futex_wake_all(ctx_.segment->header().doorbell.sleeping); }

void drain::stop() {
  if (!thread_.joinable()) return;
  stop_.store(true, std::memory_order_relaxed);
  wake();
  thread_.join();
}

void drain::loop() {
  auto on_record = [this](const shm::record_view& r) {
    ctx_.metrics.drained(1);
    if (r.gap + r.lost != 0) ctx_.metrics.ring_gap(r.gap + r.lost);
    frame_ptr f = encode_event(r, seq_ + 1);
    if (!f) {
      ctx_.metrics.undecodable();
      return;
    }
    ++seq_;
    routes_.route(f);
  };
  // The startup hold: sessions register (commands), nothing is drained.
  const auto hold_until = std::chrono::steady_clock::now() + ctx_.config.startup_hold;
  while (!stop_.load(std::memory_order_relaxed) && std::chrono::steady_clock::now() < hold_until) {
    routes_.apply_commands();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  while (!stop_.load(std::memory_order_relaxed)) {
    try {
      routes_.apply_commands();
      if (consumer_->poll(on_record) == 0 && !routes_.commands_pending()) consumer_->wait(k_max_sleep);
    } catch (const std::bad_alloc&) {
      // The lane batch in hand stays unread (poll()'s contract) and is
      // handed out again; give the allocator a moment rather than spin.
      std::fputs("ringcast-bridge: out of memory while draining; retrying\n", stderr);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  routes_.close_all();
}

}  // namespace ringcast::bridge
