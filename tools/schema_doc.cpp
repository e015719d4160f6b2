#include "schema_doc.hpp"

#include <boost/describe.hpp>
#include <boost/mp11.hpp>
#include <type_traits>

#include "ringcast/shm/detail/json_write.hpp"
#include "ringcast/shm/schema.hpp"

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

}  // namespace

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
