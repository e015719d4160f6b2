// The pieces json_encode.hpp is built from: compile-time key and enum texts
// derived from the Boost.Describe'd schema, and the appenders for each kind
// of member. Not an API of its own; include json_encode.hpp.
#pragma once

#include <boost/describe.hpp>
#include <boost/mp11/algorithm.hpp>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "ringcast/shm/fixed_string.hpp"
#include "ringcast/shm/schema.hpp"

namespace ringcast::shm::detail {

// ---- compile-time texts ----

// A string computed at compile time, appended with one out.append().
template <std::size_t N>
struct const_text {
  char chars[N]{};
  [[nodiscard]] constexpr std::string_view view() const noexcept { return {chars, N}; }
};

// Schema names are plain snake_case identifiers, so keys and enum strings
// never need escaping; this is checked at compile time for every name used.
[[nodiscard]] constexpr bool is_snake_identifier(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

// unrealized_pnl -> unrealizedPnl; a trailing _ (long_) is dropped.
[[nodiscard]] constexpr std::size_t camel_length(std::string_view s) noexcept {
  std::size_t n = 0;
  for (char c : s) n += c == '_' ? 0 : 1;
  return n;
}

[[nodiscard]] constexpr char ascii_upper(char c) noexcept { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

// Lead + "camelName": , e.g. {"orderId": or ,"orderId":
template <class D, char Lead>
inline constexpr auto k_member_key = [] {
  constexpr std::string_view name{D::name};
  static_assert(is_snake_identifier(name), "schema member names must be snake_case identifiers");
  const_text<camel_length(name) + 4> t;
  std::size_t o = 0;
  t.chars[o++] = Lead;
  t.chars[o++] = '"';
  bool upper_next = false;
  for (char c : name) {
    if (c == '_') {
      upper_next = true;
      continue;
    }
    t.chars[o++] = upper_next ? ascii_upper(c) : c;
    upper_next = false;
  }
  t.chars[o++] = '"';
  t.chars[o++] = ':';
  return t;
}();

// "PARTIALLY_FILLED" from partially_filled, "NEW" from new_ (with quotes).
template <class D>
inline constexpr auto k_enum_text = [] {
  constexpr std::string_view name{D::name};
  static_assert(is_snake_identifier(name), "schema enumerator names must be snake_case identifiers");
  constexpr std::string_view stem = name.ends_with('_') ? name.substr(0, name.size() - 1) : name;
  const_text<stem.size() + 2> t;
  std::size_t o = 0;
  t.chars[o++] = '"';
  for (char c : stem) t.chars[o++] = ascii_upper(c);
  t.chars[o++] = '"';
  return t;
}();

// ---- which members are not output ----

// The counts and sizes that describe a payload's tail: they are checked
// against the payload size and replaced by the tail itself in the JSON.
template <class T>
[[nodiscard]] constexpr bool is_tail_count(std::string_view member) noexcept {
  if constexpr (std::is_same_v<T, futures_orderbook_update>) return member == "bid_count" || member == "ask_count";
  else if constexpr (std::is_same_v<T, chain_update>) return member == "order_count";
  else if constexpr (std::is_same_v<T, gateway_status_change>) return member == "metadata_size";
  else if constexpr (std::is_same_v<T, system_log>) return member == "message_size" || member == "metadata_size";
  else return false;
}

template <class T>
using described_members = boost::describe::describe_members<T, boost::describe::mod_public>;

template <class T>
struct is_output_member {
  template <class D>
  using fn = std::bool_constant<!is_tail_count<T>(std::string_view{D::name})>;
};

// The members that appear in T's JSON object, in declaration order.
template <class T>
using output_members = boost::mp11::mp_copy_if_q<described_members<T>, is_output_member<T>>;

// ---- appenders ----

// Shortest round-trip text (std::to_chars), exponent as JavaScript writes it
// (1e-7, 1e+21); -0 -> 0; NaN and infinities -> null.
void append_double(double v, std::string& out);

// A quoted JSON string: " \ and control characters escaped, invalid UTF-8
// replaced by U+FFFD, so the result is always valid UTF-8.
void append_string(std::string_view s, std::string& out);

template <class V>
inline constexpr bool is_fixed_string_v = false;
template <std::size_t N>
inline constexpr bool is_fixed_string_v<fixed_string<N>> = true;

template <class V>
inline constexpr bool unsupported_member_type_v = false;

template <class I>
void append_integer(I v, std::string& out) {
  char buf[24];  // 20 digits of uint64 max, or sign + 19 of int64 min
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

template <class E>
void append_enum(E v, std::string& out) {
  bool found = false;
  boost::mp11::mp_for_each<boost::describe::describe_enumerators<E>>([&](auto d) {
    if (!found && v == d.value) {
      out.append(k_enum_text<decltype(d)>.view());
      found = true;
    }
  });
  if (!found) out.append("null");  // a value no enumerator names (bytes from another build or garbage)
}

template <class T>
void append_members(const T& v, std::string& out);

template <class V>
void append_value(const V& v, std::string& out) {
  if constexpr (std::is_same_v<V, flag>) {
    out.append(static_cast<bool>(v) ? std::string_view{"true"} : std::string_view{"false"});
  } else if constexpr (std::is_same_v<V, double>) {
    append_double(v, out);
  } else if constexpr (is_fixed_string_v<V>) {
    append_string(v.view(), out);
  } else if constexpr (std::is_enum_v<V> && boost::describe::has_describe_enumerators<V>::value) {
    append_enum(v, out);
  } else if constexpr (std::is_integral_v<V> && !std::is_same_v<V, bool> && !std::is_same_v<V, char>) {
    append_integer(v, out);
  } else if constexpr (boost::describe::has_describe_members<V>::value) {
    append_members(v, out);
    out.push_back('}');
  } else {
    static_assert(unsupported_member_type_v<V>, "no JSON encoding for this member type: add one to json_write.hpp");
  }
}

// Appends '{' and T's output members, without the closing '}' (tail types
// append their arrays and texts before closing).
template <class T>
void append_members(const T& v, std::string& out) {
  using members = output_members<T>;
  static_assert(boost::mp11::mp_size<members>::value > 0, "a payload needs at least one output member");
  boost::mp11::mp_for_each<boost::mp11::mp_iota<boost::mp11::mp_size<members>>>([&](auto index) {
    using D = boost::mp11::mp_at<members, decltype(index)>;
    out.append(k_member_key<D, decltype(index)::value == 0 ? '{' : ','>.view());
    append_value(v.*D::pointer, out);
  });
}

}  // namespace ringcast::shm::detail
