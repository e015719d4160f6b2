// ringcast_test_producer: one producer process for the multi-process tests.
//
//   ringcast_test_producer --segment S --id ID --count N [--rate EVENTS_PER_S]
//       [--seed X] [--wait-ms MS] [--end-marker] [--hold] [--lanes L --capacity C]
//
// Claims a lane and prints "claimed lane=L pid=P", then makes N publish
// attempts (counter 0..N-1) whose payload carries (ID, counter, checksum) -
// see mp_protocol.hpp. A drop for a full ring still consumes its counter, so
// the consumer can match every record's gap against the counters it skipped.
// --end-marker: then publishes one more event flagged as the last, retrying
// (each retry a new counter) until it is committed, so that trailing drops
// too are reported by a gap. Prints "done published=P dropped=D"; with
// --hold it then keeps its lane until stdin closes.
//
// Exit codes: 0 done; 2 usage; 3 segment or lane refused (the message follows
// "error:" on stdout); 4 unexpected publish status; 5 end marker not committed.
#include <time.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <string>
#include <thread>

#include "helper_args.hpp"
#include "mp_protocol.hpp"
#include "ringcast/shm/publisher.hpp"

namespace {

using namespace ringcast;
using clock_type = std::chrono::steady_clock;

std::string user_for(std::uint32_t id, std::uint64_t counter) {
  if (counter % 5 == 0) return {};  // a global event now and then
  return "user-" + std::to_string(id % 7);
}

int run(const test::helper_args& args) {
  const auto id = static_cast<std::uint32_t>(args.number("id", 0));
  const std::uint64_t count = args.number("count", 1000);
  const std::uint64_t rate = args.number("rate", 0);  // events/s; 0 = as fast as the ring takes them
  const std::uint64_t seed = args.number("seed", 1);
  const shm::publisher_options popts{.wait_when_full = std::chrono::milliseconds(args.number("wait-ms", 0))};

  std::shared_ptr<shm::segment> seg;
  std::unique_ptr<shm::publisher> pub;
  try {
    seg = shm::segment::open_or_create(args.segment());
    pub = std::make_unique<shm::publisher>(seg, popts);
  } catch (const std::exception& e) {
    test::say(std::string("error: ") + e.what());
    return 3;
  }
  test::say("claimed lane=" + std::to_string(pub->lane()) + " pid=" + std::to_string(::getpid()));

  std::array<std::byte, test::k_max_event_size> buf{};
  auto publish = [&](std::uint64_t counter, bool end) {
    const std::size_t n = test::encode_event(buf, seed, id, counter, end);
    return pub->publish_raw(shm::event_type::system_log, 1, user_for(id, counter), std::span(buf).first(n));
  };
  const auto start = clock_type::now();
  std::uint64_t counter = 0;
  for (; counter < count; ++counter) {
    if (rate > 0 && counter % 16 == 0) {  // pacing, in bursts of 16
      const auto due = start + std::chrono::nanoseconds(counter * 1'000'000'000ULL / rate);
      if (clock_type::now() < due) std::this_thread::sleep_until(due);
    }
    const auto st = publish(counter, false);
    if (st != shm::publish_status::published && st != shm::publish_status::dropped_full) {
      test::say(std::string("error: publish returned ") + shm::to_string(st));
      return 4;
    }
  }
  if (args.has("end-marker")) {
    const auto deadline = clock_type::now() + std::chrono::seconds(30);
    for (;; ++counter) {
      const auto st = publish(counter, true);
      if (st == shm::publish_status::published) break;
      if (st != shm::publish_status::dropped_full || clock_type::now() > deadline) {
        test::say(std::string("error: end marker not committed: ") + shm::to_string(st));
        return 5;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));  // let the consumer make room
    }
  }
  test::say("done published=" + std::to_string(pub->published()) + " dropped=" + std::to_string(pub->dropped()));
  if (args.has("hold")) {
    char c = 0;
    while (::read(STDIN_FILENO, &c, 1) > 0) {
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return run(ringcast::test::helper_args(argc, argv)); }
