#include "drain.hpp"

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <new>

#include "ringcast/shm/doorbell.hpp"

namespace ringcast::bridge {

namespace {

// Longest doorbell sleep: how late periodic work (history expiry, log
// summaries) may run. Commands wake the thread at once (wake()).
constexpr std::chrono::milliseconds k_max_sleep{50};

}  // namespace

drain::drain(bridge_context& ctx, router& routes)
    : ctx_(ctx), routes_(routes), consumer_(std::make_unique<shm::consumer>(
          ctx.segment, shm::consumer_options{.spin = std::chrono::microseconds(ctx.config.drain_spin_us)})) {}

drain::~drain() { stop(); }

void drain::start() {
  // The drain thread takes no SIGINT/SIGTERM: they go to the I/O threads,
  // where the signal_set waits for them. A signal that lands here would
  // interrupt nothing useful, and under TSan it stays deferred for as long
  // as this thread sleeps in a raw futex syscall (no interceptor runs) —
  // a bridge that never saw its SIGTERM. The new thread inherits the mask.
  sigset_t term, old;
  sigemptyset(&term);
  sigaddset(&term, SIGINT);
  sigaddset(&term, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &term, &old);
  try {
    thread_ = std::thread([this] { loop(); });
  } catch (...) {
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    throw;
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

void drain::wake() noexcept {
  // seq_cst RMW: the StoreLoad before wake_if_sleeping()'s doorbell load
  // (Dekker's pattern with consumer::wait()); it also orders the command
  // pushed before it ahead of the loop's reset below.
  work_.exchange(1, std::memory_order_seq_cst);
  consumer_->wake_if_sleeping();
}

void drain::stop() {
  if (!thread_.joinable()) return;
  stop_.store(true, std::memory_order_relaxed);
  wake();
  thread_.join();
}

void drain::loop() {
  auto on_record = [this](const shm::record_view& r) {
    ctx_.metrics.drained(1);
    if (const std::uint64_t n = r.gap + r.lost; n != 0) {
      // The lost events take seqs too, so that every session is told
      // which range it will never see.
      ctx_.metrics.ring_gap(n);
      const std::uint64_t from = seq_ + 1;
      seq_ += n;
      routes_.ring_gap(from, seq_, n);
    }
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
      // Reset before the commands are read (seq_cst RMW, see wake()): a
      // command pushed after this sets work_ again and wait() returns.
      if (work_.load(std::memory_order_relaxed) != 0) work_.exchange(0, std::memory_order_seq_cst);
      routes_.apply_commands();
      routes_.tick();
      if (consumer_->poll(on_record) == 0 && !routes_.commands_pending()) consumer_->wait(k_max_sleep, &work_);
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
