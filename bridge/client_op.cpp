#include "client_op.hpp"

#include <algorithm>
#include <array>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <new>

namespace ringcast::bridge {

std::string_view code(op_error e) noexcept {
  switch (e) {
    case op_error::malformed: return "malformed";
    case op_error::unknown_op: return "unknown_op";
    case op_error::binary: return "binary";
    case op_error::rate_limited: return "rate_limited";
  }
  return "malformed";
}

op_parse_result parse_client_op(std::string_view text) noexcept {
  try {
    // Ops are at most a few KiB (the session enforces the limit): parse into
    // a stack buffer, spilling to the heap only for pathological input.
    std::array<unsigned char, 4096> buffer;
    boost::json::monotonic_resource mr(buffer.data(), buffer.size());
    boost::json::parse_options opts;
    opts.max_depth = 8;  // ops are flat; deep nesting is abuse, not an op
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(text, ec, &mr, opts);
    if (ec) return {op_error::malformed, "not JSON: " + ec.message()};
    const auto* obj = v.if_object();
    if (obj == nullptr) return {op_error::malformed, "an op is a JSON object"};
    const auto* op = obj->if_contains("op");
    if (op == nullptr || !op->is_string()) return {op_error::malformed, "missing string member \"op\""};
    const std::string_view name = op->get_string();
    if (name == "ping") return {client_op{op_kind::ping}, {}};
    // The name is echoed back (error_reply escapes it); cut it so that an
    // abusive op cannot make the reply large, at a character boundary so
    // that the reply stays valid UTF-8.
    std::size_t n = std::min<std::size_t>(name.size(), 64);
    while (n > 0 && n < name.size() && (static_cast<unsigned char>(name[n]) & 0xC0) == 0x80) --n;
    return {op_error::unknown_op, "unknown op \"" + std::string(name.substr(0, n)) + "\""};
  } catch (const std::bad_alloc&) {
    return {op_error::malformed, "op too large"};
  }
}

std::string error_reply(op_error e, std::string_view detail) {
  boost::json::object o;
  o["type"] = "error";
  o["code"] = code(e);
  o["message"] = detail;
  return boost::json::serialize(o);
}

std::string pong_reply() { return R"({"type":"pong"})"; }

}  // namespace ringcast::bridge
