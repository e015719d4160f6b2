// ringcast_test_consumer: the segment's consumer, for the multi-process tests.
//
//   ringcast_test_consumer --segment S --out FILE [--lane-batch N] [--batch N]
//       [--reclaim-ms MS] [--lanes L --capacity C]
//
// Attaches (prints "attached pid=P"; when refused prints "error: <message>"
// and exits 3) and polls until SIGTERM. Each record handed out is checked
// (payload checksum) and appended to FILE as a delivery_record with one
// write(2) inside the handler - before poll() stores the lane's read
// position - so a SIGKILL never loses a record that was handed out.
//
// Exactly-once on top of the at-least-once contract: on start it reads FILE
// and skips every (lane, seq) already there, appending it to
// FILE.redelivered instead (flagged if its content differs). On SIGTERM it
// drains what is committed, prints "done delivered=N redelivered=R", exits 0.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <string>
#include <unordered_map>
#include <utility>

#include "helper_args.hpp"
#include "mp_protocol.hpp"
#include "ringcast/shm/consumer.hpp"

namespace {

using namespace ringcast;

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free);  // touched by the signal handler

void on_sigterm(int) { g_stop.store(true, std::memory_order_relaxed); }

std::uint64_t key_of(std::uint32_t lane, std::uint64_t seq) { return (std::uint64_t{lane} << 44) ^ seq; }

void write_all(int fd, const test::delivery_record& rec) {
  const auto* p = reinterpret_cast<const char*>(&rec);
  std::size_t left = sizeof rec;
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      test::say("error: write to the output file failed");
      std::_Exit(6);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

// (lane, seq) -> (producer id, counter) of every record FILE already holds.
using seen_map = std::unordered_map<std::uint64_t, std::pair<std::uint32_t, std::uint64_t>>;

seen_map load_output(const std::string& path) {
  seen_map seen;
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    test::say("error: cannot open " + path);
    std::_Exit(6);
  }
  test::delivery_record rec{};
  off_t whole = 0;
  while (::read(fd, &rec, sizeof rec) == static_cast<ssize_t>(sizeof rec)) {
    seen.emplace(key_of(rec.lane, rec.seq), std::pair{rec.producer_id, rec.counter});
    whole += static_cast<off_t>(sizeof rec);
  }
  // A torn last record cannot happen (see delivery_record); drop one anyway.
  if (::ftruncate(fd, whole) != 0) std::_Exit(6);
  ::close(fd);
  return seen;
}

int run(const test::helper_args& args) {
  const std::string out_path = args.text("out");
  seen_map seen = load_output(out_path);
  const int out = ::open(out_path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  const int redo = ::open((out_path + ".redelivered").c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (out < 0 || redo < 0) {
    test::say("error: cannot open the output files");
    return 6;
  }

  shm::consumer_options copts;
  copts.lane_batch = static_cast<std::uint32_t>(args.number("lane-batch", copts.lane_batch));
  copts.batch = static_cast<std::uint32_t>(args.number("batch", copts.batch));
  copts.reclaim_interval = std::chrono::milliseconds(args.number("reclaim-ms", 50));
  std::unique_ptr<shm::consumer> c;
  try {
    c = std::make_unique<shm::consumer>(shm::segment::open_or_create(args.segment()), copts);
  } catch (const std::exception& e) {
    test::say(std::string("error: ") + e.what());
    return 3;
  }
  struct sigaction sa{};
  sa.sa_handler = on_sigterm;
  ::sigaction(SIGTERM, &sa, nullptr);
  test::say("attached pid=" + std::to_string(::getpid()));

  std::uint64_t delivered = 0, redelivered = 0;
  auto handle = [&](const shm::record_view& r) {
    const test::decoded_event ev = test::decode_event(r.payload);
    test::delivery_record rec{};
    rec.lane = r.lane;
    rec.producer_id = ev.header.producer_id;
    rec.seq = r.seq;
    rec.counter = ev.header.counter;
    rec.gap = static_cast<std::uint32_t>(std::min<std::uint64_t>(r.gap, UINT32_MAX));
    rec.lost = static_cast<std::uint16_t>(std::min<std::uint64_t>(r.lost, UINT16_MAX));
    rec.flags = static_cast<std::uint8_t>((ev.ok ? test::k_checksum_ok : 0) |
                                          (ev.header.end_marker != 0 ? test::k_is_end_marker : 0));
    const auto [it, fresh] = seen.emplace(key_of(r.lane, r.seq), std::pair{rec.producer_id, rec.counter});
    if (fresh) {
      write_all(out, rec);
      ++delivered;
    } else {
      if (it->second != std::pair{rec.producer_id, rec.counter}) rec.flags |= test::k_content_differs;
      write_all(redo, rec);
      ++redelivered;
    }
  };
  while (!g_stop.load(std::memory_order_relaxed)) {
    if (c->poll(handle) == 0) c->wait(std::chrono::milliseconds(10));
  }
  while (c->poll(handle) > 0) {
  }
  test::say("done delivered=" + std::to_string(delivered) + " redelivered=" + std::to_string(redelivered));
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return run(ringcast::test::helper_args(argc, argv)); }
