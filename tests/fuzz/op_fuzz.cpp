// Feeds arbitrary bytes to parse_client_op() as a client's text message, and
// to parse_ws_options() as the query of a /ws request target. Beyond "never
// crashes" (ASan/UBSan abort on any bad access), it checks what the bridge
// relies on: every error detail fits in a JSON reply a client can parse
// (valid UTF-8 included: unknown op and type names are echoed back, cut
// short, and a percent-decoded query can hold any byte).
#include <boost/json/parse.hpp>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "client_op.hpp"

namespace {

void check_reply(ringcast::bridge::op_error e, std::string_view detail) {
  boost::system::error_code ec;
  const auto reply = boost::json::parse(ringcast::bridge::error_reply(e, detail), ec);
  if (ec || !reply.is_object() || reply.as_object().at("type") != "error") std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ringcast::bridge;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto r = parse_client_op(text);
  if (const auto* e = std::get_if<op_error>(&r.value)) check_reply(*e, r.detail);

  const auto q = parse_ws_options("/ws?" + std::string(text));
  if (const auto* e = std::get_if<op_error>(&q.value)) {
    check_reply(*e, q.detail);
  } else {
    // What the bridge then relies on: no padding bit, a resume point as documented.
    const auto& o = std::get<ws_options>(q.value);
    if (o.types && o.types->test(0)) std::abort();
    if (o.resume && (o.resume->epoch.empty() || o.resume->epoch.size() > 32)) std::abort();
  }
  return 0;
}
