#include "schema_doc.hpp"

#include <boost/describe.hpp>
#include <boost/json.hpp>
#include <boost/mp11.hpp>
#include <type_traits>

#include "ringcast/shm/detail/json_write.hpp"
#include "ringcast/shm/layout.hpp"
#include "ringcast/shm/schema.hpp"
#include "ringcast/shm/state_key.hpp"

namespace ringcast::tools {

namespace {

using namespace ringcast::shm;

std::string camel(std::string_view snake) {
  std::string out;
  bool upper = false;
  for (char c : snake) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out += upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    upper = false;
  }
  return out;
}

std::string wire_enum(std::string_view name) {
  if (name.ends_with('_')) name.remove_suffix(1);
  std::string out;
  for (char c : name) out += c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
  return out;
}

template <class>
inline constexpr bool k_is_fixed_string = false;
template <std::size_t N>
inline constexpr bool k_is_fixed_string<fixed_string<N>> = true;

template <class V>
std::string kind_of() {
  if constexpr (std::is_same_v<V, flag>) {
    return "boolean";
  } else if constexpr (std::is_same_v<V, double>) {
    return "number";
  } else if constexpr (k_is_fixed_string<V>) {
    return "string (≤ " + std::to_string(V::capacity) + " bytes)";
  } else if constexpr (std::is_enum_v<V>) {
    std::string out;
    boost::mp11::mp_for_each<boost::describe::describe_enumerators<V>>([&](auto e) {
      out += (out.empty() ? "" : " \\| ") + std::string("`\"") + wire_enum(e.name) + "\"`";
    });
    return out;
  } else {
    static_assert(std::is_integral_v<V>);
    return "integer";
  }
}

template <class T>
std::string field_rows() {
  std::string out;
  boost::mp11::mp_for_each<boost::describe::describe_members<T, boost::describe::mod_public>>([&](auto d) {
    if (shm::detail::is_tail_count<T>(d.name)) return;
    using V = std::remove_cvref_t<decltype(std::declval<T&>().*d.pointer)>;
    std::string note = std::string_view(d.name).ends_with("_time") ? " — Unix ms" : "";
    out += "| `" + camel(d.name) + "` | " + kind_of<V>() + note + " |\n";
  });
  return out;
}

template <class T>
std::string tail_rows() {
  if constexpr (std::is_same_v<T, futures_orderbook_update>)
    return "| `bids` | array of `{price, qty}`, best first |\n| `asks` | array of `{price, qty}`, best first |\n";
  else if constexpr (std::is_same_v<T, chain_update>)
    return "| `orders` | array of chain orders (below) |\n";
  else if constexpr (std::is_same_v<T, gateway_status_change>)
    return "| `metadata` | object, or null |\n";
  else if constexpr (std::is_same_v<T, system_log>)
    return "| `message` | string |\n| `metadata` | object, or null |\n";
  else
    return "";
}

// ---- JSON ----

// Enum type names, which Boost.Describe does not give: a new enum in the
// schema fails to compile until it is named here.
template <class E>
inline constexpr std::string_view k_enum_name{};
template <>
inline constexpr std::string_view k_enum_name<order_side> = "order_side";
template <>
inline constexpr std::string_view k_enum_name<position_side> = "position_side";
template <>
inline constexpr std::string_view k_enum_name<margin_type> = "margin_type";
template <>
inline constexpr std::string_view k_enum_name<order_type> = "order_type";
template <>
inline constexpr std::string_view k_enum_name<order_status> = "order_status";
template <>
inline constexpr std::string_view k_enum_name<chain_status> = "chain_status";
template <>
inline constexpr std::string_view k_enum_name<signal_direction> = "signal_direction";
template <>
inline constexpr std::string_view k_enum_name<log_level> = "log_level";

template <class E>
boost::json::array json_enumerators() {
  boost::json::array out;
  boost::mp11::mp_for_each<boost::describe::describe_enumerators<E>>([&](auto e) {
    out.push_back(boost::json::object{{"name", wire_enum(e.name)}, {"value", static_cast<int>(e.value)}});
  });
  return out;
}

// T's members in declaration order; enums met on the way go to `enums`.
template <class T>
boost::json::array json_fields(boost::json::object& enums) {
  boost::json::array out;
  const T probe{};
  const auto* base = reinterpret_cast<const char*>(&probe);
  boost::mp11::mp_for_each<boost::describe::describe_members<T, boost::describe::mod_public>>([&](auto d) {
    using V = std::remove_cvref_t<decltype(probe.*d.pointer)>;
    boost::json::object f{{"name", d.name},
                          {"json", camel(d.name)},
                          {"offset", reinterpret_cast<const char*>(&(probe.*d.pointer)) - base},
                          {"size", sizeof(V)}};
    if constexpr (std::is_same_v<V, flag>) {
      f["kind"] = "flag";
    } else if constexpr (std::is_same_v<V, double>) {
      f["kind"] = "double";
    } else if constexpr (k_is_fixed_string<V>) {
      f["kind"] = "string";
      f["capacity"] = V::capacity;
    } else if constexpr (std::is_enum_v<V>) {
      static_assert(!k_enum_name<V>.empty(), "name the new enum in k_enum_name");
      f["kind"] = "enum";
      f["enum"] = k_enum_name<V>;
      f["size"] = sizeof(std::underlying_type_t<V>);
      if (!enums.contains(k_enum_name<V>)) enums[k_enum_name<V>] = json_enumerators<V>();
    } else {
      static_assert(std::is_integral_v<V>);
      f["kind"] = (std::is_signed_v<V> ? "int" : "uint") + std::to_string(sizeof(V) * 8);
    }
    if (shm::detail::is_tail_count<T>(d.name)) f["tailCount"] = true;
    out.push_back(std::move(f));
  });
  return out;
}

// The variable part after the struct, in payload order.
template <class T>
boost::json::array json_tail() {
  using boost::json::object;
  if constexpr (std::is_same_v<T, futures_orderbook_update>)
    return {object{{"name", "bids"}, {"kind", "array"}, {"element", "price_level"}, {"count", "bid_count"}},
            object{{"name", "asks"}, {"kind", "array"}, {"element", "price_level"}, {"count", "ask_count"}}};
  else if constexpr (std::is_same_v<T, chain_update>)
    return {object{{"name", "orders"}, {"kind", "array"}, {"element", "chain_order"}, {"count", "order_count"}}};
  else if constexpr (std::is_same_v<T, gateway_status_change>)
    return {object{{"name", "metadata"}, {"kind", "json"}, {"count", "metadata_size"}}};
  else if constexpr (std::is_same_v<T, system_log>)
    return {object{{"name", "message"}, {"kind", "text"}, {"count", "message_size"}},
            object{{"name", "metadata"}, {"kind", "json"}, {"count", "metadata_size"}}};
  else
    return {};
}

// The JSON name of the member `member` points to.
template <class T, class M>
std::string json_name_of(M member) {
  std::string name;
  boost::mp11::mp_for_each<boost::describe::describe_members<T, boost::describe::mod_public>>([&](auto d) {
    if constexpr (std::is_same_v<std::remove_cv_t<decltype(d.pointer)>, M>)
      if (d.pointer == member) name = camel(d.name);
  });
  return name;
}

// A state event's key fields by their JSON names (shm/state_key.hpp); null
// for a stream event.
template <class T>
boost::json::value json_key() {
  if constexpr (!state_event<T>) {
    return nullptr;
  } else {
    boost::json::array names;
    std::apply([&](auto... member) { (names.emplace_back(json_name_of<T>(member)), ...); }, state_key<T>::fields);
    return names;
  }
}

template <class T>
boost::json::object json_struct(boost::json::object& enums) {
  return {{"size", sizeof(T)}, {"align", alignof(T)}, {"fields", json_fields<T>(enums)}};
}

}  // namespace

std::string schema_json() {
  boost::json::object enums;
  boost::json::array events;
  for (std::uint16_t i = 1; i < k_event_type_count; ++i) {
    const auto type = static_cast<event_type>(i);
    visit_event_type(type, [&](auto tag) {
      using T = typename decltype(tag)::type;
      boost::json::object e = json_struct<T>(enums);
      const std::string_view wire = wire_name(type);
      std::string name;  // the C++ (and C) type name: the wire name in lower case
      for (char c : wire) name += c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
      e["wireName"] = wire;
      e["name"] = name;
      e["type"] = i;
      e["version"] = event_traits<T>::version;
      e["tail"] = json_tail<T>();
      e["stateKey"] = json_key<T>();
      events.push_back(std::move(e));
    });
  }
  boost::json::object structs{{"price_level", json_struct<price_level>(enums)},
                              {"chain_order", json_struct<chain_order>(enums)}};
  const boost::json::object doc{{"maxUserId", k_max_user_id},
                                {"enums", std::move(enums)},
                                {"structs", std::move(structs)},
                                {"events", std::move(events)}};
  return boost::json::serialize(doc) + "\n";
}

std::string schema_markdown() {
  std::string out;
  for (std::uint16_t i = 1; i < k_event_type_count; ++i) {
    const auto type = static_cast<event_type>(i);
    visit_event_type(type, [&](auto tag) {
      using T = typename decltype(tag)::type;
      out += "\n### `" + std::string(wire_name(type)) + "`\n\n";
      out += "Type " + std::to_string(i) + ", schema v" + std::to_string(event_traits<T>::version) + ".\n\n";
      out += "| field | JSON |\n| --- | --- |\n" + field_rows<T>() + tail_rows<T>();
    });
  }
  out += "\n### Chain order (element of `CHAIN_UPDATE.orders`)\n\n| field | JSON |\n| --- | --- |\n" +
         field_rows<chain_order>();
  out += "\n### Price level (element of `bids` and `asks`)\n\n| field | JSON |\n| --- | --- |\n" +
         field_rows<price_level>();
  return out;
}

std::string with_schema_block(std::string_view doc) {
  const auto begin = doc.find(k_schema_begin);
  const auto end = doc.find(k_schema_end);
  if (begin == std::string_view::npos || end == std::string_view::npos || end < begin) return {};
  const auto after_begin = begin + k_schema_begin.size();
  return std::string(doc.substr(0, after_begin)) + "\n" + schema_markdown() + "\n" + std::string(doc.substr(end));
}

}  // namespace ringcast::tools
