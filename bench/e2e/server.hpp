// The server under test, as a child process, and how events reach it:
//   - ringcast: a real ringcast-bridge draining a private shared-memory
//     segment; events are published into the ring (shm::publisher).
//   - ws-node: bench/baseline/ws_server.mjs, a broadcast server on Node's
//     ws; events are written to its feed socket as "userId\tframe\n" (the
//     routing key up front, as a pub/sub channel would carry it, so that
//     the baseline does not even parse JSON to route).
// Both get the same frame text: the envelope the bridge writes, the payload
// from the schema's encoder.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "options.hpp"
#include "ringcast/shm/schema.hpp"

namespace ringcast::bench {

// What a producer publishes: a stream event (ORDER_UPDATE, never conflated)
// or a state event (PNL_UPDATE, which the bridge may conflate for a client
// that is behind). Its marker (orderId, dailyPnl) is its slot in the schedule.
enum class event_kind { order, pnl };

// The ORDER_UPDATE with marker `marker` (its orderId), as every producer sends it.
[[nodiscard]] shm::order_update order_of(std::uint64_t marker);

// Binds the calling thread to CPU `cpu` alone; the threads and processes it
// starts afterwards inherit that. Throws when the CPU is not there.
void pin_to_cpu(unsigned cpu);

// A child process started with posix_spawn; its stdout's first line is kept.
// cpu >= 0: the child (and every thread it starts) runs on that CPU alone.
class child_process {
 public:
  child_process(std::vector<std::string> argv, const std::string& what, int cpu = -1);
  ~child_process();  // SIGTERM, then wait
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  [[nodiscard]] const std::string& first_line() const noexcept { return first_line_; }
  // SIGKILL, and wait: the process dies with no chance to clean up.
  void kill_now() noexcept;

 private:
  pid_t pid_ = -1;
  std::string first_line_;
};

// Starts argv[0] (looked up in PATH) with this environment; -1 on failure.
[[nodiscard]] pid_t spawn_process(std::vector<std::string> argv);

// CPU time and memory of a process, from /proc.
struct process_sample {
  double cpu_s = 0;         // user + system
  std::uint64_t rss = 0;    // bytes (VmRSS)
  std::uint64_t peak = 0;   // bytes (VmHWM)
};
[[nodiscard]] process_sample sample_process(pid_t pid);

// One producer's handle on the server: each producer thread has its own.
class producer_port {
 public:
  virtual ~producer_port() = default;
  // false: refused (a full lane) or not written.
  virtual bool publish(const std::string& user, event_kind kind, std::uint64_t marker) = 0;
};

class server {
 public:
  virtual ~server() = default;
  [[nodiscard]] virtual server_kind kind() const noexcept = 0;
  [[nodiscard]] virtual unsigned short port() const noexcept = 0;
  [[nodiscard]] virtual pid_t pid() const noexcept = 0;
  // The request target a client of `user` upgrades on.
  [[nodiscard]] virtual std::string ws_target(const std::string& user) const = 0;
  [[nodiscard]] virtual std::unique_ptr<producer_port> producer() = 0;
  // ringcast only (faults): the shared-memory segment it drains, and a
  // SIGKILL of the bridge followed by a new one on the same port and segment.
  [[nodiscard]] virtual std::string segment() const { return {}; }
  virtual void crash_and_restart() { throw std::logic_error("this server cannot be restarted"); }
};

// Starts the server for a run: ringcast-bridge with the run's threads,
// connection and queue limits, or the Node baseline. Throws with a reason.
[[nodiscard]] std::unique_ptr<server> start_server(server_kind kind, const options& o);

// "u3". Appended rather than "u" + ...: GCC 12 warns falsely (-Wrestrict) on that.
[[nodiscard]] std::string user_name(unsigned i);

}  // namespace ringcast::bench
