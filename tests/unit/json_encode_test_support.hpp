// Helpers for json_encode_test.cpp: publish-shaped payload bytes, generic
// fill and check of Describe'd structs, and parsing of the encoder's output.
// Names and wire strings are recomputed here at run time, independently of
// the encoder's compile-time tables, so that a bug in one is not hidden by
// the same bug in the other.
#pragma once

#include <gtest/gtest.h>

#include <boost/describe.hpp>
#include <boost/json.hpp>
#include <boost/mp11/algorithm.hpp>
#include <cstring>
#include <limits>
#include <optional>
#include <random>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "ringcast/shm/json_encode.hpp"

namespace ringcast::test::json {

using namespace ringcast::shm;
namespace bj = boost::json;

// ---- payload bytes, laid out as publisher.cpp writes them ----

inline void append_raw(std::vector<std::byte>& b, const void* p, std::size_t n) {
  const auto* first = static_cast<const std::byte*>(p);
  b.insert(b.end(), first, first + n);
}
template <class T>
std::vector<std::byte> bytes_of(const T& v) {
  std::vector<std::byte> b;
  append_raw(b, &v, sizeof v);
  return b;
}
inline std::vector<std::byte> trimmed(std::vector<std::byte> b, std::size_t size) {
  b.resize(size);
  return b;
}
inline std::vector<std::byte> grown(std::vector<std::byte> b, std::size_t extra) {
  b.resize(b.size() + extra, std::byte{0x5A});
  return b;
}

inline std::vector<std::byte> book_payload(futures_orderbook_update book, std::span<const price_level> bids,
                                           std::span<const price_level> asks) {
  book.bid_count = static_cast<std::uint16_t>(bids.size());
  book.ask_count = static_cast<std::uint16_t>(asks.size());
  auto b = bytes_of(book);
  append_raw(b, bids.data(), bids.size_bytes());
  append_raw(b, asks.data(), asks.size_bytes());
  return b;
}
inline std::vector<std::byte> chain_payload(chain_update chain, std::span<const chain_order> orders) {
  chain.order_count = static_cast<std::uint16_t>(orders.size());
  auto b = bytes_of(chain);
  append_raw(b, orders.data(), orders.size_bytes());
  return b;
}
inline std::vector<std::byte> gateway_payload(gateway_status_change change, std::string_view metadata) {
  change.metadata_size = static_cast<std::uint32_t>(metadata.size());
  auto b = bytes_of(change);
  append_raw(b, metadata.data(), metadata.size());
  return b;
}
inline std::vector<std::byte> log_payload(system_log log, std::string_view message, std::string_view metadata) {
  log.message_size = static_cast<std::uint32_t>(message.size());
  log.metadata_size = static_cast<std::uint32_t>(metadata.size());
  auto b = bytes_of(log);
  append_raw(b, message.data(), message.size());
  append_raw(b, metadata.data(), metadata.size());
  return b;
}

// ---- running the encoder ----

inline std::optional<std::string> encode(event_type t, std::uint8_t version, std::span<const std::byte> bytes) {
  std::string out;
  if (!encode_payload_json(t, version, bytes, out)) return std::nullopt;
  return out;
}

// Refused, and the caller's text left exactly as it was.
inline testing::AssertionResult refused(event_type t, std::uint8_t version, std::span<const std::byte> bytes) {
  std::string out = "earlier text";
  if (encode_payload_json(t, version, bytes, out)) return testing::AssertionFailure() << "accepted: " << out;
  if (out != "earlier text") return testing::AssertionFailure() << "refused but appended: " << out;
  return testing::AssertionSuccess();
}

template <class T>
std::string encoded(const T& v) {
  std::string out;
  encode_json(v, out);
  return out;
}

inline bj::object parse_object(const std::string& text) {
  bj::error_code ec;
  bj::value v = bj::parse(text, ec);
  if (ec || !v.is_object()) {
    ADD_FAILURE() << "not a JSON object (" << ec.message() << "): " << text;
    return {};
  }
  return std::move(v.as_object());
}

inline std::string str(const bj::value& v) {
  if (!v.is_string()) {
    ADD_FAILURE() << "not a string: " << bj::serialize(v);
    return {};
  }
  return {v.get_string().data(), v.get_string().size()};
}

inline std::string parse_string(const std::string& json_text) {
  bj::error_code ec;
  const bj::value v = bj::parse(json_text, ec);
  if (ec) ADD_FAILURE() << "invalid JSON (" << ec.message() << "): " << testing::PrintToString(json_text);
  return ec ? std::string{} : str(v);
}

// The text written for a double, as the value of pnl_update's first member.
inline std::string number_text(double v) {
  pnl_update p{};
  p.total_pnl = v;
  const std::string out = encoded(p);
  constexpr std::string_view head = R"({"totalPnl":)";
  const std::size_t end = out.find(R"(,"dailyPnl")");
  if (!out.starts_with(head) || end == std::string::npos) return "unexpected: " + out;
  return out.substr(head.size(), end - head.size());
}

// The JSON string written for arbitrary bytes (a system_log message).
inline std::string string_text(std::string_view raw) {
  const auto out = encode(event_type::system_log, 1, log_payload({}, raw, ""));
  if (!out) return "refused";
  constexpr std::string_view head = R"({"level":"DEBUG","source":"","message":)";
  constexpr std::string_view tail = R"(,"metadata":null})";
  if (!out->starts_with(head) || !out->ends_with(tail)) return "unexpected: " + *out;
  return out->substr(head.size(), out->size() - head.size() - tail.size());
}

// ---- names, recomputed ----

inline std::string camel(std::string_view snake) {
  std::string s;
  bool upper = false;
  for (char c : snake) {
    if (c == '_') {
      upper = true;
    } else {
      s += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
      upper = false;
    }
  }
  return s;
}

inline std::string wire_enum(std::string_view snake) {
  if (snake.ends_with('_')) snake.remove_suffix(1);
  std::string s;
  for (char c : snake) s += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

template <class T>
bool is_hidden_count(std::string_view member) {
  const std::set<std::string_view> hidden = []() -> std::set<std::string_view> {
    if constexpr (std::is_same_v<T, futures_orderbook_update>) return {"bid_count", "ask_count"};
    else if constexpr (std::is_same_v<T, chain_update>) return {"order_count"};
    else if constexpr (std::is_same_v<T, gateway_status_change>) return {"metadata_size"};
    else if constexpr (std::is_same_v<T, system_log>) return {"message_size", "metadata_size"};
    else return {};
  }();
  return hidden.contains(member);
}

// ---- generic fill and check ----

template <class V>
inline constexpr bool is_fixed_string_v = false;
template <std::size_t N>
inline constexpr bool is_fixed_string_v<fixed_string<N>> = true;

template <class T>
void fill_struct(T& v, int first = 0);

// Distinct, non-default values: extremes for integers, non-ASCII in text,
// exactly representable doubles of both signs, enumerators other than 0.
template <class V>
void fill_value(V& v, int i) {
  if constexpr (std::is_same_v<V, flag>) {
    v = flag(i % 2 == 0);
  } else if constexpr (std::is_same_v<V, double>) {
    v = (i % 2 != 0 ? -1.0 : 1.0) * (i + 0.375) * 1000.0;
  } else if constexpr (is_fixed_string_v<V>) {
    v.assign("v" + std::to_string(i) + "\xC3\xA9");
  } else if constexpr (std::is_enum_v<V>) {
    using list = boost::describe::describe_enumerators<V>;
    int k = 0;
    const int pick = 1 + i % (static_cast<int>(boost::mp11::mp_size<list>::value) - 1);
    boost::mp11::mp_for_each<list>([&](auto d) {
      if (k++ == pick) v = d.value;
    });
  } else if constexpr (std::is_integral_v<V> && std::is_signed_v<V>) {
    v = static_cast<V>(std::numeric_limits<V>::min() + i);
  } else if constexpr (std::is_integral_v<V>) {
    v = static_cast<V>(std::numeric_limits<V>::max() - static_cast<V>(i));
  } else {
    fill_struct(v, i * 10);
  }
}

template <class T>
void fill_struct(T& v, int first) {
  int i = first;
  boost::mp11::mp_for_each<boost::describe::describe_members<T, boost::describe::mod_public>>(
      [&](auto d) { fill_value(v.*d.pointer, i++); });
}

template <class V>
void expect_value(const bj::value& jv, const V& v, const std::string& where) {
  SCOPED_TRACE(where);
  if constexpr (std::is_same_v<V, flag>) {
    EXPECT_EQ(jv, bj::value(static_cast<bool>(v)));
  } else if constexpr (std::is_same_v<V, double>) {
    ASSERT_TRUE(jv.is_number());
    EXPECT_DOUBLE_EQ(jv.to_number<double>(), v);
  } else if constexpr (is_fixed_string_v<V>) {
    EXPECT_EQ(str(jv), v.view());
  } else if constexpr (std::is_enum_v<V>) {
    const char* name = boost::describe::enum_to_string(v, nullptr);
    if (name == nullptr)
      EXPECT_TRUE(jv.is_null());
    else
      EXPECT_EQ(str(jv), wire_enum(name));
  } else if constexpr (std::is_integral_v<V>) {
    ASSERT_TRUE(jv.is_int64() || jv.is_uint64()) << bj::serialize(jv);
    EXPECT_EQ(jv.to_number<V>(), v);
  } else {
    ASSERT_TRUE(jv.is_object()) << bj::serialize(jv);
    const bj::object& obj = jv.get_object();
    std::size_t members = 0;
    boost::mp11::mp_for_each<boost::describe::describe_members<V, boost::describe::mod_public>>([&](auto d) {
      ++members;
      const bj::value* field = obj.if_contains(camel(d.name));
      ASSERT_NE(field, nullptr) << camel(d.name);
      expect_value(*field, v.*d.pointer, where + "." + camel(d.name));
    });
    EXPECT_EQ(obj.size(), members);
  }
}

// ---- a sample tail per tail type ----

inline std::vector<price_level> sample_levels(int n, int seed) {
  std::vector<price_level> levels(static_cast<std::size_t>(n));
  for (auto& l : levels) fill_struct(l, seed++);
  return levels;
}
inline std::vector<chain_order> sample_orders() {
  std::vector<chain_order> orders(2);
  fill_struct(orders[0], 1);
  fill_struct(orders[1], 2);
  return orders;
}
constexpr std::string_view k_sample_metadata = R"({"a":1,"b":[true,null]})";
constexpr std::string_view k_sample_message = "hello \"log\" \xE2\x82\xAC";

template <class T>
std::vector<std::byte> with_sample_tail(const T& v) {
  if constexpr (std::is_same_v<T, futures_orderbook_update>) return book_payload(v, sample_levels(2, 1), sample_levels(1, 5));
  else if constexpr (std::is_same_v<T, chain_update>) return chain_payload(v, sample_orders());
  else if constexpr (std::is_same_v<T, gateway_status_change>) return gateway_payload(v, k_sample_metadata);
  else if constexpr (std::is_same_v<T, system_log>) return log_payload(v, k_sample_message, k_sample_metadata);
  else return bytes_of(v);
}

template <class T>
std::set<std::string> sample_tail_keys() {
  if constexpr (std::is_same_v<T, futures_orderbook_update>) return {"bids", "asks"};
  else if constexpr (std::is_same_v<T, chain_update>) return {"orders"};
  else if constexpr (std::is_same_v<T, gateway_status_change>) return {"metadata"};
  else if constexpr (std::is_same_v<T, system_log>) return {"message", "metadata"};
  else return {};
}

template <class Element>
void expect_array(const bj::object& obj, const char* key, const std::vector<Element>& want) {
  ASSERT_TRUE(obj.contains(key) && obj.at(key).is_array()) << key;
  const bj::array& got = obj.at(key).get_array();
  ASSERT_EQ(got.size(), want.size()) << key;
  for (std::size_t i = 0; i < want.size(); ++i) expect_value(got[i], want[i], key + std::string("[") + std::to_string(i) + "]");
}

template <class T>
void expect_sample_tail(const T&, const bj::object& obj) {
  if constexpr (std::is_same_v<T, futures_orderbook_update>) {
    expect_array(obj, "bids", sample_levels(2, 1));
    expect_array(obj, "asks", sample_levels(1, 5));
  } else if constexpr (std::is_same_v<T, chain_update>) {
    expect_array(obj, "orders", sample_orders());
  } else if constexpr (std::is_same_v<T, gateway_status_change> || std::is_same_v<T, system_log>) {
    ASSERT_TRUE(obj.contains("metadata"));
    EXPECT_EQ(obj.at("metadata"), bj::parse(k_sample_metadata));
    if constexpr (std::is_same_v<T, system_log>) {
      EXPECT_EQ(str(obj.at("message")), k_sample_message);
    }
  }
}

// Bytes another process might have written: random everywhere (NaNs,
// enums out of range, broken UTF-8, non-JSON metadata), with counts and
// sizes that match the random tail so that the payload is accepted.
template <class T>
std::vector<std::byte> random_payload(std::mt19937_64& rng) {
  const auto random_bytes = [&](std::size_t n) {
    std::vector<std::byte> b(n);
    for (auto& x : b) x = static_cast<std::byte>(rng() & 0xFF);
    return b;
  };
  const auto up_to = [&](std::size_t max) { return static_cast<std::size_t>(rng() % (max + 1)); };
  T head;
  const auto head_bytes = random_bytes(sizeof head);
  std::memcpy(&head, head_bytes.data(), sizeof head);
  std::vector<std::byte> tail;
  if constexpr (std::is_same_v<T, futures_orderbook_update>) {
    head.bid_count = static_cast<std::uint16_t>(up_to(4));
    head.ask_count = static_cast<std::uint16_t>(up_to(4));
    tail = random_bytes((head.bid_count + head.ask_count) * sizeof(price_level));
  } else if constexpr (std::is_same_v<T, chain_update>) {
    head.order_count = static_cast<std::uint16_t>(up_to(3));
    tail = random_bytes(head.order_count * sizeof(chain_order));
  } else if constexpr (std::is_same_v<T, gateway_status_change>) {
    head.metadata_size = static_cast<std::uint32_t>(up_to(40));
    tail = random_bytes(head.metadata_size);
  } else if constexpr (std::is_same_v<T, system_log>) {
    head.message_size = static_cast<std::uint32_t>(up_to(40));
    head.metadata_size = static_cast<std::uint32_t>(up_to(8));
    tail = random_bytes(head.message_size + head.metadata_size);
  }
  auto b = bytes_of(head);
  b.insert(b.end(), tail.begin(), tail.end());
  return b;
}

}  // namespace ringcast::test::json
