#include "event_line.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>

#include "ringcast/shm/detail/json_write.hpp"
#include "ringcast/shm/json_decode.hpp"
#include "ringcast/shm/layout.hpp"

namespace ringcast::publish {

namespace {

namespace json = boost::json;

constexpr std::array<std::string_view, 3> k_keys = {"type", "userId", "payload"};

// What a value is, for "expected X; got Y".
std::string kind_of(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return v.get_bool() ? "true" : "false";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: return "a number";
    case json::kind::string: return "a string";
    case json::kind::array: return "an array";
    case json::kind::object: return "an object";
  }
  return "a value";
}

// Input text quoted and escaped for a one-line message, cut at 40 bytes.
std::string quoted(std::string_view s) {
  constexpr std::size_t k_excerpt = 40;
  std::string out;
  shm::detail::append_string(s.substr(0, k_excerpt), out);
  if (s.size() > k_excerpt) out += "...";
  return out;
}

bool fail(std::string& error, std::string message) {
  error = std::move(message);
  return false;
}

}  // namespace

bool parse_event_line(std::string_view text, event_line& out, std::string& error) {
  boost::system::error_code ec;
  std::size_t consumed = 0;
  const json::value line = shm::parse_json_exact(text, ec, &consumed);
  if (ec) return fail(error, fmt::format("invalid JSON at column {}: {}", consumed + 1, ec.message()));
  if (!line.is_object())
    return fail(error, fmt::format(R"(expected an object {{"type", "userId", "payload"}}; got {})", kind_of(line)));
  const json::object& obj = line.get_object();

  for (const auto& kv : obj) {
    if (std::find(k_keys.begin(), k_keys.end(), kv.key()) == k_keys.end())
      return fail(error, fmt::format("{}: unknown top-level key; expected type, userId, payload", quoted(kv.key())));
  }

  const json::value* type = obj.if_contains("type");
  if (type == nullptr) return fail(error, "type: missing");
  if (!type->is_string()) return fail(error, fmt::format("type: expected a string; got {}", kind_of(*type)));
  const std::string_view type_name = type->get_string();
  const auto event = shm::event_type_from_wire(type_name);
  if (!event)
    return fail(error, fmt::format("type: unknown event type {} (ringcast-publish --help lists them)", quoted(type_name)));

  std::string_view user_id;  // absent: a global event
  if (const json::value* user = obj.if_contains("userId")) {
    if (!user->is_string()) return fail(error, fmt::format("userId: expected a string; got {}", kind_of(*user)));
    user_id = user->get_string();
    if (user_id.size() > shm::k_max_user_id)
      return fail(error, fmt::format("userId: {} bytes is over the limit of {} bytes", user_id.size(), shm::k_max_user_id));
  }

  const json::value* payload = obj.if_contains("payload");
  if (payload == nullptr) return fail(error, "payload: missing");
  if (!payload->is_object()) return fail(error, fmt::format("payload: expected an object; got {}", kind_of(*payload)));
  if (!shm::decode_payload_json(*event, payload->get_object(), out.payload, error)) return false;

  out.type = *event;
  static_cast<void>(shm::visit_event_type(*event, [&]<class T>(std::type_identity<T>) {
    out.schema_version = shm::event_traits<T>::version;
  }));
  out.user_id.assign(user_id);
  return true;
}

}  // namespace ringcast::publish
