// The benchmark families of ringcast-bench-shm, registered by main() in
// the order they run. Names read "<what>/<where>/<transport or case>/<size>"
// so that the summary can pair each ringcast figure with its baseline.
#pragma once

#include <array>
#include <cstddef>
#include <string>

#include "ringcast/shm/segment.hpp"

namespace ringcast::bench {

// Payload sizes from the issue: a small event (a mark price, a PnL tick)
// and a large one (an order book slice, a log line with metadata).
inline constexpr std::array<std::size_t, 2> k_payload_sizes{64, 512};

// A one-lane segment of the default lane size, named `name`.
[[nodiscard]] shm::segment_options bench_segment_options(const std::string& name);

void register_machine_benchmark();        // machine/cacheline_round_trip
void register_ringcast_benchmarks();      // throughput/{threads,processes}/ringcast/*
void register_baseline_benchmarks();      // throughput/threads/{rwqueue,concurrentqueue}/*, throughput/processes/boost_mq/*
void register_latency_benchmarks();       // latency/{threads,processes}/{spinning,asleep}/64B, latency/processes/spinning/512B
void register_iceoryx_benchmarks();       // latency/processes/iceoryx/{64B,512B}
void register_publish_cost_benchmarks();  // publish_cost/{room_no_consumer,consumer_draining,ring_full_drops}/*

}  // namespace ringcast::bench
