// JSON -> payload bytes: the tails (levels, chain orders, message, metadata)
// and the assembly of the bytes; the members themselves are decoded by
// json_decode_members.hpp, generically. Everything is checked before `out`
// is touched.
#include "ringcast/shm/json_decode.hpp"

#include <fmt/format.h>

#include <cstring>
#include <stdexcept>
#include <initializer_list>
#include <limits>
#include <span>

#include "json_decode_members.hpp"

namespace ringcast::shm {

namespace {

namespace json = boost::json;
using namespace detail::json_decoding;

// ---- tails ----

constexpr std::size_t k_max_tail_count = std::numeric_limits<std::uint16_t>::max();  // counts are uint16
constexpr int k_max_metadata_depth = 64;  // parsed text stops at 32; this bounds hand-built objects

const json::value* find_tail(const json::object& obj, const path_node& field, std::string& error) {
  const json::value* jv = obj.if_contains(field.key);
  if (jv == nullptr) fail(field, "missing (every field is required)", error);
  return jv;
}

template <class Element>
bool decode_array(const json::object& obj, std::string_view key, std::vector<Element>& elements,
                  const path_node& at, std::string& error) {
  const path_node field{&at, key};
  const json::value* jv = find_tail(obj, field, error);
  if (jv == nullptr) return false;
  if (!jv->is_array()) return expected(field, "an array", *jv, error);
  const json::array& items = jv->get_array();
  if (items.size() > k_max_tail_count)
    return fail(field, fmt::format("{} elements; at most {}", items.size(), k_max_tail_count), error);
  elements.resize(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    zero_bytes(elements[i]);
    if (!decode_value(items[i], elements[i], path_node{&field, {}, i, true}, error)) return false;
  }
  return true;
}

// Compact JSON text of a parsed value, written as json_encode writes values
// (shortest doubles, escaped UTF-8).
bool write_json(const json::value& v, std::string& out, int depth, const path_node& at, std::string& error) {
  if (depth > k_max_metadata_depth)
    return fail(at, fmt::format("nested deeper than {} levels", k_max_metadata_depth), error);
  switch (v.kind()) {
    case json::kind::array: {
      out.push_back('[');
      for (const json::value& item : v.get_array()) {
        if (out.back() != '[') out.push_back(',');
        if (!write_json(item, out, depth + 1, at, error)) return false;
      }
      out.push_back(']');
      return true;
    }
    case json::kind::object: {
      out.push_back('{');
      for (const auto& kv : v.get_object()) {
        if (out.back() != '{') out.push_back(',');
        detail::append_string(kv.key(), out);
        out.push_back(':');
        if (!write_json(kv.value(), out, depth + 1, at, error)) return false;
      }
      out.push_back('}');
      return true;
    }
    case json::kind::string: detail::append_string(v.get_string(), out); return true;
    default: out += describe(v); return true;  // null, true, false, numbers
  }
}

bool decode_metadata(const json::object& obj, std::string& text, const path_node& at, std::string& error) {
  const path_node field{&at, "metadata"};
  const json::value* jv = find_tail(obj, field, error);
  if (jv == nullptr) return false;
  if (jv->is_null()) return true;  // no metadata: size 0, encoded as null
  if (!jv->is_object()) return expected(field, "an object or null", *jv, error);
  return write_json(*jv, text, 1, field, error);
}

template <class T>
std::span<const std::byte> bytes_of(const T& v) noexcept {
  return std::as_bytes(std::span<const T>(&v, 1));
}
std::span<const std::byte> bytes_of(std::string_view s) noexcept { return std::as_bytes(std::span(s.data(), s.size())); }

// Replaces `out` with the parts, one after another. For bytes, resize() has
// the strong guarantee: if it throws, `out` is as it was.
void assign_parts(std::vector<std::byte>& out, std::initializer_list<std::span<const std::byte>> parts) {
  std::size_t total = 0;
  for (const auto& p : parts) total += p.size();
  out.resize(total);
  std::byte* dst = out.data();
  for (const auto& p : parts) {
    if (!p.empty()) std::memcpy(dst, p.data(), p.size());
    dst += p.size();
  }
}

template <class T>
bool decode_fixed(const json::object& obj, std::vector<std::byte>& out, const path_node& at, std::string& error) {
  T v;
  zero_bytes(v);
  if (!decode_members(obj, v, {}, at, error)) return false;
  assign_parts(out, {bytes_of(v)});
  return true;
}

bool decode_tail(std::type_identity<futures_orderbook_update>, const json::object& obj, std::vector<std::byte>& out,
                 const path_node& at, std::string& error) {
  static constexpr std::string_view k_tail[] = {"bids", "asks"};
  futures_orderbook_update book;
  zero_bytes(book);
  std::vector<price_level> bids;
  std::vector<price_level> asks;
  if (!decode_members(obj, book, k_tail, at, error) || !decode_array(obj, "bids", bids, at, error) ||
      !decode_array(obj, "asks", asks, at, error))
    return false;
  book.bid_count = static_cast<std::uint16_t>(bids.size());  // <= k_max_tail_count: checked
  book.ask_count = static_cast<std::uint16_t>(asks.size());
  assign_parts(out, {bytes_of(book), std::as_bytes(std::span(bids)), std::as_bytes(std::span(asks))});
  return true;
}

bool decode_tail(std::type_identity<chain_update>, const json::object& obj, std::vector<std::byte>& out,
                 const path_node& at, std::string& error) {
  static constexpr std::string_view k_tail[] = {"orders"};
  chain_update chain;
  zero_bytes(chain);
  std::vector<chain_order> orders;
  if (!decode_members(obj, chain, k_tail, at, error) || !decode_array(obj, "orders", orders, at, error)) return false;
  chain.order_count = static_cast<std::uint16_t>(orders.size());
  assign_parts(out, {bytes_of(chain), std::as_bytes(std::span(orders))});
  return true;
}

bool decode_tail(std::type_identity<gateway_status_change>, const json::object& obj, std::vector<std::byte>& out,
                 const path_node& at, std::string& error) {
  static constexpr std::string_view k_tail[] = {"metadata"};
  gateway_status_change change;
  zero_bytes(change);
  std::string metadata;
  if (!decode_members(obj, change, k_tail, at, error) || !decode_metadata(obj, metadata, at, error)) return false;
  if (metadata.size() > std::numeric_limits<std::uint32_t>::max())
    return fail(path_node{&at, "metadata"}, "over 4 GiB", error);
  change.metadata_size = static_cast<std::uint32_t>(metadata.size());
  assign_parts(out, {bytes_of(change), bytes_of(std::string_view(metadata))});
  return true;
}

bool decode_tail(std::type_identity<system_log>, const json::object& obj, std::vector<std::byte>& out,
                 const path_node& at, std::string& error) {
  static constexpr std::string_view k_tail[] = {"message", "metadata"};
  system_log log;
  zero_bytes(log);
  if (!decode_members(obj, log, k_tail, at, error)) return false;
  const path_node message_at{&at, "message"};
  const json::value* message = find_tail(obj, message_at, error);
  if (message == nullptr) return false;
  if (!message->is_string()) return expected(message_at, "a string", *message, error);
  std::string metadata;
  if (!decode_metadata(obj, metadata, at, error)) return false;
  const std::string_view text = message->get_string();
  constexpr std::size_t k_max_size = std::numeric_limits<std::uint32_t>::max();
  if (text.size() > k_max_size) return fail(message_at, "over 4 GiB", error);
  if (metadata.size() > k_max_size) return fail(path_node{&at, "metadata"}, "over 4 GiB", error);
  log.message_size = static_cast<std::uint32_t>(text.size());
  log.metadata_size = static_cast<std::uint32_t>(metadata.size());
  assign_parts(out, {bytes_of(log), bytes_of(text), bytes_of(std::string_view(metadata))});
  return true;
}

template <class T>
bool decode_checked(const json::object& obj, std::vector<std::byte>& out, const path_node& at, std::string& error) {
  if constexpr (event_traits<T>::has_tail)
    return decode_tail(std::type_identity<T>{}, obj, out, at, error);  // a new tail type needs an overload above
  else
    return decode_fixed<T>(obj, out, at, error);
}

}  // namespace

bool decode_payload_json(event_type type, const boost::json::object& payload, std::vector<std::byte>& out,
                         std::string& error) {
  const path_node root{nullptr, "payload"};
  bool decoded = false;
  const bool known = visit_event_type(type, [&]<class T>(std::type_identity<T>) {
    decoded = decode_checked<T>(payload, out, root, error);
  });
  if (!known) error = fmt::format("unknown event type {}", static_cast<unsigned>(type));
  return known && decoded;
}

bool decode_payload_json(event_type type, std::string_view payload_object_json, std::vector<std::byte>& out,
                         std::string& error) {
  if (!is_known_event_type(static_cast<std::uint16_t>(type))) {
    error = fmt::format("unknown event type {}", static_cast<unsigned>(type));
    return false;
  }
  boost::system::error_code ec;
  std::size_t consumed = 0;
  const boost::json::value v = parse_json_exact(payload_object_json, ec, &consumed);
  if (ec) {
    error = fmt::format("payload: invalid JSON at offset {}: {}", consumed, ec.message());
    return false;
  }
  if (!v.is_object()) return expected(path_node{nullptr, "payload"}, "an object", v, error);
  return decode_payload_json(type, v.get_object(), out, error);
}

std::string to_json_text(const json::value& v) {
  std::string out;
  std::string error;
  if (!write_json(v, out, 0, path_node{nullptr, "value"}, error)) throw std::invalid_argument(error);
  return out;
}

}  // namespace ringcast::shm
