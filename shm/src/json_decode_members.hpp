// The generic half of json_decode.cpp: field paths and messages, the schema
// names (from json_write.hpp's compile-time texts), and the decoder of each
// kind of member, walking the Describe'd members as json_write.hpp does to
// encode. Private to the shm library.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/mp11/algorithm.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "ringcast/shm/detail/json_write.hpp"

namespace ringcast::shm::detail::json_decoding {

namespace json = boost::json;

// ---- where in the payload: a path turned into text only for a message ----

struct path_node {
  const path_node* parent = nullptr;
  std::string_view key;   // member key (the root's is "payload")
  std::size_t index = 0;  // array element, when is_index
  bool is_index = false;
};

[[nodiscard]] inline bool is_plain_key(std::string_view key) noexcept {
  return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// Text from the input, quoted and escaped for a one-line message; cut at 40
// bytes: enough to recognise a value, short enough for a terminal line.
inline std::string excerpt(std::string_view s) {
  constexpr std::size_t k_excerpt = 40;
  std::string out;
  shm::detail::append_string(s.substr(0, k_excerpt), out);
  if (s.size() > k_excerpt) out += "...";
  return out;
}

inline void append_path(const path_node& at, std::string& out) {
  if (at.parent == nullptr) {
    out += at.key;
    return;
  }
  append_path(*at.parent, out);
  if (at.is_index)
    out += fmt::format("[{}]", at.index);
  else if (is_plain_key(at.key))
    out.append(".").append(at.key);
  else
    out.append("[").append(excerpt(at.key)).append("]");  // payload["odd key"]
}

inline bool fail(const path_node& at, std::string_view what, std::string& error) {
  std::string message;
  append_path(at, message);
  message.append(": ").append(what);
  error = std::move(message);
  return false;
}

inline std::string describe(const json::value& v) {
  std::string out;
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return v.get_bool() ? "true" : "false";
    case json::kind::int64: shm::detail::append_integer(v.get_int64(), out); return out;
    case json::kind::uint64: shm::detail::append_integer(v.get_uint64(), out); return out;
    case json::kind::double_: shm::detail::append_double(v.get_double(), out); return out;
    case json::kind::string: return "a string";
    case json::kind::array: return "an array";
    case json::kind::object: return "an object";
  }
  return "a value";
}

inline bool expected(const path_node& at, std::string_view what, const json::value& got, std::string& error) {
  return fail(at, fmt::format("expected {}; got {}", what, describe(got)), error);
}

// ---- names, from json_write.hpp's compile-time texts ----

template <class D>
constexpr std::string_view member_key() noexcept {
  constexpr std::string_view quoted = shm::detail::k_member_key<D, ','>.view();  // ,"orderId":
  return quoted.substr(2, quoted.size() - 4);
}

template <class D>
constexpr std::string_view enum_wire_name() noexcept {
  constexpr std::string_view quoted = shm::detail::k_enum_text<D>.view();  // "PARTIALLY_FILLED"
  return quoted.substr(1, quoted.size() - 2);
}

// The tail part each hidden count or size is derived from.
constexpr std::string_view derived_from(std::string_view count) noexcept {
  if (count == "bid_count") return "bids";
  if (count == "ask_count") return "asks";
  if (count == "order_count") return "orders";
  if (count == "message_size") return "message";
  if (count == "metadata_size") return "metadata";
  return "the tail";  // a new tail type: name its part above
}

// ---- values ----

template <class T>
bool decode_members(const json::object& obj, T& v, std::span<const std::string_view> tail_keys,
                    const path_node& at, std::string& error);

inline bool decode_double(const json::value& jv, double& v, const path_node& at, std::string& error) {
  switch (jv.kind()) {
    case json::kind::int64: v = static_cast<double>(jv.get_int64()); return true;
    case json::kind::uint64: v = static_cast<double>(jv.get_uint64()); return true;
    case json::kind::double_:
      // JSON text has no infinities: one here is a number beyond ±1.8e308.
      if (!std::isfinite(jv.get_double())) return fail(at, "number out of range for a double", error);
      v = jv.get_double();
      return true;
    case json::kind::null: v = std::numeric_limits<double>::quiet_NaN(); return true;  // how NaN is encoded
    default: return expected(at, "a number", jv, error);
  }
}

template <class I>
bool decode_integer(const json::value& jv, I& v, const path_node& at, std::string& error) {
  constexpr double k_exact_limit = 9007199254740992.0;  // 2^53: doubles above it skip integers
  const auto in_range = [&](auto x) {
    if (!std::in_range<I>(x))
      return fail(at, fmt::format("{} is out of range {}..{}", describe(jv), std::numeric_limits<I>::min(),
                                  std::numeric_limits<I>::max()), error);
    v = static_cast<I>(x);
    return true;
  };
  switch (jv.kind()) {
    case json::kind::int64: return in_range(jv.get_int64());
    case json::kind::uint64: return in_range(jv.get_uint64());
    case json::kind::double_: {
      const double d = jv.get_double();
      if (!std::isfinite(d) || std::trunc(d) != d) return expected(at, "an integer", jv, error);
      if (std::fabs(d) > k_exact_limit)
        return fail(at, fmt::format("{} is beyond 2^53 with a fraction or exponent; write the integer digits",
                                    describe(jv)), error);
      return in_range(static_cast<std::int64_t>(d));
    }
    default: return expected(at, "an integer", jv, error);
  }
}

template <std::size_t N>
bool decode_fixed_string(const json::value& jv, fixed_string<N>& v, const path_node& at, std::string& error) {
  if (!jv.is_string()) return expected(at, "a string", jv, error);
  const std::string_view s = jv.get_string();
  if (s.size() > N) return fail(at, fmt::format("string of {} bytes is over the limit of {} bytes", s.size(), N), error);
  // fixed_string ends at the first NUL: anything after it would be lost.
  if (s.find('\0') != std::string_view::npos) return fail(at, "string contains U+0000, which cannot be stored", error);
  static_cast<void>(v.assign(s));  // fits: checked above
  return true;
}

template <class E>
bool decode_enum(const json::value& jv, E& v, const path_node& at, std::string& error) {
  using enumerators = boost::describe::describe_enumerators<E>;
  if (jv.is_string()) {
    const std::string_view s = jv.get_string();
    bool found = false;
    boost::mp11::mp_for_each<enumerators>([&](auto d) {
      if (!found && enum_wire_name<decltype(d)>() == s) {
        v = d.value;
        found = true;
      }
    });
    if (found) return true;
  }
  std::string what = "expected one of ";
  boost::mp11::mp_for_each<enumerators>([&](auto d) {
    if (what.back() == '"') what += ", ";
    what += shm::detail::k_enum_text<decltype(d)>.view();
  });
  what += "; got ";
  what += jv.is_string() ? excerpt(jv.get_string()) : describe(jv);
  return fail(at, what, error);
}

template <class V>
bool decode_value(const json::value& jv, V& v, const path_node& at, std::string& error) {
  if constexpr (std::is_same_v<V, flag>) {
    if (!jv.is_bool()) return expected(at, "true or false", jv, error);
    v = flag(jv.get_bool());
    return true;
  } else if constexpr (std::is_same_v<V, double>) {
    return decode_double(jv, v, at, error);
  } else if constexpr (shm::detail::is_fixed_string_v<V>) {
    return decode_fixed_string(jv, v, at, error);
  } else if constexpr (std::is_enum_v<V> && boost::describe::has_describe_enumerators<V>::value) {
    return decode_enum(jv, v, at, error);
  } else if constexpr (std::is_integral_v<V> && !std::is_same_v<V, bool> && !std::is_same_v<V, char>) {
    return decode_integer(jv, v, at, error);
  } else if constexpr (boost::describe::has_describe_members<V>::value) {
    if (!jv.is_object()) return expected(at, "an object", jv, error);
    return decode_members(jv.get_object(), v, {}, at, error);
  } else {
    static_assert(shm::detail::unsupported_member_type_v<V>, "no JSON decoding for this member type: add one here");
  }
}

// Payload structs are written out whole, padding included: zero it, so that
// the same JSON always gives the same bytes.
template <class T>
void zero_bytes(T& v) noexcept {
  std::memset(static_cast<void*>(&v), 0, sizeof v);
}

template <class T>
std::string expected_keys(std::span<const std::string_view> tail_keys) {
  std::string keys;
  boost::mp11::mp_for_each<shm::detail::output_members<T>>([&](auto d) {
    keys.append(keys.empty() ? "" : ", ").append(member_key<decltype(d)>());
  });
  for (const std::string_view k : tail_keys) keys.append(", ").append(k);
  return keys;
}

// T's output members, from an object that holds them all and nothing else
// but `tail_keys` (decoded by the caller).
template <class T>
bool decode_members(const json::object& obj, T& v, std::span<const std::string_view> tail_keys,
                    const path_node& at, std::string& error) {
  // Unknown keys first: a misspelt key is named as such, not as the member
  // it was meant to be reported missing.
  for (const auto& kv : obj) {
    const std::string_view key = kv.key();
    std::string_view count;  // the schema name of a hidden count sent anyway
    bool is_member = std::find(tail_keys.begin(), tail_keys.end(), key) != tail_keys.end();
    boost::mp11::mp_for_each<shm::detail::described_members<T>>([&](auto d) {
      using D = decltype(d);
      if (member_key<D>() != key) return;
      if (shm::detail::is_tail_count<T>(D::name))
        count = D::name;
      else
        is_member = true;
    });
    if (is_member) continue;
    const path_node field{&at, key};
    if (!count.empty())
      return fail(field, fmt::format("derived from \"{}\"; leave it out", derived_from(count)), error);
    return fail(field, fmt::format("unknown field; expected {}", expected_keys<T>(tail_keys)), error);
  }
  bool ok = true;
  boost::mp11::mp_for_each<shm::detail::output_members<T>>([&](auto d) {
    using D = decltype(d);
    if (!ok) return;
    const path_node field{&at, member_key<D>()};
    const json::value* jv = obj.if_contains(member_key<D>());
    ok = jv == nullptr ? fail(field, "missing (every field is required)", error)
                       : decode_value(*jv, v.*D::pointer, field, error);
  });
  return ok;
}

}  // namespace ringcast::shm::detail::json_decoding
