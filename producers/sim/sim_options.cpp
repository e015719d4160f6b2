#include "sim_options.hpp"

#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <map>

#include "ringcast/shm/layout.hpp"
#include "sim_market.hpp"

namespace ringcast::sim {
namespace {

struct bad_value {
  std::string message;
};

template <class T>
T number(std::string_view option, std::string_view text, T lo, T hi) {
  T v{};
  const auto* end = text.data() + text.size();
  const auto r = std::from_chars(text.data(), end, v);
  if (r.ec != std::errc{} || r.ptr != end || !(v >= lo && v <= hi) ||
      (std::is_floating_point_v<T> && !std::isfinite(static_cast<double>(v))))
    throw bad_value{fmt::format("{} must be a number from {} to {}, not '{}'", option, lo, hi, text)};
  return v;
}

std::string identifier(std::string_view option, std::string_view text, std::size_t max) {
  const bool ok = !text.empty() && text.size() <= max &&
                  text.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
                      std::string_view::npos;
  if (!ok) throw bad_value{fmt::format("{} must be 1 to {} of [A-Za-z0-9_-], not '{}'", option, max, text)};
  return std::string(text);
}

// A user id is the prefix and up to 6 digits: it always fits a record.
constexpr std::size_t k_max_user_prefix = 40;
static_assert(k_max_user_prefix + 6 <= shm::k_max_user_id);

using setter = std::function<void(sim_options&, std::string_view)>;

const std::map<std::string_view, setter>& setters() {
  using ms = std::chrono::milliseconds;
  static const std::map<std::string_view, setter> table{
      {"--segment", [](sim_options& o, std::string_view v) { o.segment = v; }},
      {"--name", [](sim_options& o, std::string_view v) { o.name = identifier("--name", v, k_max_name); }},
      {"--user-prefix",
       [](sim_options& o, std::string_view v) { o.user_prefix = identifier("--user-prefix", v, k_max_user_prefix); }},
      {"--users",
       [](sim_options& o, std::string_view v) { o.users = number<std::uint32_t>("--users", v, 1, 100'000); }},
      {"--symbols",
       [](sim_options& o, std::string_view v) { o.symbols = number<std::uint32_t>("--symbols", v, 1, k_max_symbols); }},
      {"--volatility",
       [](sim_options& o, std::string_view v) { o.volatility_pct = number<double>("--volatility", v, 0.001, 100); }},
      {"--rate", [](sim_options& o, std::string_view v) { o.rate = number<double>("--rate", v, 1, 10'000'000); }},
      {"--burst", [](sim_options& o, std::string_view v) { o.burst.factor = number<double>("--burst", v, 1, 1000); }},
      {"--burst-length",
       [](sim_options& o, std::string_view v) {
         o.burst.length = ms(number<std::uint32_t>("--burst-length", v, 1, 3'600'000));
       }},
      {"--burst-period",
       [](sim_options& o, std::string_view v) {
         o.burst.period = ms(number<std::uint32_t>("--burst-period", v, 1, 3'600'000));
       }},
      {"--duration", [](sim_options& o, std::string_view v) { o.duration = number<double>("--duration", v, 0, 1e9); }},
      {"--seed",
       [](sim_options& o, std::string_view v) {
         o.seed = number<std::uint64_t>("--seed", v, 0, std::numeric_limits<std::uint64_t>::max());
       }},
      {"--threads",
       [](sim_options& o, std::string_view v) { o.threads = number<std::uint32_t>("--threads", v, 1, k_max_threads); }},
      {"--json-summary",
       [](sim_options& o, std::string_view v) {
         if (v.empty()) throw bad_value{"--json-summary needs a file name"};
         o.json_summary = v;
       }},
      {"--initial-balance",
       [](sim_options& o, std::string_view v) {
         o.trader.initial_balance = number<double>("--initial-balance", v, 1, 1e12);
       }},
      {"--daily-loss-limit",
       [](sim_options& o, std::string_view v) {
         o.trader.daily_loss_limit = number<double>("--daily-loss-limit", v, 0.01, 1e12);
       }},
      {"--breaker-cooldown",
       [](sim_options& o, std::string_view v) {
         o.trader.breaker_cooldown_ms = std::llround(number<double>("--breaker-cooldown", v, 0.001, 86'400) * 1000);
       }},
  };
  return table;
}

}  // namespace

parse_outcome parse_sim_options(std::span<const std::string_view> args) {
  parse_outcome out;
  try {
    for (std::size_t i = 0; i < args.size(); ++i) {
      std::string_view arg = args[i];
      if (arg == "--help" || arg == "-h") {
        out.help = true;
        return out;
      }
      std::optional<std::string_view> value;
      if (const auto eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
        value = arg.substr(eq + 1);
        arg = arg.substr(0, eq);
      }
      const auto it = setters().find(arg);
      if (it == setters().end()) throw bad_value{fmt::format("unknown option '{}'", arg)};
      if (!value) {
        if (i + 1 >= args.size()) throw bad_value{fmt::format("{} needs a value", arg)};
        value = args[++i];
      }
      it->second(out.options, *value);
    }
  } catch (const bad_value& e) {
    out.error = e.message;
  }
  return out;
}

std::string user_id(const sim_options& o, std::uint32_t i) { return o.user_prefix + std::to_string(i + 1); }

std::string sim_usage() {
  return R"(usage: ringcast-sim [options]
Simulates users trading futures and publishes what a trading dashboard shows
(every event type of docs/PROTOCOL.md) into a ringcast segment, at a steady
rate with optional bursts. Prints a summary on exit (after --duration, or on
SIGINT/SIGTERM) and exits 0.

  --segment NAME          segment to publish into (default: $RINGCAST_SEGMENT or 'ringcast');
                          created if missing
  --name NAME             this simulator's name, prefix of its order, chain and signal ids so
                          that several simulators never share one (default: sim<pid>);
                          1-20 of [A-Za-z0-9_-]
  --users N               simulated users (default 8)
  --user-prefix P         user ids are P1..PN (default 'user')
  --symbols N             symbols traded, 1-16: BTCUSDT ETHUSDT SOLUSDT BNBUSDT XRPUSDT
                          DOGEUSDT ... (default 6)
  --volatility PCT        how fast prices move: percent per sqrt(second) (default 0.1);
                          faster prices close chains sooner: more trades per user
  --rate R                events per second, all threads together (default 20000)
  --burst F               every --burst-period, publish at F times the rate for
                          --burst-length; the first burst comes after one period
                          (default 1: no bursts)
  --burst-length MS       length of a burst (default 200)
  --burst-period MS       from one burst to the next (default 2000);
                          e.g. --burst 10: 10x for 200 ms every 2 s, a mean of 1.9x the rate
  --duration S            stop after S seconds (default 0: run until SIGINT/SIGTERM)
  --seed N                random seed (default: a random one, printed in the summary);
                          with one thread, the same seed, --name and options give the
                          same events, apart from their times
  --threads N             publisher threads, one lane each (default 1, at most 64);
                          users and symbols are split across them
  --json-summary FILE     also write the summary as JSON to FILE
  --initial-balance USDT  each user's starting wallet (default 10000)
  --daily-loss-limit USDT a user's circuit breaker trips at this daily realized loss (default 50)
  --breaker-cooldown S    a tripped breaker resets after S seconds, starting a new day (default 3)
  --help                  this text
)";
}

}  // namespace ringcast::sim
