// ringcast-test-dump: the segment's consumer for the producer tests (C and
// Python): prints every record as one JSON line, payload encoded by
// shm::encode_payload_json, so a test in any language can check what
// arrived.
//
//   ringcast-test-dump --segment NAME [--count N] [--timeout-ms MS]
//
//   {"lane":0,"seq":3,"gap":0,"type":"PNL_UPDATE","typeNumber":12,"schemaVersion":1,
//    "userId":"bob","timestampNs":1700000000000000000,"payload":{"totalPnl":12.5,...}}
//
// Without --count it drains what is committed and exits 0. With --count it
// waits for N records and exits 0, or exits 1 at the deadline (default 10 s)
// saying how many it got. Refusals (no segment, a live consumer) exit 3.
#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "ringcast/shm/consumer.hpp"
#include "ringcast/shm/json_encode.hpp"

namespace {

using namespace ringcast;

struct options {
  std::string segment;
  long count = -1;  // -1: drain what is there
  long timeout_ms = 10'000;
};

[[noreturn]] void usage(int code) {
  std::fputs(
      "usage: ringcast-test-dump --segment NAME [--count N] [--timeout-ms MS]\n"
      "prints each record of the segment as a JSON line; without --count, drains what is committed\n",
      code == 0 ? stdout : stderr);
  std::exit(code);
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--help") usage(0);
    if (arg == "--segment" && has_value) {
      o.segment = argv[++i];
    } else if (arg == "--count" && has_value) {
      o.count = std::strtol(argv[++i], nullptr, 10);
    } else if (arg == "--timeout-ms" && has_value) {
      o.timeout_ms = std::strtol(argv[++i], nullptr, 10);
    } else {
      std::fprintf(stderr, "ringcast-test-dump: unknown or incomplete argument '%s'\n", argv[i]);
      usage(2);
    }
  }
  o.segment = shm::resolve_segment_name(o.segment);
  return o;
}

void print(const shm::record_view& r) {
  const auto type = static_cast<shm::event_type>(r.type);
  std::string line =
      "{\"lane\":" + std::to_string(r.lane) + ",\"seq\":" + std::to_string(r.seq) +
      ",\"gap\":" + std::to_string(r.gap) +
      ",\"type\":" + boost::json::serialize(boost::json::string_view{shm::wire_name(type)}) +
      ",\"typeNumber\":" + std::to_string(r.type) + ",\"schemaVersion\":" + std::to_string(r.schema_version) +
      ",\"userId\":" + boost::json::serialize(boost::json::string_view{r.user_id.data(), r.user_id.size()}) +
      ",\"timestampNs\":" + std::to_string(r.timestamp_ns) + ",\"payload\":";
  if (!shm::encode_payload_json(type, r.schema_version, r.payload, line)) line += "null";
  line += "}\n";
  std::fwrite(line.data(), 1, line.size(), stdout);
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  try {
    shm::segment_options so;
    so.name = o.segment;
    shm::consumer con(shm::segment::open_or_create(so));
    long seen = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds{o.timeout_ms};
    for (;;) {
      const std::size_t n = con.poll([&](const shm::record_view& r) {
        print(r);
        ++seen;
      });
      if (o.count >= 0 && seen >= o.count) break;
      if (o.count < 0 && n == 0 && !con.has_data()) break;
      if (std::chrono::steady_clock::now() >= deadline) {
        std::fflush(stdout);
        std::fprintf(stderr, "ringcast-test-dump: %ld of %ld records after %ld ms\n", seen, o.count, o.timeout_ms);
        return 1;
      }
      if (n == 0) con.wait(std::chrono::milliseconds{10});
    }
    std::fflush(stdout);
    return 0;
  } catch (const shm::segment_error& e) {
    std::fprintf(stderr, "ringcast-test-dump: %s\n", e.what());
    return 3;
  }
}
