#include "ringcast/shm/json_encode.hpp"

#include <algorithm>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <charconv>
#include <cmath>
#include <cstring>
#include <ctime>
#include <type_traits>

namespace ringcast::shm {

namespace detail {

void append_double(double v, std::string& out) {
  if (!std::isfinite(v)) {
    out.append("null");  // JSON has no NaN or Infinity
    return;
  }
  if (v == 0.0) {
    out.push_back('0');  // -0 too: "-0" on a dashboard reads as a bug
    return;
  }
  // As JavaScript's Number.prototype.toString: plain digits from 1e-6 up to
  // 1e21 (0.0001 and 100000, as a person writes them), exponents outside.
  // Either way the shortest digits that read back as exactly v.
  const double magnitude = std::fabs(v);
  const bool plain = magnitude >= 1e-6 && magnitude < 1e21;
  char buf[48];  // longest: 0.000001 with 17 digits (25), or -2.2250738585072014e-308 (24)
  char* end = std::to_chars(buf, buf + sizeof buf, v, plain ? std::chars_format::fixed : std::chars_format::scientific).ptr;
  // to_chars writes a sign and at least two exponent digits (1e-08, 1e+21);
  // JavaScript and people write 1e-7 and 1e+21: drop the exponent's leading zeros.
  char* const e = std::find(buf, end, 'e');
  if (e != end) {
    char* const digits = e + 2;
    char* first = digits;
    while (first + 1 < end && *first == '0') ++first;
    end = std::copy(first, end, digits);
  }
  out.append(buf, end);
}

namespace {

constexpr std::string_view k_replacement_character = "\xEF\xBF\xBD";  // U+FFFD
constexpr char k_hex[] = "0123456789abcdef";

struct utf8_scan {
  std::size_t length;  // bytes of the sequence, or of its ill-formed prefix
  bool valid;
};

// The UTF-8 sequence starting at s[i] (a byte >= 0x80), checked against the
// well-formed byte ranges of Unicode's table 3-7 (no overlong forms, no
// surrogates, nothing above U+10FFFF). An ill-formed sequence reports its
// maximal prefix that could have started a valid one; that prefix becomes
// one U+FFFD ("substitution of maximal subparts", as browsers decode).
utf8_scan scan_utf8(std::string_view s, std::size_t i) noexcept {
  const auto lead = static_cast<unsigned char>(s[i]);
  std::size_t continuation = 0;
  unsigned char low = 0x80;   // allowed range of the second byte
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    continuation = 1;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    continuation = 2;
    if (lead == 0xE0) low = 0xA0;   // overlong below U+0800
    if (lead == 0xED) high = 0x9F;  // surrogates U+D800..U+DFFF
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    continuation = 3;
    if (lead == 0xF0) low = 0x90;   // overlong below U+10000
    if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
  } else {
    return {1, false};  // a stray continuation byte, C0, C1 or F5..FF
  }
  for (std::size_t k = 1; k <= continuation; ++k) {
    if (i + k >= s.size()) return {k, false};
    const auto b = static_cast<unsigned char>(s[i + k]);
    if (b < low || b > high) return {k, false};
    low = 0x80;
    high = 0xBF;
  }
  return {continuation + 1, true};
}

void append_escape(unsigned char c, std::string& out) {
  switch (c) {
    case '"': out.append("\\\""); break;
    case '\\': out.append("\\\\"); break;
    case '\b': out.append("\\b"); break;
    case '\f': out.append("\\f"); break;
    case '\n': out.append("\\n"); break;
    case '\r': out.append("\\r"); break;
    case '\t': out.append("\\t"); break;
    default: {
      const char u[6] = {'\\', 'u', '0', '0', k_hex[c >> 4], k_hex[c & 0xF]};
      out.append(u, sizeof u);
    }
  }
}

}  // namespace

// Written here rather than with boost::json::serialize(string_view): Boost
// 1.81's serializer copies bytes >= 0x80 through unchecked (its escape table
// in impl/serializer.ipp is zero for them), so invalid UTF-8 would reach the
// browser, and serialize() returns a new std::string per call. The escapes
// are the ones it writes: \" \\ \b \f \n \r \t, other controls as \u00XX.
void append_string(std::string_view s, std::string& out) {
  out.push_back('"');
  std::size_t clean_from = 0;  // s[clean_from, i) is appended unchanged
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      const utf8_scan u = scan_utf8(s, i);
      if (u.valid) {
        i += u.length;
        continue;
      }
      out.append(s.data() + clean_from, i - clean_from);
      out.append(k_replacement_character);
      i += u.length;
    } else {
      out.append(s.data() + clean_from, i - clean_from);
      append_escape(c, out);
      ++i;
    }
    clean_from = i;
  }
  out.append(s.data() + clean_from, i - clean_from);
  out.push_back('"');
}

}  // namespace detail

namespace {

// The members hidden as tail counts must exist: a misspelt name in
// detail::is_tail_count would otherwise output the count and hide nothing.
template <class T, std::size_t Hidden>
constexpr bool hides_exactly = boost::mp11::mp_size<detail::described_members<T>>::value -
                                   boost::mp11::mp_size<detail::output_members<T>>::value ==
                               Hidden;
static_assert(hides_exactly<futures_orderbook_update, 2>);
static_assert(hides_exactly<chain_update, 1>);
static_assert(hides_exactly<gateway_status_change, 1>);
static_assert(hides_exactly<system_log, 2>);

// The producer's metadata text as is when it is a JSON object, else null.
// Parsed into a stack buffer: metadata of a few fields allocates nothing.
// boost::json::parse rejects invalid UTF-8 and raw control characters, so
// text it accepts is safe to forward verbatim (numbers keep their spelling).
void append_metadata(std::string_view text, std::string& out) {
  if (!text.empty()) {
    unsigned char buffer[4096];
    boost::json::monotonic_resource resource(buffer, sizeof buffer);
    boost::json::error_code ec;
    const boost::json::value parsed =
        boost::json::parse(boost::json::string_view(text.data(), text.size()), ec, &resource);
    if (!ec && parsed.is_object()) {
      out.append(text);
      return;
    }
  }
  out.append("null");
}

std::string_view text_at(std::span<const std::byte> payload, std::size_t offset, std::size_t size) noexcept {
  return {reinterpret_cast<const char*>(payload.data()) + offset, size};
}

// Appends key ("," "name" ":" "[") then `count` elements copied out of
// `bytes` one at a time (they need not be aligned), then "]".
template <class Element>
void append_array(std::string_view key, const std::byte* bytes, std::size_t count, std::string& out) {
  out.append(key);
  for (std::size_t i = 0; i < count; ++i) {
    if (i != 0) out.push_back(',');
    Element e;
    std::memcpy(&e, bytes + i * sizeof e, sizeof e);
    detail::append_value(e, out);
  }
  out.push_back(']');
}

// Each check below runs before the first append: a refused payload leaves
// `out` untouched.

template <class T>
bool encode_fixed(std::span<const std::byte> payload, std::string& out) {
  if (payload.size() != sizeof(T)) return false;
  T v;
  std::memcpy(&v, payload.data(), sizeof v);
  encode_json(v, out);
  return true;
}

bool encode_tail(std::type_identity<futures_orderbook_update>, std::span<const std::byte> payload,
                 std::string& out) {
  futures_orderbook_update book;
  if (payload.size() < sizeof book) return false;
  std::memcpy(&book, payload.data(), sizeof book);
  const std::size_t bids = book.bid_count;  // read once: the bytes are not ours
  const std::size_t asks = book.ask_count;
  if (payload.size() - sizeof book != (bids + asks) * sizeof(price_level)) return false;
  const std::byte* levels = payload.data() + sizeof book;
  detail::append_members(book, out);
  append_array<price_level>(R"(,"bids":[)", levels, bids, out);
  append_array<price_level>(R"(,"asks":[)", levels + bids * sizeof(price_level), asks, out);
  out.push_back('}');
  return true;
}

bool encode_tail(std::type_identity<chain_update>, std::span<const std::byte> payload, std::string& out) {
  chain_update chain;
  if (payload.size() < sizeof chain) return false;
  std::memcpy(&chain, payload.data(), sizeof chain);
  const std::size_t orders = chain.order_count;
  if (payload.size() - sizeof chain != orders * sizeof(chain_order)) return false;
  detail::append_members(chain, out);
  append_array<chain_order>(R"(,"orders":[)", payload.data() + sizeof chain, orders, out);
  out.push_back('}');
  return true;
}

bool encode_tail(std::type_identity<gateway_status_change>, std::span<const std::byte> payload,
                 std::string& out) {
  gateway_status_change change;
  if (payload.size() < sizeof change) return false;
  std::memcpy(&change, payload.data(), sizeof change);
  const std::size_t metadata = change.metadata_size;
  if (payload.size() - sizeof change != metadata) return false;
  detail::append_members(change, out);
  out.append(R"(,"metadata":)");
  append_metadata(text_at(payload, sizeof change, metadata), out);
  out.push_back('}');
  return true;
}

bool encode_tail(std::type_identity<system_log>, std::span<const std::byte> payload, std::string& out) {
  system_log log;
  if (payload.size() < sizeof log) return false;
  std::memcpy(&log, payload.data(), sizeof log);
  const std::size_t message = log.message_size;
  const std::size_t metadata = log.metadata_size;
  const std::size_t rest = payload.size() - sizeof log;
  if (message > rest || rest - message != metadata) return false;  // no overflow, whatever the sizes
  detail::append_members(log, out);
  out.append(R"(,"message":)");
  detail::append_string(text_at(payload, sizeof log, message), out);
  out.append(R"(,"metadata":)");
  append_metadata(text_at(payload, sizeof log + message, metadata), out);
  out.push_back('}');
  return true;
}

template <class T>
bool encode_checked(std::span<const std::byte> payload, std::string& out) {
  if constexpr (event_traits<T>::has_tail)
    return encode_tail(std::type_identity<T>{}, payload, out);  // a new tail type needs an overload above
  else
    return encode_fixed<T>(payload, out);
}

}  // namespace

bool encode_payload_json(event_type type, std::uint8_t schema_version, std::span<const std::byte> payload,
                         std::string& out) {
  const std::size_t start = out.size();
  bool encoded = false;
  try {
    // An unknown type leaves `encoded` false.
    static_cast<void>(visit_event_type(type, [&]<class T>(std::type_identity<T>) {
      if (schema_version == event_traits<T>::version) encoded = encode_checked<T>(payload, out);
    }));
  } catch (...) {
    out.resize(start);  // std::bad_alloc while growing: no half object left behind
    throw;
  }
  return encoded;
}

void append_iso8601_utc(std::int64_t unix_ns, std::string& out) {
  // Floor division, so that times before 1970 still print a valid date.
  std::int64_t secs = unix_ns / 1'000'000'000;
  std::int64_t frac = unix_ns % 1'000'000'000;
  if (frac < 0) {
    frac += 1'000'000'000;
    --secs;
  }
  // gmtime_r once per second per thread: the bridge stamps every event, and
  // consecutive events nearly always fall in the same second.
  thread_local std::int64_t cached_secs = -1;
  thread_local char cached[32] = {};
  if (secs != cached_secs) {
    const auto t = static_cast<std::time_t>(secs);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    // %Y may print more than 4 digits far from now; 32 bytes hold any year an int can.
    std::strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &tm);
    cached_secs = secs;
  }
  out.append(cached);
  char micros[8] = {'.', '0', '0', '0', '0', '0', '0', 'Z'};
  auto us = static_cast<std::uint32_t>(frac / 1000);
  for (int i = 6; i >= 1; --i, us /= 10) micros[i] = static_cast<char>('0' + us % 10);
  out.append(micros, sizeof micros);
}

}  // namespace ringcast::shm
