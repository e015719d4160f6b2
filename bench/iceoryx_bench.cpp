// One-way latency of iceoryx (Eclipse iceoryx 2.0, Debian's packages)
// between two processes, measured exactly as latency_bench.cpp measures
// ringcast with the consumer spinning: the same schedule, stamps, payload
// sizes, percentiles and counters (latency.hpp), so that
// latency/processes/iceoryx/<size> reads beside
// latency/processes/spinning/<size> in the same run.
//
//   Publisher: UntypedPublisher without history. Each event is loan()ed,
//     the payload copied in (as publish_raw copies the caller's bytes into
//     the ring) and publish()ed.
//   Subscriber: UntypedSubscriber with the largest queue iceoryx allows,
//     256 events: 1.3 ms at this rate, where a ringcast lane holds 2-11 k.
//     A subscriber descheduled for longer (it happens on a busy 2-CPU
//     machine) would lose events, which fails the benchmark, so the
//     publisher waits for room instead (BLOCK_PRODUCER / WAIT_FOR_CONSUMER)
//     and the wait shows in the due-based latency, as it should.
//     It busy-polls: take(), and cpu_relax() after an empty one, as
//     ringcast's consumer spins in wait() (spin = 10 s, k_spinning). No
//     WaitSet: it would sleep on a semaphore, the counterpart of ringcast's
//     "asleep" case, which is not compared.
//
// What iceoryx needs besides, none of it in the measured path:
//   - RouDi, its daemon (roudi_daemon below).
//   - Its runtime is one per process and must be initialised after fork():
//     a child of an initialised process would share the parent's
//     registration with RouDi. So the bench process never initialises it:
//     publisher and subscriber each run in a forked child under a runtime
//     name of their own (the publisher pinned to the producer CPU under
//     --pin), and the bench process waits for them asleep.
//   - Each run has a service of its own: RouDi keeps the ports of an
//     earlier run's processes until its monitoring sees them dead (1.5 s),
//     and a publisher connected to a dead subscriber would wait for it.
#include <benchmark/benchmark.h>
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "benches.hpp"
#include "iceoryx_hoofs/log/logmanager.hpp"
#include "iceoryx_hoofs/platform/platform_settings.hpp"
#include "iceoryx_posh/iceoryx_posh_types.hpp"
#include "iceoryx_posh/popo/untyped_publisher.hpp"
#include "iceoryx_posh/popo/untyped_subscriber.hpp"
#include "iceoryx_posh/runtime/posh_runtime.hpp"
#include "latency.hpp"
#include "support.hpp"

namespace ringcast::bench {

namespace {

using namespace std::chrono_literals;

// Polls pred() until it holds (true), broken() holds or the timeout passes
// (pred() decides then). Asleep in between, 1 ms at first, up to 20 ms: the
// bench process must not take a CPU from the two processes it measures.
bool sleep_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout,
                 const std::function<bool()>& broken) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (auto pause = 1ms; !pred(); pause = std::min(2 * pause, std::chrono::milliseconds(20))) {
    if (broken() || std::chrono::steady_clock::now() > deadline) return pred();
    std::this_thread::sleep_for(pause);
  }
  return true;
}

// ---- files a runtime leaves ----

// A runtime named N leaves its socket /tmp/N and /tmp/N.lock behind, as
// our children _exit() without destroying it. Removed after each run, and
// those of a bench that was killed when the next one starts.
constexpr std::string_view k_runtime_prefix = "rcbench-iox-";  // + "<bench pid>-<run>-{pub,sub}"

void remove_runtime_files(const std::string& name) noexcept {
  ::unlink((std::string(iox::platform::IOX_UDS_SOCKET_PATH_PREFIX) + name).c_str());
  ::unlink((std::string(iox::platform::IOX_LOCK_FILE_PATH_PREFIX) + name + ".lock").c_str());
}

void remove_stale_runtime_files() {
  for (const char* dir_path : {iox::platform::IOX_UDS_SOCKET_PATH_PREFIX, iox::platform::IOX_LOCK_FILE_PATH_PREFIX}) {
    DIR* dir = ::opendir(dir_path);
    if (dir == nullptr) continue;
    while (const dirent* e = ::readdir(dir)) {
      const std::string_view name(e->d_name);
      if (!name.starts_with(k_runtime_prefix)) continue;
      const std::string_view rest = name.substr(k_runtime_prefix.size());
      pid_t pid = 0;
      const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), pid);
      if (ec != std::errc{} || pid <= 0 || ::kill(pid, 0) == 0 || errno != ESRCH) continue;  // its bench still runs
      ::unlink((std::string(dir_path) + std::string(name)).c_str());
    }
    ::closedir(dir);
  }
}

// ---- RouDi ----

// RouDi holds this file's flock while it runs (iceoryx 2.0:
// /tmp/iox-unique-roudi.lock); what it prints once apps may register.
const std::string k_roudi_lock =
    std::string(iox::platform::IOX_LOCK_FILE_PATH_PREFIX) + iox::roudi::ROUDI_LOCK_NAME + ".lock";
constexpr const char* k_roudi_ready = "RouDi is ready for clients";

bool roudi_running() noexcept {
  const int fd = ::open(k_roudi_lock.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);  // drops our lock, if we got it
  return held;
}

// ensure() makes sure a RouDi runs, once per run: one already running is
// used as it is; otherwise iox-roudi is started as our child, its output in
// a memfd, and is ready when it prints so. A RouDi that was killed leaves
// /dev/shm/iceoryx_mgmt, /dev/shm/<user> and /tmp/roudi behind; the next one
// recreates them itself (iceoryx 2.0.3 does), so nothing is removed here.
// Ours gets SIGTERM at exit (it then removes its shm), or from the kernel
// if the bench dies first (PR_SET_PDEATHSIG). Not before its monitoring has
// dropped our children, which _exit() unregistered: RouDi 2.0.3 would
// SIGTERM them on shutdown, and abort (leaving its shm) when they are gone.
class roudi_daemon {
 public:
  roudi_daemon() = default;
  roudi_daemon(const roudi_daemon&) = delete;
  roudi_daemon& operator=(const roudi_daemon&) = delete;
  ~roudi_daemon() { stop(); }

  // After a failure that every later run would repeat (a RouDi that does
  // not answer): they report `why` at once.
  void give_up(const std::string& why) { error_ = why; }

  // Our children that registered with RouDi have exited.
  void apps_gone() noexcept { apps_gone_ = std::chrono::steady_clock::now(); }

  // "" when a RouDi runs, otherwise why not.
  std::string ensure() {
    if (!tried_) {
      tried_ = true;
      remove_stale_runtime_files();
      error_ = start();
    }
    if (error_.empty() && !roudi_running()) return "RouDi is no longer running";
    return error_;
  }

 private:
  std::string start() {
    if (roudi_running()) {
      std::fprintf(stderr, "ringcast-bench-shm: iceoryx: using the RouDi already running\n");
      return "";
    }
    log_ = ::memfd_create("iox-roudi-output", MFD_CLOEXEC);
    if (log_ < 0) return std::string("memfd_create: ") + std::strerror(errno);
    const pid_t parent = ::getpid();
    std::fflush(nullptr);
    pid_ = ::fork();
    if (pid_ < 0) return std::string("fork: ") + std::strerror(errno);
    if (pid_ == 0) {  // async-signal-safe calls only until exec
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != parent) ::_exit(127);
      cpu_set_t all;  // not on the producer's CPU that this thread may be pinned to
      std::memset(&all, 0xff, sizeof all);
      ::sched_setaffinity(0, sizeof all, &all);
      ::dup2(log_, STDOUT_FILENO);
      ::dup2(log_, STDERR_FILENO);
      ::execlp(RINGCAST_IOX_ROUDI, RINGCAST_IOX_ROUDI, static_cast<char*>(nullptr));
      constexpr char msg[] = "cannot execute " RINGCAST_IOX_ROUDI "\n";
      (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
      ::_exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (output().find(k_roudi_ready) == std::string::npos) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        if (roudi_running()) return "";  // another one started meanwhile
        const std::string how = WIFEXITED(status) ? "with code " + std::to_string(WEXITSTATUS(status))
                                                  : "of signal " + std::to_string(WTERMSIG(status));
        return "iox-roudi exited " + how + " before it was ready: " + last_line();
      }
      if (std::chrono::steady_clock::now() > deadline) {
        stop();
        return "iox-roudi was not ready after 10 s: " + last_line();
      }
      std::this_thread::sleep_for(5ms);
    }
    std::fprintf(stderr, "ringcast-bench-shm: iceoryx: started %s (pid %d)\n", RINGCAST_IOX_ROUDI, pid_);
    return "";
  }

  void stop() noexcept {
    if (pid_ > 0 && ::getpid() == owner_) {  // never from a forked child
      const auto dropped =
          apps_gone_ + std::chrono::milliseconds(iox::runtime::PROCESS_KEEP_ALIVE_TIMEOUT.toMilliseconds() +
                                                 3 * iox::roudi::DISCOVERY_INTERVAL.toMilliseconds());
      std::this_thread::sleep_until(dropped);
      ::kill(pid_, SIGTERM);
      int status = 0;
      const auto deadline = std::chrono::steady_clock::now() + 5s;
      while (::waitpid(pid_, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
          ::kill(pid_, SIGKILL);
          ::waitpid(pid_, &status, 0);
          break;
        }
        std::this_thread::sleep_for(5ms);
      }
    }
    pid_ = -1;
    if (log_ >= 0 && ::getpid() == owner_) ::close(log_);
    log_ = -1;
  }

  [[nodiscard]] std::string output() const {
    std::string text(1 << 16, '\0');
    const ssize_t n = ::pread(log_, text.data(), text.size(), 0);
    text.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return text;
  }

  // RouDi's last line of output, without its colour codes.
  [[nodiscard]] std::string last_line() const {
    std::string plain;
    const std::string text = output();
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\x1b') {
        while (i < text.size() && text[i] != 'm') ++i;
      } else {
        plain += text[i];
      }
    }
    while (!plain.empty() && (plain.back() == '\n' || plain.back() == ' ')) plain.pop_back();
    const std::size_t nl = plain.rfind('\n');
    return nl == std::string::npos ? plain : plain.substr(nl + 1);
  }

  pid_t pid_ = -1;            // the RouDi we started, if any
  pid_t owner_ = ::getpid();  // the bench process
  int log_ = -1;              // that RouDi's stdout and stderr
  bool tried_ = false;
  std::string error_;
  std::chrono::steady_clock::time_point apps_gone_{};
};

roudi_daemon& roudi() {
  static roudi_daemon d;
  return d;
}

// ---- publisher and subscriber ----

// The publisher's side of the shared memory; `ctl`: ready once connected
// to the subscriber, done once everything was sent; failed, message,
// preempted as for any child.
struct producer_control {
  shared_control ctl;
  alignas(128) std::atomic<std::uint32_t> go{0};  // bench: start the schedule
  std::atomic<std::int64_t> late_max_ns{0};       // publisher, before done
  std::atomic<std::uint64_t> dropped{0};          // publisher, before done: loans refused
};

void init_runtime(const std::string& name) {
  // Debian's build logs at debug level by default; keep warnings and errors.
  iox::log::LogManager::GetLogManager().SetDefaultLogLevel(iox::log::LogLevel::kWarn,
                                                           iox::log::LogLevelOutput::kHideLogLevel);
  iox::runtime::PoshRuntime::initRuntime(iox::RuntimeName_t(iox::cxx::TruncateToCapacity, name.c_str()));
}

iox::capro::IdString_t id_string(const std::string& s) { return {iox::cxx::TruncateToCapacity, s.c_str()}; }

void run_subscriber(const std::string& runtime, const iox::capro::ServiceDescription& service, shared_control& ctl,
                    latency_samples& samples, std::size_t size) {
  init_runtime(runtime);
  iox::popo::SubscriberOptions options;
  options.queueCapacity = iox::MAX_SUBSCRIBER_QUEUE_CAPACITY;
  options.queueFullPolicy = iox::popo::QueueFullPolicy::BLOCK_PRODUCER;
  iox::popo::UntypedSubscriber sub(service, options);
  // SYNC POINT (release): pairs with the bench's acquire load of ready.
  ctl.ready.store(1, std::memory_order_release);
  std::uint64_t received = 0;
  for (std::uint32_t idle = 0;;) {
    const auto taken = sub.take();
    if (taken.has_error()) {
      if (taken.get_error() != iox::popo::ChunkReceiveResult::NO_CHUNK_AVAILABLE)
        throw std::runtime_error(std::string("take(): ") + iox::popo::asStringLiteral(taken.get_error()));
      cpu_relax();
      // SYNC POINT (acquire): pairs with consumer_side::stop()'s release;
      // set before the stop sign only when the bench gave up.
      if ((++idle & 1023u) == 0 && ctl.stop.load(std::memory_order_acquire) != 0) break;
      continue;
    }
    const std::int64_t now = steady_ns();
    const void* chunk = taken.value();
    const bool more = samples.record({static_cast<const std::byte*>(chunk), size}, now);
    sub.release(chunk);
    if (!more) break;
    ++received;
  }
  ctl.received.store(received, std::memory_order_relaxed);
  // SYNC POINT (release): publishes the samples and received; pairs with
  // the bench's acquire load of done.
  ctl.done.store(1, std::memory_order_release);
}

void run_publisher(const std::string& runtime, const iox::capro::ServiceDescription& service, producer_control& pc,
                   const latency_plan& plan, std::size_t size) {
  pin_to(k_producer_cpu);  // child_process put it on the consumer's
  init_runtime(runtime);
  iox::popo::PublisherOptions options;
  options.subscriberTooSlowPolicy = iox::popo::ConsumerTooSlowPolicy::WAIT_FOR_CONSUMER;
  iox::popo::UntypedPublisher pub(service, options);
  // RouDi connects the two in its discovery loop (every 100 ms).
  if (!sleep_until([&] { return pub.hasSubscribers(); }, 10s, [] { return false; }))
    throw std::runtime_error("no subscriber connected within 10 s");
  // SYNC POINT (release): pairs with the bench's acquire load of ready.
  pc.ctl.ready.store(1, std::memory_order_release);
  // SYNC POINT (acquire): pairs with the bench's release store of go.
  if (!wait_until([&] { return pc.go.load(std::memory_order_acquire) != 0; }, pc.ctl, 10s))
    throw std::runtime_error("the bench did not say go");

  std::vector<std::byte> payload(size);
  const auto publish = [&](std::span<const std::byte> bytes) {
    auto chunk = pub.loan(static_cast<std::uint32_t>(bytes.size()));
    if (chunk.has_error()) return false;
    std::memcpy(chunk.value(), bytes.data(), bytes.size());
    pub.publish(chunk.value());
    return true;
  };
  std::uint64_t dropped = 0;
  const std::int64_t late_max = send_on_schedule(plan, payload, [&](std::span<const std::byte> bytes) {
    if (publish(bytes)) return true;
    ++dropped;
    return false;
  });
  make_stop_sign(payload);
  bool sent_stop = false;
  (void)wait_until([&] { return sent_stop = sent_stop || publish(payload); }, pc.ctl, 5s);
  pc.late_max_ns.store(late_max, std::memory_order_relaxed);
  pc.dropped.store(dropped, std::memory_order_relaxed);
  // SYNC POINT (release): publishes late_max_ns and dropped; pairs with the
  // bench's acquire load of done.
  pc.ctl.done.store(1, std::memory_order_release);
  // Keep the publisher offered until the subscriber has the stop sign.
  // SYNC POINT (acquire): pairs with the bench's release store of stop.
  (void)sleep_until([&] { return pc.ctl.stop.load(std::memory_order_acquire) != 0; }, 30s, [] { return false; });
}

// ---- the benchmark ----

void bm_iceoryx_latency(benchmark::State& state, std::size_t size) {
  const latency_plan& plan = k_spinning;
  if (const std::string why = roudi().ensure(); !why.empty()) {
    state.SkipWithError(("iceoryx: " + why).c_str());
    return;
  }
  static int runs = 0;
  const std::string id = std::string(k_runtime_prefix) + std::to_string(::getpid()) + "-" + std::to_string(runs++);
  const iox::capro::ServiceDescription service{"ringcast-bench", id_string(id), id_string(std::to_string(size) + "B")};
  shared_region region(sizeof(shared_control));
  auto& ctl = region.construct<shared_control>();
  shared_region producer_region(sizeof(producer_control));
  auto& pc = producer_region.construct<producer_control>();
  latency_samples samples(plan);
  // SYNC POINT (acquire), each load of failed: pairs with report_failure().
  const auto failed = [&] {
    return ctl.failed.load(std::memory_order_acquire) != 0 || pc.ctl.failed.load(std::memory_order_acquire) != 0;
  };
  const auto why = [&](const char* what) {
    return failure_text(pc.ctl.failed.load(std::memory_order_acquire) != 0 ? pc.ctl : ctl, what);
  };

  // Declared before the children, so that it runs after they are gone.
  struct runtime_files {
    std::string sub, pub;
    ~runtime_files() {
      remove_runtime_files(sub);
      remove_runtime_files(pub);
      roudi().apps_gone();
    }
  } const names{id + "-sub", id + "-pub"};
  consumer_side consumer(where::processes, ctl, [&] { run_subscriber(names.sub, service, ctl, samples, size); });
  // SYNC POINT (acquire): pairs with the subscriber's release store of ready.
  if (!sleep_until([&] { return ctl.ready.load(std::memory_order_acquire) != 0; }, 10s,
                   [&] { return failed() || !consumer.child()->running(); })) {
    const std::string text = why("the subscriber did not start (does RouDi answer?)");
    if (ctl.failed.load(std::memory_order_acquire) == 0) roudi().give_up(text);
    state.SkipWithError(("iceoryx: " + text).c_str());
    return;
  }
  child_process producer(pc.ctl, [&] { run_publisher(names.pub, service, pc, plan, size); });
  // SYNC POINT (acquire): pairs with the publisher's release store of ready.
  if (!sleep_until([&] { return pc.ctl.ready.load(std::memory_order_acquire) != 0; }, 15s,
                   [&] { return failed() || !producer.running(); })) {
    state.SkipWithError(why("iceoryx: the publisher did not connect").c_str());
    return;
  }
  for (auto _ : state) {
    // SYNC POINT (release): pairs with the publisher's acquire load of go.
    pc.go.store(1, std::memory_order_release);
    const auto run_time =
        std::chrono::milliseconds(plan.total() * static_cast<std::uint64_t>(plan.interval_ns) / 1'000'000);
    // SYNC POINT (acquire), each load of done: pairs with its release store.
    if (!sleep_until([&] { return ctl.done.load(std::memory_order_acquire) != 0; }, run_time + 10s,
                     [&] {
                       return failed() || !consumer.child()->running() ||
                              (!producer.running() && pc.ctl.done.load(std::memory_order_acquire) == 0);
                     })) {
      state.SkipWithError(why("iceoryx: the subscriber did not finish").c_str());
      return;
    }
  }
  // SYNC POINT (release): pairs with the publisher's acquire load of stop.
  pc.ctl.stop.store(1, std::memory_order_release);
  const bool published = producer.join(5s) && pc.ctl.done.load(std::memory_order_acquire) != 0;
  if (!consumer.stop() || !published || failed()) {
    state.SkipWithError(why("iceoryx: a side failed").c_str());
    return;
  }
  const std::uint64_t dropped = pc.dropped.load(std::memory_order_relaxed);  // relaxed: after the acquire of done
  if (const std::uint64_t missing = samples.missing(); missing > 0 || dropped > 0) {
    state.SkipWithError(
        ("iceoryx: events lost: " + std::to_string(missing) + " missing, " + std::to_string(dropped) + " loans refused")
            .c_str());
    return;
  }
  samples.report(state);
  // Relaxed: both children have exited (and done was acquired).
  state.counters["producer_late_max_ns"] = static_cast<double>(pc.late_max_ns.load(std::memory_order_relaxed));
  state.counters["preempted"] = static_cast<double>(pc.ctl.preempted.load(std::memory_order_relaxed) +
                                                    ctl.preempted.load(std::memory_order_relaxed));
  state.counters["slept_per_event"] = 0;  // it busy-polls, never sleeps
  state.SetLabel("one-way due->handler latency, " + std::to_string(size) +
                 " B, iceoryx 2.0, processes, subscriber busy-polling, every " +
                 std::to_string(plan.interval_ns / 1000) + " us");
}

}  // namespace

void register_iceoryx_benchmarks() {
  for (const std::size_t size : k_payload_sizes) {
    const std::string n = "latency/processes/iceoryx/" + std::to_string(size) + "B";
    benchmark::RegisterBenchmark(n.c_str(), bm_iceoryx_latency, size)
        ->Iterations(1)
        ->Repetitions(5)
        ->DisplayAggregatesOnly(true)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  }
}

}  // namespace ringcast::bench
