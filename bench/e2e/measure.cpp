#include "measure.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <thread>

#include "ringcast/shm/realtime_clock.hpp"

namespace ringcast::bench {

schedule make_schedule(const options& o) {
  schedule s;
  if (o.rate <= 0) return s;
  const double end_ns = o.duration_s * 1e9;
  const double spike_ns = o.burst_ms * 1e6, every_ns = o.burst_every_ms * 1e6;
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> unit(0, 1);
  for (double t = 0; t < end_ns;) {
    s.due.push_back(static_cast<std::int64_t>(t));
    s.user.push_back(unit(rng) < o.global_share ? -1 : static_cast<std::int32_t>(rng() % o.users));
    const bool spike = every_ns > 0 && std::fmod(t, every_ns) < spike_ns;
    t += 1e9 / (o.rate * (spike ? o.burst_factor : 1));
  }
  return s;
}

void wait_until(std::int64_t due_ns) {
  for (std::int64_t left = due_ns - shm::realtime_now_ns(); left > 0; left = due_ns - shm::realtime_now_ns())
    if (left > 60'000) std::this_thread::sleep_for(std::chrono::nanoseconds(left - 50'000));
}

latency_summary summarize(const bridge::latency_histogram::counts& c, double max_us) {
  latency_summary s;
  s.count = c.total;
  if (c.total == 0) return s;
  s.p50 = c.percentile_us(0.50);
  s.p90 = c.percentile_us(0.90);
  s.p99 = c.percentile_us(0.99);
  s.p999 = c.percentile_us(0.999);
  s.max = max_us;
  // Interpolation within the top bucket may pass the exact maximum.
  for (double* p : {&s.p50, &s.p90, &s.p99, &s.p999}) *p = std::min(*p, max_us);
  return s;
}

recorder::recorder(const schedule& s, bool last_receiver) : s_(s) {
  if (!last_receiver) return;
  last_ = std::make_unique<std::atomic<std::int64_t>[]>(s.due.size());
  for (std::size_t i = 0; i < s.due.size(); ++i) last_[i].store(-1, std::memory_order_relaxed);
}

void recorder::raise(std::atomic<std::int64_t>& max, std::int64_t v) noexcept {
  // Relaxed CAS loop: a maximum of statistics, nothing is published by it.
  for (auto seen = max.load(std::memory_order_relaxed);
       v > seen && !max.compare_exchange_weak(seen, v, std::memory_order_relaxed);) {
  }
}

bool recorder::on_event(std::uint64_t marker, std::int64_t publish_ns, std::int64_t now_ns) noexcept {
  if (marker < s_.marker_base || marker - s_.marker_base >= s_.due.size()) return false;
  marker -= s_.marker_base;
  const std::int64_t pub = std::max<std::int64_t>(0, now_ns - publish_ns);
  const std::int64_t sched = std::max<std::int64_t>(0, now_ns - (s_.start_ns + s_.due[marker]));
  publish_.record_ns(pub);
  schedule_.record_ns(sched);
  raise(publish_max_, pub);
  raise(schedule_max_, sched);
  if (last_) raise(last_[marker], pub);
  events_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void recorder::settle(std::uint64_t expected) const {
  using namespace std::chrono_literals;
  auto last_progress = std::chrono::steady_clock::now();
  const auto give_up = last_progress + 10s;
  for (std::uint64_t seen = events(); seen < expected;) {
    std::this_thread::sleep_for(20ms);
    const auto now = std::chrono::steady_clock::now();
    if (events() != seen) seen = events(), last_progress = now;
    if (now - last_progress > 1s || now > give_up) break;
  }
}

latency_summary recorder::publish_to_receive() const noexcept {
  return summarize(publish_.read(), static_cast<double>(publish_max_.load(std::memory_order_relaxed)) / 1e3);
}

latency_summary recorder::schedule_to_receive() const noexcept {
  return summarize(schedule_.read(), static_cast<double>(schedule_max_.load(std::memory_order_relaxed)) / 1e3);
}

latency_summary recorder::last_receiver() const {
  bridge::latency_histogram h;
  std::int64_t max = 0;
  for (std::size_t i = 0; last_ && i < s_.due.size(); ++i) {
    const auto v = last_[i].load(std::memory_order_relaxed);
    if (v < 0) continue;
    h.record_ns(v);
    max = std::max(max, v);
  }
  return summarize(h.read(), static_cast<double>(max) / 1e3);
}

std::vector<std::pair<double, double>> recorder::spectrum() const {
  const auto c = publish_.read();
  std::vector<std::pair<double, double>> out;
  if (c.total == 0) return out;
  const double max_us = static_cast<double>(publish_max_.load(std::memory_order_relaxed)) / 1e3;
  // Evenly spaced on the plot's axis, 1 / (1 - q): 0, 90, 99, 99.9, 99.99 % are equally far apart.
  for (double k = 0; k <= 4.0001; k += 0.05) {
    const double q = 1 - std::pow(10.0, -k);
    if (static_cast<double>(c.total) * (1 - q) < 1) break;  // beyond what this many samples can say
    out.emplace_back(q * 100, std::min(max_us, c.percentile_us(std::max(q, 1e-9))));
  }
  return out;
}

bool run_result::kept_up(double p99_us) const noexcept {
  const double offered = duration_s > 0 ? static_cast<double>(expected) / duration_s : 0;
  return lost() == 0 && delivered_per_s >= 0.95 * offered && schedule_to_receive.p99 <= p99_us;
}

}  // namespace ringcast::bench
