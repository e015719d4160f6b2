// ringcast-tail: the segment's consumer as a command. Drains the segment and
// prints every event as a JSON line, or with --quiet only counts them (the
// demo's consumer until the bridge takes that role). There is one consumer
// per segment: ringcast-tail refuses to start while another is attached.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "ringcast/shm/consumer.hpp"
#include "ringcast/shm/json_encode.hpp"
#include "ringcast/shm/schema.hpp"

namespace shm = ringcast::shm;

namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop.store(true, std::memory_order_relaxed); }

struct tail_options {
  std::string segment;
  std::optional<shm::event_type> type;
  std::optional<std::string> user;
  std::uint64_t count = 0;  // 0 = no limit
  double idle_exit = 0;     // seconds without events before exiting; 0 = never
  bool quiet = false;
};

[[noreturn]] void usage(int code) {
  std::fprintf(code == 0 ? stdout : stderr,
               "usage: ringcast-tail [--segment NAME] [--type TYPE] [--user ID] [--count N] [--idle-exit S] [--quiet]\n"
               "Attaches as the segment's consumer and prints each event as one JSON line:\n"
               "  {\"type\",\"lane\",\"seq\",\"timestamp\",\"userId\",\"gap\",\"lost\",\"payload\"}\n"
               "  --segment    segment name (default: $RINGCAST_SEGMENT or 'ringcast')\n"
               "  --type       print only this event type (e.g. PNL_UPDATE); others are still drained\n"
               "  --user       print only this user's events (\"\" = global events)\n"
               "  --count      exit after printing N events\n"
               "  --idle-exit  exit after S seconds without any event\n"
               "  --quiet      print nothing per event; a summary line every second\n");
  std::exit(code);
}

tail_options parse(int argc, char** argv) {
  tail_options o;
  std::string cli_segment;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "ringcast-tail: %s needs a value\n", argv[i]);
        usage(2);
      }
      return argv[++i];
    };
    try {
      if (a == "--help" || a == "-h")
        usage(0);
      else if (a == "--segment")
        cli_segment = value();
      else if (a == "--user")
        o.user = value();
      else if (a == "--count")
        o.count = std::stoull(value());
      else if (a == "--idle-exit")
        o.idle_exit = std::stod(value());
      else if (a == "--quiet")
        o.quiet = true;
      else if (a == "--type") {
        const std::string t = value();
        o.type = shm::event_type_from_wire(t);
        if (!o.type) {
          std::fprintf(stderr, "ringcast-tail: unknown event type '%s' (see docs/PROTOCOL.md)\n", t.c_str());
          std::exit(2);
        }
      } else {
        std::fprintf(stderr, "ringcast-tail: unknown option %s\n", argv[i]);
        usage(2);
      }
    } catch (const std::logic_error&) {
      std::fprintf(stderr, "ringcast-tail: bad value for %s\n", argv[i]);
      usage(2);
    }
  }
  o.segment = shm::resolve_segment_name(cli_segment);
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const tail_options o = parse(argc, argv);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGPIPE, on_signal);  // `ringcast-tail | head` ends quietly
  try {
    auto seg = shm::segment::open_or_create({.name = o.segment});
    shm::consumer consumer(seg);
    std::string line;
    std::uint64_t printed = 0, drained = 0, refused = 0, last_drained = 0;
    auto last_event = std::chrono::steady_clock::now();
    auto next_summary = last_event + std::chrono::seconds(1);
    auto handle = [&](const shm::record_view& r) {
      ++drained;
      if (o.quiet || (o.count > 0 && printed >= o.count)) return;
      if (o.type && static_cast<std::uint16_t>(*o.type) != r.type) return;
      if (o.user && *o.user != r.user_id) return;
      line.clear();
      line += R"({"type":")";
      line += shm::wire_name(static_cast<shm::event_type>(r.type));
      line += R"(","lane":)" + std::to_string(r.lane) + R"(,"seq":)" + std::to_string(r.seq) + R"(,"timestamp":")";
      shm::append_iso8601_utc(r.timestamp_ns, line);
      line += R"(","userId":)";
      shm::detail::append_string(r.user_id, line);
      line += R"(,"gap":)" + std::to_string(r.gap) + R"(,"lost":)" + std::to_string(r.lost) + R"(,"payload":)";
      if (!shm::encode_payload_json(static_cast<shm::event_type>(r.type), r.schema_version, r.payload, line)) {
        ++refused;  // unknown type or version, or a malformed payload: say so rather than guess
        line += "null";
      }
      line += "}\n";
      std::fwrite(line.data(), 1, line.size(), stdout);
      ++printed;
    };
    while (!g_stop.load(std::memory_order_relaxed)) {
      const std::size_t n = consumer.poll(handle);
      const auto now = std::chrono::steady_clock::now();
      if (n > 0) {
        last_event = now;
        std::fflush(stdout);
      } else {
        if (o.idle_exit > 0 && std::chrono::duration<double>(now - last_event).count() >= o.idle_exit) break;
        consumer.wait(std::chrono::milliseconds(50));
      }
      if (o.count > 0 && printed >= o.count) break;
      if (o.quiet && now >= next_summary) {
        next_summary += std::chrono::seconds(1);
        std::fprintf(stdout, "ringcast-tail: %llu events drained (%llu/s)\n", static_cast<unsigned long long>(drained),
                     static_cast<unsigned long long>(drained - last_drained));
        std::fflush(stdout);
        last_drained = drained;
      }
    }
    if (refused > 0)
      std::fprintf(stderr, "ringcast-tail: %llu events had a payload this build cannot decode\n",
                   static_cast<unsigned long long>(refused));
    return 0;
  } catch (const shm::segment_error& e) {
    std::fprintf(stderr, "ringcast-tail: %s\n", e.what());
    return 1;
  }
}
