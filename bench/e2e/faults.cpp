// The faults scenario: committed events must survive a producer or the
// bridge dying by SIGKILL under load.
//   1. producers killed: --producers processes (the bench itself, in
//      --fault-producer mode) publish the schedule; every 150-500 ms one of
//      them, at random, is SIGKILLed and a new one resumes its share.
//   2. bridge killed: one producer publishes the schedule; a third of the
//      way in, the bridge is SIGKILLed and a new one started on the same
//      port and segment; the clients reconnect every 50 ms until it answers.
// Every client tracks which markers of its user it got; lost = committed
// events a client never got.
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <random>
#include <thread>

#include "clients.hpp"
#include "fault_producer.hpp"
#include "faults.hpp"
#include "ringcast/shm/realtime_clock.hpp"

namespace ringcast::bench {

namespace {

using namespace std::chrono_literals;

schedule uniform_schedule(const options& o) {
  schedule s;
  const auto n = static_cast<std::size_t>(o.rate * o.duration_s);
  for (std::size_t i = 0; i < n; ++i) {
    s.due.push_back(static_cast<std::int64_t>(static_cast<double>(i) * 1e9 / o.rate));
    s.user.push_back(static_cast<std::int32_t>(i % o.users));
  }
  return s;
}

// Events due this close to the bridge's SIGKILL may be in the dead bridge's
// hands, drained and not yet written: counted apart (fault_tally).
constexpr std::int64_t k_in_flight_ns = 10'000'000;

// in_lo..in_hi: the markers due within k_in_flight_ns of a bridge kill.
run_result result_of(const options& o, std::string phase, const recorder& rec, const measured_clients& clients,
                     fault_tally f, const server& srv, const process_sample& before, std::int64_t start_ns,
                     std::size_t in_lo = 0, std::size_t in_hi = 0) {
  run_result r;
  // The bridge's CPU over the phase (after a restart: the new bridge's alone).
  r.server_before = before;
  r.server_after = sample_process(srv.pid());
  const double wall_s = static_cast<double>(shm::realtime_now_ns() - start_ns) / 1e9;
  r.server_cpu_percent = std::max(0.0, r.server_after.cpu_s - before.cpu_s) / wall_s * 100;
  r.scenario = o.scenario;
  r.phase = std::move(phase);
  r.clients = o.clients, r.users = o.users, r.producers = o.producers;
  r.offered_per_s = o.rate, r.duration_s = o.duration_s;
  const auto v = clients.faults(o.users, in_lo, in_hi);
  f.lost = v.missing - v.missing_in;
  f.lost_in_flight = v.missing_in;
  f.duplicates = v.duplicates;
  f.reconnects = v.reconnects;
  r.published = f.committed;
  r.delivered_per_s = static_cast<double>(rec.events()) / o.duration_s;
  // Client c is promised every committed i with i % users == c % users.
  for (unsigned c = 0; c < o.clients; ++c)
    r.expected += f.committed / o.users + (c % o.users < f.committed % o.users ? 1 : 0);
  r.received = r.expected - std::min(r.expected, v.missing);  // distinct events got: duplicates do not cover a loss
  r.frames = rec.frames();
  r.gaps = rec.gaps();
  r.publish_to_receive = rec.publish_to_receive();
  r.schedule_to_receive = rec.schedule_to_receive();
  r.spectrum = rec.spectrum();
  r.fault = f;
  return r;
}

// The slots the producer processes resume from, in a file they map.
class slots_file {
 public:
  explicit slots_file(unsigned producers) : path_("/dev/shm/rcbench-slots-" + std::to_string(::getpid())) {
    const int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || ::ftruncate(fd, sizeof(fault_slots)) != 0) throw std::runtime_error("cannot create " + path_);
    void* m = ::mmap(nullptr, sizeof(fault_slots), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
    if (m == MAP_FAILED) throw std::runtime_error("cannot map " + path_);
    slots_ = static_cast<fault_slots*>(m);
    for (unsigned p = 0; p < producers; ++p) slots_->next[p].store(p, std::memory_order_relaxed);  // before any child
  }
  ~slots_file() {
    ::munmap(slots_, sizeof(fault_slots));
    ::unlink(path_.c_str());
  }
  slots_file(const slots_file&) = delete;
  slots_file& operator=(const slots_file&) = delete;
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  // Acquire: pairs with the producer's release store after its publish.
  [[nodiscard]] std::uint64_t next(unsigned p) const noexcept { return slots_->next[p].load(std::memory_order_acquire); }

 private:
  std::string path_;
  fault_slots* slots_ = nullptr;
};

run_result producers_killed(const options& o, const std::string& self) {
  options no_hold = o;  // the bridge is not restarted here: nothing to hold the ring for
  no_hold.startup_hold_ms = 0;
  auto srv = start_server(server_kind::ringcast, no_hold);
  measured_clients clients(*srv, o.clients, o.users, o.client_threads);
  auto s = uniform_schedule(o);
  clients.track(s.due.size(), false);
  recorder rec(s, false);
  slots_file slots(o.producers);
  const auto before = sample_process(srv->pid());
  s.start_ns = shm::realtime_now_ns() + 300'000'000;  // the processes' start-up
  clients.start(rec);
  const stop_guard stop_clients{clients};
  auto spawn = [&](unsigned p) {
    const pid_t pid = spawn_process({self, "--fault-producer", srv->segment(), slots.path(), std::to_string(p),
                                     std::to_string(o.producers), std::to_string(o.users), std::to_string(o.rate),
                                     std::to_string(s.start_ns), std::to_string(s.due.size())});
    if (pid < 0) throw std::runtime_error("cannot start a producer process");
    return pid;
  };
  std::vector<pid_t> pids;
  // Whatever happens, no producer process outlives the phase.
  struct reaper {
    std::vector<pid_t>& pids;
    ~reaper() {
      for (auto& pid : pids)
        if (pid > 0 && ::kill(pid, SIGKILL) == 0) ::waitpid(pid, nullptr, 0);
    }
  } const reap{pids};
  for (unsigned p = 0; p < o.producers; ++p) pids.push_back(spawn(p));
  fault_tally f;
  std::mt19937 rng(7);
  const std::int64_t end_ns = s.start_ns + static_cast<std::int64_t>(o.duration_s * 1e9);
  for (unsigned alive = o.producers; alive > 0;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 350));
    if (shm::realtime_now_ns() < end_ns) {
      const auto p = static_cast<unsigned>(rng() % o.producers);
      if (pids[p] > 0 && ::kill(pids[p], SIGKILL) == 0) {
        ::waitpid(pids[p], nullptr, 0);
        ++f.kills;
        pids[p] = slots.next(p) < s.due.size() ? spawn(p) : -1;
      }
    }
    alive = 0;
    for (auto& pid : pids) {
      if (pid > 0 && ::waitpid(pid, nullptr, WNOHANG) == pid) pid = -1;
      alive += pid > 0 ? 1u : 0u;
    }
  }
  rec.settle(~std::uint64_t{0});  // duplicates may come: until quiet
  clients.stop();
  f.committed = s.due.size();  // every producer's slot reached the end: each event committed at least once
  for (unsigned p = 0; p < o.producers; ++p)
    if (slots.next(p) < s.due.size()) throw std::runtime_error("a producer process stopped before its end");
  return result_of(o, "producers killed", rec, clients, f, *srv, before, s.start_ns);
}

run_result bridge_killed(const options& o) {
  auto srv = start_server(server_kind::ringcast, o);
  measured_clients clients(*srv, o.clients, o.users, o.client_threads);
  auto s = uniform_schedule(o);
  clients.track(s.due.size(), true);
  recorder rec(s, false);
  // After the first bridge's own start-up hold.
  s.start_ns = shm::realtime_now_ns() + (std::int64_t{o.startup_hold_ms} + 50) * 1'000'000;
  auto port = srv->producer();
  clients.start(rec);
  const stop_guard stop_clients{clients};
  std::atomic<bool> give_up{false}, done{false};  // relaxed: flags polled; the join orders the rest
  std::thread producer([&] {
    for (std::size_t i = 0; i < s.due.size() && !give_up.load(std::memory_order_relaxed); ++i) {
      wait_until(s.start_ns + s.due[i]);
      // A full lane while no bridge drains it: wait for the new one, not forever.
      while (!port->publish(user_name(static_cast<unsigned>(i % o.users)), event_kind::order, i) &&
             !give_up.load(std::memory_order_relaxed))
        std::this_thread::sleep_for(100us);
    }
    done.store(true, std::memory_order_relaxed);
  });
  struct joiner {
    std::thread& t;
    std::atomic<bool>& stop;
    ~joiner() {
      stop.store(true, std::memory_order_relaxed);
      if (t.joinable()) t.join();
    }
  } const join_producer{producer, give_up};
  std::this_thread::sleep_until(std::chrono::system_clock::time_point(std::chrono::nanoseconds(s.start_ns)) +
                                std::chrono::duration<double>(o.duration_s / 3));
  fault_tally f;
  const std::int64_t kill_ns = shm::realtime_now_ns();
  srv->crash_and_restart();
  const auto before = sample_process(srv->pid());
  f.kills = 1;
  // The schedule's end, and 10 s for a full lane to drain, at most.
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(o.duration_s) + 10s;
  while (!done.load(std::memory_order_relaxed) && std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(50ms);
  give_up.store(true, std::memory_order_relaxed);
  producer.join();
  rec.settle(~std::uint64_t{0});  // duplicates may come: until quiet
  clients.stop();
  f.committed = s.due.size();
  std::size_t in_lo = 0, in_hi = 0;
  while (in_lo < s.due.size() && s.start_ns + s.due[in_lo] < kill_ns - k_in_flight_ns) ++in_lo;
  for (in_hi = in_lo; in_hi < s.due.size() && s.start_ns + s.due[in_hi] <= kill_ns + k_in_flight_ns;) ++in_hi;
  auto r = result_of(o, "bridge killed", rec, clients, f, *srv, before, kill_ns, in_lo, in_hi);
  const auto v = clients.faults(o.users);
  r.fault->recovery_ms = v.last_back_ns > kill_ns ? static_cast<double>(v.last_back_ns - kill_ns) / 1e6 : 0;
  return r;
}

std::string self_exe() {
  char buf[4096];
  const auto n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw std::runtime_error("cannot read /proc/self/exe");
  return std::string(buf, static_cast<std::size_t>(n));
}

}  // namespace

std::vector<run_result> run_faults(const options& o) {
  std::vector<run_result> out;
  out.push_back(producers_killed(o, self_exe()));
  out.push_back(bridge_killed(o));
  return out;
}

}  // namespace ringcast::bench
