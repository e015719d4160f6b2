#include "fault_producer.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "ringcast/shm/publisher.hpp"
#include "ringcast/shm/realtime_clock.hpp"
#include "ringcast/shm/segment.hpp"
#include "measure.hpp"
#include "server.hpp"

namespace ringcast::bench {

bool is_fault_producer(int argc, char** argv) { return argc > 1 && std::strcmp(argv[1], "--fault-producer") == 0; }

int run_fault_producer(int argc, char** argv) {
  if (argc != 10) {
    std::fputs("usage: ringcast-bench --fault-producer SEGMENT SLOTS INDEX PRODUCERS USERS RATE START_NS EVENTS\n",
               stderr);
    return 2;
  }
  fault_producer_args a{argv[2], argv[3], static_cast<unsigned>(std::stoul(argv[4])),
                        static_cast<unsigned>(std::stoul(argv[5])), static_cast<unsigned>(std::stoul(argv[6])),
                        std::stod(argv[7]), std::stoll(argv[8]), std::stoull(argv[9])};
  const int fd = ::open(a.slots_file.c_str(), O_RDWR | O_CLOEXEC);
  void* map = fd < 0 ? MAP_FAILED : ::mmap(nullptr, sizeof(fault_slots), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED || a.index >= 64) {
    std::fprintf(stderr, "ringcast-bench --fault-producer: cannot map %s\n", a.slots_file.c_str());
    return 1;
  }
  auto& slot = static_cast<fault_slots*>(map)->next[a.index];
  shm::publisher pub(shm::segment::open_or_create({.name = a.segment}));
  // Acquire: pairs with the release store of the process before this one.
  for (std::uint64_t i = slot.load(std::memory_order_acquire); i < a.events; i += a.producers) {
    wait_until(a.start_ns + static_cast<std::int64_t>(static_cast<double>(i) * 1e9 / a.rate));
    const auto u = order_of(i);
    while (pub.publish(user_name(static_cast<unsigned>(i % a.users)), u) != shm::publish_status::published)
      std::this_thread::sleep_for(std::chrono::microseconds(100));  // a full lane: the bridge is behind or away
    // Release: whoever reads the slot sees every commit before it.
    slot.store(i + a.producers, std::memory_order_release);
  }
  return 0;
}

}  // namespace ringcast::bench
