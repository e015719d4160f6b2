// The inbound-op parser: what a client may send, and the answer to
// everything else.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "client_op.hpp"

namespace ringcast::bridge {
namespace {

op_error error_of(std::string_view text) {
  const auto r = parse_client_op(text);
  EXPECT_TRUE(std::holds_alternative<op_error>(r.value)) << text;
  return std::holds_alternative<op_error>(r.value) ? std::get<op_error>(r.value) : op_error::malformed;
}

TEST(client_op, ping_is_an_op) {
  const auto r = parse_client_op(R"({"op":"ping"})");
  ASSERT_TRUE(std::holds_alternative<client_op>(r.value));
  EXPECT_EQ(std::get<client_op>(r.value).kind, op_kind::ping);
  EXPECT_EQ(pong_reply(), R"({"type":"pong"})");
}

TEST(client_op, extra_members_are_ignored) {
  EXPECT_TRUE(std::holds_alternative<client_op>(parse_client_op(R"({"id":7,"op":"ping"})").value));
}

TEST(client_op, malformed_input_is_named_malformed) {
  for (const char* text : {"", "ping", "[]", "\"ping\"", "{}", R"({"op":1})", R"({"op":null})", "{\"op\":\"ping\"",
                           R"({"op":"ping"} x)"})
    EXPECT_EQ(error_of(text), op_error::malformed) << text;
}

TEST(client_op, deep_nesting_is_refused_not_recursed) {
  const std::string deep = R"({"op":"ping","x":)" + std::string(100, '[') + std::string(100, ']') + "}";
  EXPECT_EQ(error_of(deep), op_error::malformed);
}

TEST(client_op, unknown_op_is_named_and_echoed_short) {
  const auto r = parse_client_op(R"({"op":"subscribe-everything"})");
  ASSERT_EQ(std::get<op_error>(r.value), op_error::unknown_op);
  EXPECT_NE(r.detail.find("subscribe-everything"), std::string::npos);

  const std::string long_name(5000, 'x');
  const auto l = parse_client_op(R"({"op":")" + long_name + "\"}");
  EXPECT_EQ(std::get<op_error>(l.value), op_error::unknown_op);
  EXPECT_LT(l.detail.size(), 100u);
}

TEST(client_op, echoed_name_is_cut_at_a_character_boundary) {
  // 63 ASCII bytes then a 2-byte character straddling the 64-byte cut.
  const std::string name = std::string(63, 'a') + "\xC3\xA9" + "tail";
  const auto r = parse_client_op(R"({"op":")" + name + "\"}");
  ASSERT_EQ(std::get<op_error>(r.value), op_error::unknown_op);
  boost::system::error_code ec;
  const auto reply = boost::json::parse(error_reply(op_error::unknown_op, r.detail), ec);  // validates UTF-8
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(r.detail.find("\xC3"), std::string::npos);
}

TEST(client_op, error_reply_is_the_documented_json) {
  const auto v = boost::json::parse(error_reply(op_error::rate_limited, "slow \"down\""));
  EXPECT_EQ(v.at("type"), "error");
  EXPECT_EQ(v.at("code"), "rate_limited");
  EXPECT_EQ(v.at("message"), "slow \"down\"");
  EXPECT_EQ(code(op_error::binary), "binary");
  EXPECT_EQ(code(op_error::unknown_op), "unknown_op");
}

}  // namespace
}  // namespace ringcast::bridge
