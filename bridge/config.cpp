#include "config.hpp"

#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string_view>
#include <thread>

#include "client_op.hpp"

namespace ringcast::bridge {

namespace {

struct option {
  std::string_view flag;  // without "--"
  std::string_view help;
  std::function<std::string(const bridge_config&)> show;     // the default, for --help
  std::function<void(bridge_config&, std::string_view)> set;  // throws std::invalid_argument
  bool is_switch = false;
};

template <class T>
T parse_number(std::string_view v) {
  T out{};
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc{} || p != v.data() + v.size()) throw std::invalid_argument("not a number");
  return out;
}

std::uint64_t parse_positive(std::string_view v) {
  const auto n = parse_number<std::uint64_t>(v);
  if (n == 0) throw std::invalid_argument("must be positive");
  return n;
}

// "250ms", "15s", "2m" or a number of milliseconds.
std::chrono::milliseconds parse_duration(std::string_view v) {
  std::uint64_t scale = 1;
  if (v.ends_with("ms")) {
    v.remove_suffix(2);
  } else if (v.ends_with("s")) {
    v.remove_suffix(1);
    scale = 1000;
  } else if (v.ends_with("m")) {
    v.remove_suffix(1);
    scale = 60'000;
  }
  const std::uint64_t n = parse_positive(v);
  if (n > 86'400'000 / scale) throw std::invalid_argument("longer than a day");
  return std::chrono::milliseconds(static_cast<std::int64_t>(n * scale));
}

std::string show_ms(std::chrono::milliseconds d) { return std::to_string(d.count()) + "ms"; }

#define RC_NUM(field)                                                                     \
  [](const bridge_config& c) { return std::to_string(c.field); },                         \
      [](bridge_config& c, std::string_view v) {                                          \
        c.field = static_cast<decltype(c.field)>(parse_positive(v));                      \
        if (static_cast<std::uint64_t>(c.field) != parse_positive(v))                     \
          throw std::invalid_argument("too large");                                       \
      }
#define RC_MS(field) \
  [](const bridge_config& c) { return show_ms(c.field); }, [](bridge_config& c, std::string_view v) { c.field = parse_duration(v); }

const std::vector<option>& options() {
  static const std::vector<option> k{
      {"listen", "address:port to serve WebSocket and HTTP on ([::1]:8080 for IPv6)",
       [](const bridge_config& c) { return c.listen; }, [](bridge_config& c, std::string_view v) { c.listen = v; }},
      {"segment", "shared-memory segment to drain (else RINGCAST_SEGMENT, else \"ringcast\")",
       [](const bridge_config&) { return std::string("ringcast"); },
       [](bridge_config& c, std::string_view v) { c.segment = v; }},
      {"io-threads", "I/O threads serving the sessions (0 = one per core)",
       [](const bridge_config&) { return std::string("0"); },
       [](bridge_config& c, std::string_view v) { c.io_threads = parse_number<unsigned>(v); }},
      {"jwt-secret-file", "file holding the HS256 secret (else RINGCAST_JWT_SECRET)",
       [](const bridge_config&) { return std::string(""); },
       [](bridge_config& c, std::string_view v) { c.jwt_secret_file = v; }},
      {"insecure-dev", "run without a secret, with a well-known one: for a laptop only",
       [](const bridge_config&) { return std::string("off"); },
       [](bridge_config& c, std::string_view) { c.insecure_dev = true; }, true},
      {"allow-origin", "browser Origin allowed to connect, repeatable, '*' for any (default: same origin only)",
       [](const bridge_config&) { return std::string(""); },
       [](bridge_config& c, std::string_view v) {
         // The environment form is comma-separated.
         while (!v.empty()) {
           const auto comma = v.find(',');
           if (comma != 0) c.allow_origins.emplace_back(v.substr(0, comma));
           if (comma == std::string_view::npos) break;
           v.remove_prefix(comma + 1);
         }
       }},
      {"max-connections", "WebSocket sessions in total", RC_NUM(max_connections)},
      {"max-connections-per-user", "WebSocket sessions per user", RC_NUM(max_connections_per_user)},
      {"max-message-bytes", "largest client message; bigger closes with 1009", RC_NUM(max_message_bytes)},
      {"ops-per-second", "client ops per second, sustained", RC_NUM(ops_per_second)},
      {"ops-burst", "client ops in a burst", RC_NUM(ops_burst)},
      {"max-op-errors", "bad or rate-limited ops before close 1008", RC_NUM(max_op_errors)},
      {"queue-bytes", "per-session outbound queue limit in bytes", RC_NUM(queue_bytes)},
      {"queue-messages", "per-session outbound queue limit in messages", RC_NUM(queue_messages)},
      {"slow-close-after", "a session over its queue limit this long is closed with 1013", RC_MS(slow_close_after)},
      {"close-timeout", "a close handshake taking longer is torn down", RC_MS(close_timeout)},
      {"ping-interval", "server ping period", RC_MS(ping_interval)},
      {"idle-timeout", "a peer silent this long is disconnected", RC_MS(idle_timeout)},
      {"web-root", "directory of the dashboard's static files",
       [](const bridge_config&) { return std::string(RINGCAST_WEB_ROOT); },
       [](bridge_config& c, std::string_view v) { c.web_root = std::string(v); }},
      {"history-per-user", "events kept per user (and of the global ones) for resume", RC_NUM(history_per_user)},
      {"history-age", "events older than this are not replayed", RC_MS(history_age)},
      {"history-bytes", "memory for the resume history, all users together", RC_NUM(history_bytes)},
      {"kept-users", "users whose latest events (/api/snapshot) and history are kept", RC_NUM(kept_users)},
      {"snapshot-bytes", "memory for the latest events (/api/snapshot), all users together", RC_NUM(snapshot_bytes)},
      {"log-level", "system_log events below this level (DEBUG, INFO, WARN, ERROR) are not sent",
       [](const bridge_config& c) { return std::string(wire_name(c.log_level)); },
       [](bridge_config& c, std::string_view v) {
         std::string upper(v);
         for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
         const auto level = log_level_from_wire(upper);
         if (!level) throw std::invalid_argument("not one of DEBUG, INFO, WARN, ERROR");
         c.log_level = *level;
       }},
      {"log-rate", "system_log events per client per second; the rest are summarised", RC_NUM(log_rate)},
      {"startup-hold", "at start, how long events wait in the ring for clients to (re)connect (0 = none)",
       [](const bridge_config& c) { return show_ms(c.startup_hold); },
       [](bridge_config& c, std::string_view v) {
         c.startup_hold = v == "0" ? std::chrono::milliseconds(0) : parse_duration(v);
       }},
      {"shutdown-grace", "on SIGTERM, how long sessions get to close", RC_MS(shutdown_grace)},
      {"drain-spin-us", "microseconds the drain thread busy-polls an empty ring before sleeping (0 = sleep at once)",
       [](const bridge_config& c) { return std::to_string(c.drain_spin_us); },
       [](bridge_config& c, std::string_view v) {
         const auto us = v == "0" ? 0 : parse_positive(v);
         if (us > 1'000'000) throw std::invalid_argument("at most 1000000 (1 s)");
         c.drain_spin_us = static_cast<std::uint32_t>(us);
       }},
  };
  return k;
}

#undef RC_NUM
#undef RC_MS

std::string env_name(std::string_view flag) {
  std::string e = "RINGCAST_";
  for (const char ch : flag) e += ch == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return e;
}

void apply(const option& o, bridge_config& c, std::string_view value, std::string_view from) {
  try {
    o.set(c, value);
  } catch (const std::invalid_argument& e) {
    throw config_error(std::string(from) + ": bad value \"" + std::string(value) + "\": " + e.what());
  }
}

}  // namespace

std::string config_help() {
  std::string h =
      "usage: ringcast-bridge [options]\n"
      "Drains the shared-memory ring and serves WebSocket clients and HTTP on one port.\n"
      "Each option is also an environment variable, e.g. --queue-bytes is RINGCAST_QUEUE_BYTES.\n"
      "Durations take ms, s or m (250ms, 15s, 2m).\n\n";
  const bridge_config defaults;
  for (const auto& o : options()) {
    std::string line = "  --" + std::string(o.flag) + (o.is_switch ? "" : " V");
    line.resize(std::max<std::size_t>(line.size() + 1, 32), ' ');
    line += o.help;
    const std::string d = o.show(defaults);
    if (!d.empty()) line += " [" + d + "]";
    h += line + "\n";
  }
  h += "  --help                        this text\n";
  return h;
}

std::optional<bridge_config> parse_config(int argc, char** argv) {
  bridge_config c;
  for (const auto& o : options()) {
    const std::string name = env_name(o.flag);
    if (const char* v = std::getenv(name.c_str()); v != nullptr && *v != '\0') apply(o, c, v, name);
  }
  bool origins_from_flags = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(config_help().c_str(), stdout);
      return std::nullopt;
    }
    if (!arg.starts_with("--")) throw config_error("unexpected argument \"" + std::string(arg) + "\" (see --help)");
    arg.remove_prefix(2);
    std::string_view value;
    bool has_value = false;
    if (const auto eq = arg.find('='); eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    const option* found = nullptr;
    for (const auto& o : options())
      if (o.flag == arg) found = &o;
    if (found == nullptr) throw config_error("unknown option --" + std::string(arg) + " (see --help)");
    if (!found->is_switch && !has_value) {
      if (i + 1 >= argc) throw config_error("--" + std::string(arg) + " needs a value");
      value = argv[++i];
    }
    // Flags replace the environment's origin list rather than adding to it.
    if (arg == "allow-origin" && !origins_from_flags) {
      c.allow_origins.clear();
      origins_from_flags = true;
    }
    apply(*found, c, value, "--" + std::string(arg));
  }
  if (c.web_root.empty()) c.web_root = RINGCAST_WEB_ROOT;
  if (c.io_threads == 0) c.io_threads = std::max(1u, std::thread::hardware_concurrency());
  if (c.idle_timeout <= c.ping_interval)
    throw config_error("--idle-timeout (" + show_ms(c.idle_timeout) + ") must be longer than --ping-interval (" +
                       show_ms(c.ping_interval) + ")");
  return c;
}

}  // namespace ringcast::bridge
