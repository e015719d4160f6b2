// ringcast-publish: publishes events given as JSON lines (a file, or stdin
// as it arrives) into a segment through one publisher. For scripts, replays,
// tests, and producers in languages without the C ABI. A bad line is
// reported with its number and skipped; the others are published.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "event_line.hpp"
#include "line_reader.hpp"
#include "ringcast/shm/publisher.hpp"

namespace shm = ringcast::shm;
using ringcast::publish::event_line;
using ringcast::publish::line_reader;

namespace {

// 1 MiB: a 10 000-level order book is about 400 KB of JSON, and the largest
// record a default lane takes is 128 KiB of payload; a longer line is a
// mistake (a file without newlines), not an event.
constexpr std::size_t k_max_line = std::size_t{1} << 20;

struct options {
  std::string segment;
  std::string file;  // "" or "-": stdin
  std::chrono::milliseconds wait{0};
  bool verbose = false;
};

void print_usage() {
  std::string types;
  for (std::uint16_t t = 1; t < shm::k_event_type_count; ++t)
    types.append(t == 1 ? "" : t % 4 == 1 ? ",\n  " : ", ").append(shm::wire_name(static_cast<shm::event_type>(t)));
  fmt::print(
      "usage: ringcast-publish [--segment NAME] [--wait-ms MS] [--verbose] [FILE]\n"
      "\n"
      "Publishes one event per line of FILE (or of stdin, as it arrives, when FILE is\n"
      "absent or -) into the segment, e.g.\n"
      "  {{\"type\":\"PNL_UPDATE\",\"userId\":\"alice\",\"payload\":{{\"totalPnl\":12.5,\"dailyPnl\":-3.25,\"positionPnl\":1,\"realizedPnl\":0}}}}\n"
      "\n"
      "  type     the event type (below)\n"
      "  userId   whose event it is, at most 64 bytes; \"\" or absent: a global event\n"
      "  payload  the event's fields as the bridge sends them (docs/PROTOCOL.md,\n"
      "           ringcast-schema --markdown): every field, camelCase; enums as their\n"
      "           UPPER_CASE strings; bids/asks/orders as arrays, message a string,\n"
      "           metadata an object or null; the counts and sizes are derived.\n"
      "\n"
      "Blank lines are ignored; a line longer than 1 MiB is refused. A bad line is\n"
      "reported on stderr with its number and skipped; the others are published.\n"
      "\n"
      "options:\n"
      "  --segment NAME  shared-memory segment (default: $RINGCAST_SEGMENT or 'ringcast');\n"
      "                  created if it does not exist\n"
      "  --wait-ms MS    when the ring is full, wait up to MS ms for room before dropping\n"
      "                  the event (default 0: drop at once, as every producer does)\n"
      "  --verbose       print a summary at the end, also when everything was published\n"
      "  --help          this text\n"
      "\n"
      "exit status: 0 every line published; 1 a line was bad, or not published (ring\n"
      "full, too large); 2 usage error, unreadable FILE, or segment refused.\n"
      "\n"
      "event types:\n  {}\n",
      types);
}

[[noreturn]] void usage_error(std::string_view message) {
  fmt::print(stderr, "ringcast-publish: {}\nringcast-publish --help shows the usage\n", message);
  std::exit(2);
}

options parse_args(int argc, char** argv) {
  options o;
  std::string cli_segment;
  bool have_file = false;
  bool options_done = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    const auto value = [&] {
      if (i + 1 >= argc) usage_error(fmt::format("{} needs a value", a));
      return std::string_view(argv[++i]);
    };
    if (!options_done && (a == "--help" || a == "-h")) {
      print_usage();
      std::exit(0);
    } else if (!options_done && a == "--segment") {
      cli_segment = value();
    } else if (!options_done && a == "--wait-ms") {
      const std::string_view v = value();
      unsigned ms = 0;
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), ms);
      if (ec != std::errc{} || end != v.data() + v.size()) usage_error(fmt::format("--wait-ms needs a whole number of milliseconds, not '{}'", v));
      o.wait = std::chrono::milliseconds(ms);
    } else if (!options_done && (a == "--verbose" || a == "-v")) {
      o.verbose = true;
    } else if (!options_done && a == "--") {
      options_done = true;
    } else if (!options_done && a.size() > 1 && a.front() == '-') {
      usage_error(fmt::format("unknown option {}", a));
    } else {
      if (have_file) usage_error(fmt::format("one FILE at most (got {} and {})", o.file, a));
      o.file = a;
      have_file = true;
    }
  }
  o.segment = shm::resolve_segment_name(cli_segment);
  return o;
}

struct tally {
  std::uint64_t events = 0;  // non-blank lines
  std::uint64_t published = 0;
  std::uint64_t bad = 0;
  std::uint64_t not_published = 0;
};

void report(std::uint64_t line, std::string_view message) {
  fmt::print(stderr, "ringcast-publish: line {}: {}\n", line, message);
}

std::string why_not_published(shm::publish_status st, const event_line& ev, const shm::segment& seg) {
  switch (st) {
    case shm::publish_status::dropped_full:
      return fmt::format("not published: the ring is full (is a consumer draining segment '{}'? --wait-ms waits "
                         "for room)", seg.name());
    case shm::publish_status::too_large:
      return fmt::format("not published: too large: {} bytes with its header and user id; segment '{}' takes "
                         "records of at most {} bytes",
                         shm::record_payload_offset(ev.user_id.size()) + ev.payload.size(), seg.name(),
                         seg.header().identity.max_record_size);
    default: return fmt::format("not published: {}", shm::to_string(st));
  }
}

// Publishes every line of `reader`; returns 2 on a read error, else 0.
int publish_lines(line_reader& reader, shm::publisher& pub, const options& o, tally& t) {
  std::string text;
  event_line ev;
  std::string error;
  for (;;) {
    const line_reader::result r = reader.next(text);
    if (r == line_reader::result::end) return 0;
    if (r == line_reader::result::error) {
      fmt::print(stderr, "ringcast-publish: cannot read {}: {}\n", o.file.empty() || o.file == "-" ? "stdin" : o.file,
                 std::strerror(reader.error_number()));
      return 2;
    }
    const std::uint64_t n = reader.line_number();
    if (r == line_reader::result::too_long) {
      ++t.events;
      ++t.bad;
      report(n, fmt::format("{} bytes is over the limit of {} bytes (1 MiB); skipped", reader.skipped_size(), k_max_line));
      continue;
    }
    if (text.find_first_not_of(" \t") == std::string::npos) continue;  // blank
    ++t.events;
    if (!ringcast::publish::parse_event_line(text, ev, error)) {
      ++t.bad;
      report(n, error);
      continue;
    }
    const shm::publish_status st = pub.publish_raw(ev.type, ev.schema_version, ev.user_id, ev.payload);
    if (st == shm::publish_status::published) {
      ++t.published;
    } else {
      ++t.not_published;
      report(n, why_not_published(st, ev, *pub.seg()));
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse_args(argc, argv);
  int fd = STDIN_FILENO;
  if (!o.file.empty() && o.file != "-") {
    fd = ::open(o.file.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st {};
    if (fd >= 0 && ::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
      ::close(fd);
      fd = -1;
      errno = EISDIR;  // refused before the segment is touched, not at the first read
    }
    if (fd < 0) {
      fmt::print(stderr, "ringcast-publish: cannot open {}: {}\n", o.file, std::strerror(errno));
      return 2;
    }
  }
  std::optional<shm::publisher> pub;
  try {
    pub.emplace(shm::segment::open_or_create({.name = o.segment}), shm::publisher_options{.wait_when_full = o.wait});
  } catch (const std::exception& e) {  // segment_error, or the OS refusing the mapping
    fmt::print(stderr, "ringcast-publish: {}\n", e.what());
    return 2;
  }

  line_reader reader(fd, k_max_line);
  tally t;
  const int read_status = publish_lines(reader, *pub, o, t);
  if (fd != STDIN_FILENO) ::close(fd);
  const bool all_published = t.published == t.events;
  if (o.verbose || !all_published)
    fmt::print(stderr, "ringcast-publish: {} of {} events published to segment '{}'; {} bad line{}, {} not published\n",
               t.published, t.events, pub->seg()->name(), t.bad, t.bad == 1 ? "" : "s", t.not_published);
  if (read_status != 0) return read_status;
  return all_published ? 0 : 1;
}
