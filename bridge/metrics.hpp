// The bridge's counters: relaxed atomics bumped on the hot paths (drain
// thread, I/O threads), read when /metrics or /health is asked for. Relaxed
// everywhere: each is a statistic on its own and orders nothing else.
//
// prometheus-cpp's own Histogram takes a mutex on every Observe(); the
// latency histogram here is buckets of atomics instead (latency_histogram),
// turned into prometheus-cpp metric families only at scrape time
// (render_prometheus).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "latency_histogram.hpp"

namespace ringcast::bridge {

enum class drop_reason : std::uint8_t {
  queue_bytes,     // the session's queue was at its byte limit
  queue_messages,  // ... at its message limit
  closing,         // the session was closing
  count
};

enum class close_reason : std::uint8_t {
  normal,        // 1000, the client closed
  going_away,    // 1001, bridge shutdown
  bad_utf8,      // 1007
  policy,        // 1008, op abuse
  too_big,       // 1009
  slow_consumer, // 1013
  idle,          // no frame from the peer within the idle timeout: torn down
  error,         // the connection failed (reset, EOF without close)
  count
};

[[nodiscard]] const char* to_string(drop_reason r) noexcept;
[[nodiscard]] const char* to_string(close_reason r) noexcept;
[[nodiscard]] int close_code(close_reason r) noexcept;  // 0 for idle and error

class bridge_metrics {
 public:
  void drained(std::uint64_t n) noexcept { events_drained_.fetch_add(n, std::memory_order_relaxed); }
  void ring_gap(std::uint64_t n) noexcept { ring_lost_.fetch_add(n, std::memory_order_relaxed); }
  void undecodable() noexcept { undecodable_.fetch_add(1, std::memory_order_relaxed); }
  void dropped(drop_reason r) noexcept { drops_[static_cast<std::size_t>(r)].fetch_add(1, std::memory_order_relaxed); }
  void closed(close_reason r) noexcept { closes_[static_cast<std::size_t>(r)].fetch_add(1, std::memory_order_relaxed); }
  void session_opened() noexcept { sessions_.fetch_add(1, std::memory_order_relaxed); }
  void session_closed() noexcept { sessions_.fetch_sub(1, std::memory_order_relaxed); }
  void handshake_refused(int status) noexcept;
  void conflated() noexcept { conflated_.fetch_add(1, std::memory_order_relaxed); }
  void gap_notice() noexcept { gap_notices_.fetch_add(1, std::memory_order_relaxed); }
  void corked() noexcept { corks_.fetch_add(1, std::memory_order_relaxed); }
  void log_suppressed() noexcept { logs_suppressed_.fetch_add(1, std::memory_order_relaxed); }
  void resumed(bool replayed) noexcept { resumes_[replayed ? 0 : 1].fetch_add(1, std::memory_order_relaxed); }
  // A frame fully written to a client's socket; latency_ns < 0 for control frames.
  void delivered(std::size_t bytes, std::int64_t latency_ns) noexcept;

  [[nodiscard]] std::uint64_t events_drained() const noexcept { return events_drained_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t frames_delivered() const noexcept { return frames_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::int64_t sessions() const noexcept { return sessions_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t drops(drop_reason r) const noexcept {
    return drops_[static_cast<std::size_t>(r)].load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t drops_total() const noexcept;
  [[nodiscard]] std::uint64_t ring_lost() const noexcept { return ring_lost_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t undecodable_events() const noexcept { return undecodable_.load(std::memory_order_relaxed); }
  [[nodiscard]] latency_histogram::counts latency() const noexcept { return latency_.read(); }

  // The Prometheus text exposition of every counter (prometheus-cpp's TextSerializer).
  [[nodiscard]] std::string render_prometheus() const;

 private:
  std::atomic<std::uint64_t> events_drained_{0};
  std::atomic<std::uint64_t> ring_lost_{0};
  std::atomic<std::uint64_t> undecodable_{0};
  std::atomic<std::uint64_t> frames_{0};
  std::atomic<std::uint64_t> frame_bytes_{0};
  std::atomic<std::int64_t> sessions_{0};
  std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(drop_reason::count)> drops_{};
  std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(close_reason::count)> closes_{};
  std::array<std::atomic<std::uint64_t>, 4> refused_{};  // 401, 403, 429/503, 400
  std::atomic<std::uint64_t> conflated_{0};
  std::atomic<std::uint64_t> gap_notices_{0};
  std::atomic<std::uint64_t> corks_{0};
  std::atomic<std::uint64_t> logs_suppressed_{0};
  std::array<std::atomic<std::uint64_t>, 2> resumes_{};  // replayed, gap
  latency_histogram latency_;  // producer timestamp -> socket write complete
};

}  // namespace ringcast::bridge
