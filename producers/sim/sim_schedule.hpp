// When events are due: a steady rate with optional periodic bursts.
//
//   rate r, burst factor f, burst length L, period P (f <= 1: no bursts)
//
//   events/s
//   f*r |            ____                ____
//       |           |    |              |    |
//     r |___________|    |______________|    |________ ...
//       0           P   P+L            2P  2P+L        time
//
// The first burst starts after one period of steady load, so a run's first
// P seconds show the plain rate. Publishers ask due(t) how many events the
// clock says should be out by now and catch up to it (no spinning, no
// coordinated omission); time_of(n) is the inverse, the moment event n was
// due, which the simulator uses as the event's time in payloads.
#pragma once

#include <chrono>

namespace ringcast::sim {

struct burst_options {
  double factor = 1;                       // rate multiplier during a burst; 1 = no bursts
  std::chrono::milliseconds length{200};   // a burst's duration
  std::chrono::milliseconds period{2000};  // from one burst's start to the next
};

class sim_schedule {
 public:
  // rate > 0 events/s; a burst longer than its period is cut to the period.
  sim_schedule(double rate, burst_options burst) noexcept;

  // Events due by `t` seconds after the start (fractional).
  [[nodiscard]] double due(double t) const noexcept;
  // The time (s after the start) at which event number `n` (0-based, may be
  // fractional) is due: due(time_of(n)) == n.
  [[nodiscard]] double time_of(double n) const noexcept;
  // Average events/s over whole periods.
  [[nodiscard]] double mean_rate() const noexcept;
  [[nodiscard]] double rate() const noexcept { return rate_; }

 private:
  double rate_;
  double factor_;
  double length_;  // s
  double period_;  // s
};

}  // namespace ringcast::sim
