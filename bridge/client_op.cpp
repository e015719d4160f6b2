#include "client_op.hpp"

#include <algorithm>
#include <array>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/url/parse.hpp>
#include <charconv>
#include <new>
#include <vector>

namespace ringcast::bridge {

namespace {

constexpr std::size_t k_echo_limit = 64;    // bytes of a client's string echoed back in a detail
constexpr std::size_t k_named_unknown = 3;  // unknown type names listed in one detail

constexpr std::array<std::string_view, 4> k_log_levels{"DEBUG", "INFO", "WARN", "ERROR"};

// The length of the UTF-8 sequence at the start of `s`, or 0 if it is not
// a valid one (overlong forms, surrogates and code points past U+10FFFF
// included): the rules of RFC 3629, section 4.
std::size_t utf8_sequence(std::string_view s) noexcept {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char b = byte(0);
  if (b < 0x80) return 1;
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the range of the second byte
  if (b >= 0xC2 && b <= 0xDF) {
    n = 2;
  } else if (b >= 0xE0 && b <= 0xEF) {
    n = 3;
    if (b == 0xE0) lo = 0xA0;
    if (b == 0xED) hi = 0x9F;
  } else if (b >= 0xF0 && b <= 0xF4) {
    n = 4;
    if (b == 0xF0) lo = 0x90;
    if (b == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (s.size() < n || byte(1) < lo || byte(1) > hi) return 0;
  for (std::size_t i = 2; i < n; ++i)
    if ((byte(i) & 0xC0) != 0x80) return 0;
  return n;
}

// `s` quoted for a detail. Details are echoed to the client (error_reply, or
// the bridge's 400 body), so the echo is cut short - an abusive name cannot
// make the reply large - at a character boundary, and bytes that are not
// UTF-8 (a percent-decoded query can hold any) become U+FFFD: the reply
// must stay valid JSON.
std::string quoted(std::string_view s) {
  std::string out = "\"";
  std::size_t used = 0;
  while (!s.empty()) {
    const std::size_t n = utf8_sequence(s);
    const std::string_view piece = n == 0 ? std::string_view("\xEF\xBF\xBD") : s.substr(0, n);
    if (used + piece.size() > k_echo_limit) break;
    out += piece;
    used += piece.size();
    s.remove_prefix(n == 0 ? 1 : n);
  }
  out += '"';
  return out;
}

bool is_epoch(std::string_view s) noexcept {
  const auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); };
  return !s.empty() && s.size() <= 32 && std::all_of(s.begin(), s.end(), hex);
}

// The event types of a subscribe/unsubscribe op or of ?types=. Unknown names
// are collected rather than reported one at a time, so that a client with
// several typos learns of them at once.
class type_collector {
 public:
  void add(std::string_view name) {
    if (name == "*") {
      types_ |= all_event_types();
    } else if (const auto t = shm::event_type_from_wire(name)) {
      types_.set(static_cast<std::size_t>(*t));
    } else {
      // Compared whole: two long names may differ only past the echoed part.
      if (std::find(named_.begin(), named_.end(), name) != named_.end()) return;
      if (named_.size() < k_named_unknown) {
        named_.emplace_back(name);
      } else {
        ++unnamed_;
      }
    }
  }
  [[nodiscard]] bool ok() const noexcept { return named_.empty(); }
  [[nodiscard]] const type_set& types() const noexcept { return types_; }
  // "unknown event type "X"", "unknown event types "X", "Y", "Z" and 2 more"
  [[nodiscard]] std::string detail() const {
    std::string d = named_.size() + unnamed_ == 1 ? "unknown event type " : "unknown event types ";
    for (std::size_t i = 0; i < named_.size(); ++i) d += (i == 0 ? "" : ", ") + quoted(named_[i]);
    if (unnamed_ > 0) d += " and " + std::to_string(unnamed_) + " more";
    return d;
  }

 private:
  type_set types_;
  std::vector<std::string> named_;  // the first k_named_unknown distinct unknown names, as given
  std::size_t unnamed_ = 0;         // those past them; duplicates among these are counted
};

std::string must(std::string_view member, std::string_view expected) {
  return "\"" + std::string(member) + "\" must be " + std::string(expected);
}

constexpr std::string_view k_types_expected = "a non-empty array of event type names";
constexpr std::string_view k_epoch_expected = "a string of 1 to 32 hex digits";
constexpr std::string_view k_seq_expected = "a non-negative integer";
constexpr std::string_view k_level_expected = R"(one of "DEBUG", "INFO", "WARN", "ERROR")";

op_parse_result parse_types(op_kind kind, const boost::json::object& obj) {
  const auto* types = obj.if_contains("types");
  const auto* list = types == nullptr ? nullptr : types->if_array();
  if (list == nullptr || list->empty()) return {op_error::invalid, must("types", k_types_expected)};
  type_collector c;
  for (const auto& e : *list) {
    const auto* name = e.if_string();
    if (name == nullptr) return {op_error::invalid, must("types", k_types_expected)};
    c.add(*name);
  }
  if (!c.ok()) return {op_error::unknown_type, c.detail()};
  client_op op{.kind = kind};
  op.types = c.types();
  return {std::move(op), {}};
}

op_parse_result parse_resume(const boost::json::object& obj) {
  client_op op{.kind = op_kind::resume};
  const auto* epoch = obj.if_contains("epoch");
  if (epoch == nullptr || !epoch->is_string() || !is_epoch(epoch->get_string()))
    return {op_error::invalid, must("epoch", k_epoch_expected)};
  op.resume.epoch = epoch->get_string();
  // A JSON integer: Boost.JSON keeps those past INT64_MAX as uint64, and
  // anything with a fraction or an exponent as a double, which is refused
  // even when it happens to be whole - a seq is never a computed number.
  const auto* seq = obj.if_contains("lastSeq");
  if (const auto* u = seq == nullptr ? nullptr : seq->if_uint64()) {
    op.resume.last_seq = *u;
  } else if (const auto* i = seq == nullptr ? nullptr : seq->if_int64(); i != nullptr && *i >= 0) {
    op.resume.last_seq = static_cast<std::uint64_t>(*i);
  } else {
    return {op_error::invalid, must("lastSeq", k_seq_expected)};
  }
  return {std::move(op), {}};
}

// batch, stats: {"op":..,"enabled":true|false}
op_parse_result parse_switch(op_kind kind, const boost::json::object& obj) {
  const auto* enabled = obj.if_contains("enabled");
  if (enabled == nullptr || !enabled->is_bool()) return {op_error::invalid, must("enabled", "true or false")};
  client_op op{.kind = kind};
  op.enabled = enabled->get_bool();
  return {std::move(op), {}};
}

op_parse_result parse_log_level(const boost::json::object& obj) {
  const auto* level = obj.if_contains("level");
  const auto l = level == nullptr || !level->is_string() ? std::nullopt : log_level_from_wire(level->get_string());
  if (!l) return {op_error::invalid, must("level", k_level_expected)};
  client_op op{.kind = op_kind::log_level};
  op.level = *l;
  return {std::move(op), {}};
}

}  // namespace

type_set all_event_types() noexcept {
  type_set s;
  for (std::uint16_t i = 0; i < shm::k_event_type_count; ++i)
    if (shm::is_known_event_type(i)) s.set(i);
  return s;
}

std::string_view code(op_error e) noexcept {
  switch (e) {
    case op_error::malformed: return "malformed";
    case op_error::unknown_op: return "unknown_op";
    case op_error::binary: return "binary";
    case op_error::rate_limited: return "rate_limited";
    case op_error::unknown_type: return "unknown_type";
    case op_error::invalid: return "invalid";
    case op_error::forbidden: return "forbidden";
  }
  return "malformed";
}

std::string_view wire_name(shm::log_level l) noexcept {
  const auto i = static_cast<std::size_t>(l);
  return i < k_log_levels.size() ? k_log_levels[i] : std::string_view{};
}

std::optional<shm::log_level> log_level_from_wire(std::string_view name) noexcept {
  for (std::size_t i = 0; i < k_log_levels.size(); ++i)
    if (k_log_levels[i] == name) return static_cast<shm::log_level>(i);
  return std::nullopt;
}

op_parse_result parse_client_op(std::string_view text) noexcept {
  try {
    // Ops are at most a few KiB (the session enforces the limit): parse into
    // a stack buffer, spilling to the heap only for pathological input.
    std::array<unsigned char, 4096> buffer;
    boost::json::monotonic_resource mr(buffer.data(), buffer.size());
    boost::json::parse_options opts;
    opts.max_depth = 8;  // ops are flat; deep nesting is abuse, not an op
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(text, ec, &mr, opts);
    if (ec) return {op_error::malformed, "not JSON: " + ec.message()};
    const auto* obj = v.if_object();
    if (obj == nullptr) return {op_error::malformed, "an op is a JSON object"};
    const auto* op = obj->if_contains("op");
    if (op == nullptr || !op->is_string()) return {op_error::malformed, "missing string member \"op\""};
    const std::string_view name = op->get_string();
    if (name == "ping") return {client_op{.kind = op_kind::ping}, {}};
    if (name == "subscribe") return parse_types(op_kind::subscribe, *obj);
    if (name == "unsubscribe") return parse_types(op_kind::unsubscribe, *obj);
    if (name == "resume") return parse_resume(*obj);
    if (name == "batch") return parse_switch(op_kind::batch, *obj);
    if (name == "stats") return parse_switch(op_kind::stats, *obj);
    if (name == "log_level") return parse_log_level(*obj);
    return {op_error::unknown_op, "unknown op " + quoted(name)};
  } catch (const std::bad_alloc&) {
    return {op_error::malformed, "op too large"};
  }
}

ws_options_result parse_ws_options(std::string_view target) noexcept {
  try {
    const auto url = boost::urls::parse_origin_form(target);
    if (!url) return {op_error::malformed, "unparsable request target"};
    const auto query_must = [](std::string_view param, std::string_view expected) {
      return "query parameter " + must(param, expected);
    };
    ws_options out;
    type_collector types;
    std::optional<std::string> epoch;
    std::optional<std::uint64_t> last_seq;
    bool seen_batch = false;
    bool seen_stats = false;
    // The same parameter twice with different meanings has no right answer;
    // only types, a list, may repeat (URLSearchParams.append() makes that).
    const auto twice = [](std::string_view param) {
      return "query parameter \"" + std::string(param) + "\" is given more than once";
    };
    for (const boost::urls::param p : url->params()) {
      const std::string_view key = p.key, value = p.value;
      if (key == "types") {
        if (value.empty())
          return {op_error::invalid, query_must("types", "a comma-separated list of event type names")};
        for (std::string_view rest = value;;) {
          const auto comma = rest.find(',');
          types.add(rest.substr(0, comma));  // "A,,B" names "", which is unknown: say so rather than guess
          if (comma == std::string_view::npos) break;
          rest.remove_prefix(comma + 1);
        }
        out.types = types.types();
      } else if (key == "epoch") {
        if (epoch) return {op_error::invalid, twice(key)};
        if (!is_epoch(value)) return {op_error::invalid, query_must("epoch", "1 to 32 hex digits")};
        epoch = std::string(value);
      } else if (key == "lastSeq") {
        if (last_seq) return {op_error::invalid, twice(key)};
        // All of it: from_chars stops at the first non-digit ("5x" reads as
        // 5). Into an unsigned type it refuses "", a sign, and overflow.
        std::uint64_t n = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
        if (ec != std::errc{} || end != value.data() + value.size())
          return {op_error::invalid, query_must("lastSeq", k_seq_expected)};
        last_seq = n;
      } else if (key == "batch" || key == "stats") {
        bool& seen = key == "batch" ? seen_batch : seen_stats;
        if (seen) return {op_error::invalid, twice(key)};
        seen = true;
        if (value != "1" && value != "true" && value != "0" && value != "false")
          return {op_error::invalid, query_must(key, "1, true, 0 or false")};
        (key == "batch" ? out.batch : out.stats) = value == "1" || value == "true";
      } else if (key == "logLevel") {
        if (out.level) return {op_error::invalid, twice(key)};
        out.level = log_level_from_wire(value);
        if (!out.level) return {op_error::invalid, query_must("logLevel", k_level_expected)};
      }
      // Anything else (token, cache busters) is someone else's business.
    }
    if (!types.ok()) return {op_error::unknown_type, types.detail()};
    if (epoch.has_value() != last_seq.has_value())
      return {op_error::invalid, std::string(R"(query parameters "epoch" and "lastSeq" go together: )") +
                                     (epoch ? R"("lastSeq")" : R"("epoch")") + " is missing"};
    if (epoch) out.resume = resume_point{std::move(*epoch), *last_seq};
    return {std::move(out), {}};
  } catch (const std::bad_alloc&) {
    return {op_error::malformed, "request target too large"};
  }
}

std::string error_reply(op_error e, std::string_view detail) {
  boost::json::object o;
  o["type"] = "error";
  o["code"] = code(e);
  o["message"] = detail;
  return boost::json::serialize(o);
}

std::string pong_reply() { return R"({"type":"pong"})"; }

}  // namespace ringcast::bridge
