// Feeds arbitrary bytes to parse_client_op() as a client's text message.
// Beyond "never crashes" (ASan/UBSan abort on any bad access), it checks
// what the session relies on: every error reply is JSON a client can parse
// (valid UTF-8 included: the unknown op's name is echoed back, cut short).
#include <boost/json/parse.hpp>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

#include "client_op.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ringcast::bridge;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto r = parse_client_op(text);
  if (const auto* e = std::get_if<op_error>(&r.value)) {
    boost::system::error_code ec;
    const auto reply = boost::json::parse(error_reply(*e, r.detail), ec);
    if (ec || !reply.is_object() || reply.as_object().at("type") != "error") std::abort();
  }
  return 0;
}
