// ringcast-stat: the live monitor. Maps the segment read-only (it never
// writes to it) and shows its counters like top: every --interval seconds,
// published, dropped and drained rates, lag, the consumer's heartbeat and one
// row per busy lane. --once prints one report (two samples --interval
// apart); --json prints JSON objects instead of text (one per line).
#include <signal.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "ringcast/shm/json_decode.hpp"
#include "stat_sample.hpp"
#include "stat_view.hpp"

namespace shm = ringcast::shm;
namespace rstat = ringcast::tools::stat;

namespace {

constexpr double k_min_interval_s = 0.01;  // 10 ms: shorter only measures the tool itself
constexpr double k_max_interval_s = 3600;  // an hour: longer is a typo
constexpr int k_exit_segment = 1;          // the segment is missing, of another layout, or corrupt
constexpr int k_exit_usage = 2;
constexpr int k_exit_interrupted = 130;  // Ctrl-C before the first report, as shells report SIGINT

struct stat_options {
  std::string segment;
  double interval_s = 1.0;  // top's pace: rates over a second read steadily
  std::uint64_t count = 0;  // reports to print; 0 = until Ctrl-C
  bool json = false;
};

void usage(std::FILE* to) {
  std::fputs(
      "usage: ringcast-stat [--segment NAME] [--interval S] [--once | --count N] [--json]\n"
      "  Shows a ringcast segment's counters (mapped read-only; never writes to it), refreshed like top.\n"
      "  --segment   shared-memory segment (default: $RINGCAST_SEGMENT or 'ringcast')\n"
      "  --interval  seconds between samples, 0.01 to 3600 (default 1); rates are deltas over it\n"
      "  --once      print one report (two samples --interval apart) and exit\n"
      "  --count     print N reports and exit (default: until Ctrl-C)\n"
      "  --json      one JSON object per report, one per line, instead of text\n"
      "exit codes: 0 done; 1 segment missing, of another layout or corrupt; 2 bad option;\n"
      "  130 interrupted before the first report\n",
      to);
}

[[noreturn]] void bad_option(const std::string& message) {
  std::fprintf(stderr, "ringcast-stat: %s\n", message.c_str());
  usage(stderr);
  std::exit(k_exit_usage);
}

double parse_interval(const char* text) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text, &end);
  if (end == text || *end != '\0' || errno != 0 || !std::isfinite(v) || v < k_min_interval_s || v > k_max_interval_s)
    bad_option(fmt::format("--interval '{}' is not a number of seconds from {} to {}", text, k_min_interval_s,
                           k_max_interval_s));
  return v;
}

std::uint64_t parse_count(const char* text) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(text, &end, 10);
  if (end == text || *end != '\0' || errno != 0 || v == 0 || text[0] == '-')
    bad_option(fmt::format("--count '{}' is not a whole number of reports, 1 or more", text));
  return v;
}

stat_options parse(int argc, char** argv) {
  stat_options o;
  std::string cli_segment;
  bool once = false;
  bool count_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) bad_option(fmt::format("{} needs a value", a));
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      usage(stdout);
      std::exit(0);
    } else if (a == "--segment") {
      cli_segment = value();
      if (cli_segment.empty()) bad_option("--segment needs a non-empty name");
    } else if (a == "--interval") {
      o.interval_s = parse_interval(value());
    } else if (a == "--count") {
      o.count = parse_count(value());
      count_given = true;
    } else if (a == "--once") {
      once = true;
    } else if (a == "--json") {
      o.json = true;
    } else {
      bad_option(fmt::format("unknown option '{}'", a));
    }
  }
  if (once && count_given && o.count != 1) bad_option("--once and --count N say different things; pick one");
  if (once) o.count = 1;
  o.segment = shm::resolve_segment_name(cli_segment);
  return o;
}

// Waits until `deadline` (CLOCK_MONOTONIC) unless SIGINT or SIGTERM comes
// first (they are blocked and taken here, so no handler races the output).
// Returns false on a signal.
bool wait_until(std::chrono::steady_clock::time_point deadline, const sigset_t& stop_signals) {
  for (;;) {
    const auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) return true;
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
    const timespec timeout{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
    if (::sigtimedwait(&stop_signals, nullptr, &timeout) > 0) return false;
    // EAGAIN: the timeout passed; EINTR: another signal. Both re-check the clock.
  }
}

// Keeps `seg` on the segment its name refers to now: a segment removed and
// created again (new epoch) is followed. Returns a note for the view, empty
// when all is as before.
std::string follow_segment(std::shared_ptr<shm::segment>& seg) {
  try {
    // No wait for a creator still initialising it: the next refresh looks again.
    auto current = shm::segment::open_read_only(seg->name(), std::chrono::milliseconds{0});
    if (current->epoch() == seg->epoch()) return {};
    seg = std::move(current);
    return fmt::format("segment '{}' was recreated (epoch {:016x}): rates restart", seg->name(), seg->epoch());
  } catch (const shm::segment_error& e) {
    return fmt::format("showing the last mapping of a segment that is gone or changed: {}", e.what());
  }
}

// Lane rows that fit in the terminal under the header, or no limit when the
// height is unknown.
std::size_t terminal_lane_rows(bool with_note) {
  winsize ws{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0) return static_cast<std::size_t>(-1);
  const std::size_t used = rstat::k_text_header_lines + (with_note ? 1 : 0) + 1;  // + the "more lanes" line
  return ws.ws_row > used ? ws.ws_row - used : 1;
}

// `redraw`: the live view on a terminal, drawn over the last one.
void print(const rstat::stat_report& report, const stat_options& o, bool redraw, bool first, const std::string& note) {
  std::string out;
  if (o.json) {
    out = ringcast::shm::to_json_text(rstat::to_json(report));  // numbers as people write them
    out += '\n';
  } else {
    rstat::text_options view;
    view.note = note;
    if (redraw) {
      out = "\x1b[H\x1b[2J";  // cursor home, clear screen: redraw in place like top
      view.max_lane_rows = terminal_lane_rows(!note.empty());
    } else if (!first) {
      out = "\n";  // plain appended blocks for logs and pipes
    }
    out += rstat::render_text(report, view);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
}

int run(const stat_options& o) {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  ::sigprocmask(SIG_BLOCK, &stop_signals, nullptr);  // one thread: taken by sigtimedwait in wait_until()

  auto seg = shm::segment::open_read_only(o.segment);
  // A single report (--once) stays in the terminal's scrollback like any output.
  const bool redraw = ::isatty(STDOUT_FILENO) == 1 && o.count != 1;
  const auto interval =
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(o.interval_s));
  // Deadlines on a fixed grid: the time spent sampling and printing does
  // not stretch the refresh period.
  auto next = std::chrono::steady_clock::now() + interval;
  rstat::segment_sample before = rstat::take_sample(*seg);
  for (std::uint64_t n = 0; o.count == 0 || n < o.count; ++n) {
    if (!wait_until(next, stop_signals)) return n == 0 ? k_exit_interrupted : 0;
    const std::string note = o.count == 1 ? std::string{} : follow_segment(seg);
    rstat::segment_sample now = rstat::take_sample(*seg);
    print(rstat::make_report(before, now), o, redraw, n == 0, note);
    before = std::move(now);
    // After a stop (SIGSTOP, a suspended laptop) start a new grid rather
    // than print the missed refreshes back to back.
    next = std::max(next + interval, std::chrono::steady_clock::now());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const stat_options o = parse(argc, argv);
  try {
    return run(o);
  } catch (const shm::segment_error& e) {
    std::fprintf(stderr, "ringcast-stat: %s\n", e.what());
    return k_exit_segment;
  }
}
