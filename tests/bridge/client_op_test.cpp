// The inbound-op parser and the /ws query parser: what a client may send,
// and the answer to everything else.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <cstdint>
#include <limits>
#include <string>

#include "client_op.hpp"

namespace ringcast::bridge {
namespace {

op_error error_of(std::string_view text) {
  const auto r = parse_client_op(text);
  EXPECT_TRUE(std::holds_alternative<op_error>(r.value)) << text;
  return std::holds_alternative<op_error>(r.value) ? std::get<op_error>(r.value) : op_error::malformed;
}

client_op op_of(std::string_view text) {
  const auto r = parse_client_op(text);
  EXPECT_TRUE(std::holds_alternative<client_op>(r.value)) << text << ": " << r.detail;
  return std::holds_alternative<client_op>(r.value) ? std::get<client_op>(r.value) : client_op{};
}

// The error's code and detail, for EXPECT_EQ on the code and a look into the detail.
std::pair<op_error, std::string> failure_of(std::string_view text) {
  auto r = parse_client_op(text);
  EXPECT_TRUE(std::holds_alternative<op_error>(r.value)) << text;
  return {std::holds_alternative<op_error>(r.value) ? std::get<op_error>(r.value) : op_error::malformed,
          std::move(r.detail)};
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

type_set set_of(std::initializer_list<shm::event_type> types) {
  type_set s;
  for (const auto t : types) s.set(static_cast<std::size_t>(t));
  return s;
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
  for (const char* text :
       {"", "ping", "[]", "\"ping\"", "{}", R"({"op":1})", R"({"op":null})", "{\"op\":\"ping\"", R"({"op":"ping"} x)"})
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

// ---- subscribe / unsubscribe ----

TEST(client_op, subscribe_names_wire_types) {
  const auto op = op_of(R"({"op":"subscribe","types":["PNL_UPDATE","ORDER_UPDATE","system_log"]})");
  EXPECT_EQ(op.kind, op_kind::subscribe);
  EXPECT_EQ(op.types,
            set_of({shm::event_type::pnl_update, shm::event_type::order_update, shm::event_type::system_log}));
}

TEST(client_op, unsubscribe_names_wire_types) {
  const auto op = op_of(R"({"op":"unsubscribe","types":["gateway_status_change","PNL_UPDATE","PNL_UPDATE"]})");
  EXPECT_EQ(op.kind, op_kind::unsubscribe);
  EXPECT_EQ(op.types, set_of({shm::event_type::gateway_status_change, shm::event_type::pnl_update}));
}

TEST(client_op, star_is_every_type) {
  const auto all = all_event_types();
  EXPECT_EQ(all.count(), shm::k_event_type_count - 1u);
  EXPECT_FALSE(all.test(0));  // the padding record is not an event
  for (std::uint16_t i = 1; i < shm::k_event_type_count; ++i) EXPECT_TRUE(all.test(i)) << i;

  EXPECT_EQ(op_of(R"({"op":"subscribe","types":["*"]})").types, all);
  EXPECT_EQ(op_of(R"({"op":"unsubscribe","types":["PNL_UPDATE","*"]})").types, all);
}

TEST(client_op, types_must_be_a_non_empty_array_of_strings) {
  for (const char* text :
       {R"({"op":"subscribe"})", R"({"op":"subscribe","types":[]})", R"({"op":"subscribe","types":"PNL_UPDATE"})",
        R"({"op":"subscribe","types":null})", R"({"op":"unsubscribe","types":["PNL_UPDATE",12]})",
        R"({"op":"unsubscribe","types":[["PNL_UPDATE"]]})", R"({"op":"subscribe","Types":["*"]})"}) {
    const auto [e, detail] = failure_of(text);
    EXPECT_EQ(e, op_error::invalid) << text;
    EXPECT_TRUE(contains(detail, "\"types\"")) << detail;
    EXPECT_TRUE(contains(detail, "array")) << detail;
  }
}

TEST(client_op, unknown_types_are_named_and_refused) {
  const auto [e, detail] = failure_of(R"({"op":"subscribe","types":["PNL_UPDATE","pnl_update","NOPE"]})");
  EXPECT_EQ(e, op_error::unknown_type);
  EXPECT_EQ(code(e), "unknown_type");
  EXPECT_TRUE(contains(detail, "\"pnl_update\"")) << detail;  // names are case-sensitive
  EXPECT_TRUE(contains(detail, "\"NOPE\"")) << detail;
  EXPECT_FALSE(contains(detail, "PNL_UPDATE")) << detail;  // the known one is not blamed

  const auto [e1, one] = failure_of(R"({"op":"unsubscribe","types":["BOGUS"]})");
  EXPECT_EQ(e1, op_error::unknown_type);
  EXPECT_EQ(one, R"(unknown event type "BOGUS")");
}

TEST(client_op, many_unknown_types_are_listed_briefly) {
  std::string text = R"({"op":"subscribe","types":[)";
  for (int i = 0; i < 200; ++i) text += (i == 0 ? "\"" : ",\"") + std::string(100, 'x') + std::to_string(i) + "\"";
  text += "]}";
  const auto [e, detail] = failure_of(text);
  EXPECT_EQ(e, op_error::unknown_type);
  EXPECT_LT(detail.size(), 300u);
  EXPECT_TRUE(contains(detail, std::string(64, 'x'))) << detail;
  EXPECT_FALSE(contains(detail, std::string(65, 'x'))) << detail;  // each name cut short
  EXPECT_TRUE(contains(detail, "197 more")) << detail;
}

TEST(client_op, unknown_type_is_cut_at_a_character_boundary) {
  const std::string name = std::string(63, 'a') + "\xC3\xA9" + "tail";
  const auto [e, detail] = failure_of(R"({"op":"subscribe","types":[")" + name + "\"]}");
  ASSERT_EQ(e, op_error::unknown_type);
  EXPECT_FALSE(contains(detail, "\xC3"));
  boost::system::error_code ec;
  (void)boost::json::parse(error_reply(e, detail), ec);  // validates UTF-8
  EXPECT_FALSE(ec) << ec.message();
}

// ---- resume ----

TEST(client_op, resume_keeps_epoch_and_seq) {
  const auto op = op_of(R"({"op":"resume","epoch":"00ff00FF12345678","lastSeq":42})");
  EXPECT_EQ(op.kind, op_kind::resume);
  EXPECT_EQ(op.resume.epoch, "00ff00FF12345678");  // as given, case included
  EXPECT_EQ(op.resume.last_seq, 42u);
}

TEST(client_op, resume_seq_takes_the_whole_uint64_range) {
  EXPECT_EQ(op_of(R"({"op":"resume","epoch":"1","lastSeq":0})").resume.last_seq, 0u);
  EXPECT_EQ(op_of(R"({"op":"resume","epoch":"1","lastSeq":9223372036854775807})").resume.last_seq,
            std::uint64_t{9223372036854775807});
  EXPECT_EQ(op_of(R"({"op":"resume","epoch":"1","lastSeq":18446744073709551615})").resume.last_seq,
            std::numeric_limits<std::uint64_t>::max());
}

TEST(client_op, resume_seq_must_be_a_non_negative_integer) {
  for (const char* seq :
       {"-1", "1.5", "5.0", "1e3", "\"5\"", "null", "true", "18446744073709551616", "-9223372036854775808", "[5]"}) {
    const std::string text = std::string(R"({"op":"resume","epoch":"abcdef0123456789","lastSeq":)") + seq + "}";
    const auto [e, detail] = failure_of(text);
    EXPECT_EQ(e, op_error::invalid) << text;
    EXPECT_EQ(detail, R"("lastSeq" must be a non-negative integer)") << text;
  }
  const auto [e, detail] = failure_of(R"({"op":"resume","epoch":"abcdef0123456789"})");
  EXPECT_EQ(e, op_error::invalid);
  EXPECT_TRUE(contains(detail, "\"lastSeq\"")) << detail;
}

TEST(client_op, resume_epoch_must_be_1_to_32_hex_digits) {
  EXPECT_EQ(op_of(R"({"op":"resume","epoch":"0123456789abcdef0123456789ABCDEF","lastSeq":1})").resume.epoch.size(),
            32u);
  for (const char* epoch :
       {R"("")", R"("0123456789abcdef0123456789abcdef0")", R"("xyz")", R"("12 34")", R"("0x1234")", "1234", "null"}) {
    const std::string text = std::string(R"({"op":"resume","lastSeq":1,"epoch":)") + epoch + "}";
    const auto [e, detail] = failure_of(text);
    EXPECT_EQ(e, op_error::invalid) << text;
    EXPECT_TRUE(contains(detail, "\"epoch\"")) << detail;
    EXPECT_TRUE(contains(detail, "hex")) << detail;
  }
  EXPECT_EQ(failure_of(R"({"op":"resume","lastSeq":1})").first, op_error::invalid);
}

// ---- batch / log_level ----

TEST(client_op, batch_takes_a_boolean) {
  const auto on = op_of(R"({"op":"batch","enabled":true})");
  EXPECT_EQ(on.kind, op_kind::batch);
  EXPECT_TRUE(on.enabled);
  const auto off = op_of(R"({"op":"batch","enabled":false})");
  EXPECT_EQ(off.kind, op_kind::batch);
  EXPECT_FALSE(off.enabled);
  const auto stats = op_of(R"({"op":"stats","enabled":true})");
  EXPECT_EQ(stats.kind, op_kind::stats);
  EXPECT_TRUE(stats.enabled);
  EXPECT_EQ(failure_of(R"({"op":"stats","enabled":"yes"})").first, op_error::invalid);
  for (const char* text : {R"({"op":"batch"})", R"({"op":"batch","enabled":1})", R"({"op":"batch","enabled":"true"})",
                           R"({"op":"batch","enabled":null})"}) {
    const auto [e, detail] = failure_of(text);
    EXPECT_EQ(e, op_error::invalid) << text;
    EXPECT_EQ(detail, R"("enabled" must be true or false)") << text;
  }
}

TEST(client_op, log_level_takes_the_wire_names) {
  const std::pair<const char*, shm::log_level> cases[] = {{"DEBUG", shm::log_level::debug},
                                                          {"INFO", shm::log_level::info},
                                                          {"WARN", shm::log_level::warn},
                                                          {"ERROR", shm::log_level::error}};
  for (const auto& [name, level] : cases) {
    const auto op = op_of(std::string(R"({"op":"log_level","level":")") + name + "\"}");
    EXPECT_EQ(op.kind, op_kind::log_level) << name;
    EXPECT_EQ(op.level, level) << name;
    EXPECT_EQ(wire_name(level), name);
    EXPECT_EQ(log_level_from_wire(name), level);
  }
  for (const char* text : {R"({"op":"log_level"})", R"({"op":"log_level","level":"warn"})",
                           R"({"op":"log_level","level":"WARNING"})", R"({"op":"log_level","level":2})"}) {
    const auto [e, detail] = failure_of(text);
    EXPECT_EQ(e, op_error::invalid) << text;
    EXPECT_TRUE(contains(detail, "\"level\"")) << detail;
    EXPECT_TRUE(contains(detail, "\"WARN\"")) << detail;
  }
}

TEST(client_op, new_error_codes_are_on_the_wire) {
  EXPECT_EQ(code(op_error::invalid), "invalid");
  EXPECT_EQ(code(op_error::unknown_type), "unknown_type");
  const auto v = boost::json::parse(error_reply(op_error::invalid, R"("lastSeq" must be a non-negative integer)"));
  EXPECT_EQ(v.at("code"), "invalid");
  EXPECT_EQ(v.at("message"), R"("lastSeq" must be a non-negative integer)");
}

TEST(client_op, new_ops_ignore_extra_members) {
  EXPECT_EQ(op_of(R"({"op":"batch","enabled":true,"id":"x","types":5})").enabled, true);
  EXPECT_EQ(op_of(R"({"types":["*"],"op":"subscribe","extra":{"a":[1]}})").types, all_event_types());
}

// ---- the /ws query ----

ws_options options_of(std::string_view target) {
  const auto r = parse_ws_options(target);
  EXPECT_TRUE(std::holds_alternative<ws_options>(r.value)) << target << ": " << r.detail;
  return std::holds_alternative<ws_options>(r.value) ? std::get<ws_options>(r.value) : ws_options{};
}

std::pair<op_error, std::string> query_failure_of(std::string_view target) {
  auto r = parse_ws_options(target);
  EXPECT_TRUE(std::holds_alternative<op_error>(r.value)) << target;
  return {std::holds_alternative<op_error>(r.value) ? std::get<op_error>(r.value) : op_error::malformed,
          std::move(r.detail)};
}

TEST(ws_options, no_query_means_defaults) {
  for (const char* target : {"/ws", "/ws?", "/ws?token=abc.def.ghi", "/ws?_=1712345678&token=x&foo&bar=baz"}) {
    const auto o = options_of(target);
    EXPECT_FALSE(o.types) << target;
    EXPECT_FALSE(o.resume) << target;
    EXPECT_FALSE(o.batch) << target;
    EXPECT_FALSE(o.stats) << target;
    EXPECT_FALSE(o.level) << target;
  }
}

TEST(ws_options, every_parameter_is_read) {
  const auto o = options_of(
      "/ws?token=t&types=PNL_UPDATE,ORDER_UPDATE&epoch=00ff00ff12345678&lastSeq=17&batch=1&logLevel=WARN&v=3&stats=true");
  ASSERT_TRUE(o.types);
  EXPECT_EQ(*o.types, set_of({shm::event_type::pnl_update, shm::event_type::order_update}));
  ASSERT_TRUE(o.resume);
  EXPECT_EQ(*o.resume, (resume_point{"00ff00ff12345678", 17}));
  EXPECT_TRUE(o.batch);
  EXPECT_TRUE(o.stats);
  EXPECT_EQ(o.level, shm::log_level::warn);
}

TEST(ws_options, types_are_percent_decoded_and_may_repeat) {
  EXPECT_EQ(options_of("/ws?types=PNL_UPDATE%2CORDER_UPDATE").types,
            set_of({shm::event_type::pnl_update, shm::event_type::order_update}));
  EXPECT_EQ(options_of("/ws?types=%50NL_UPDATE").types, set_of({shm::event_type::pnl_update}));
  EXPECT_EQ(options_of("/ws?types=PNL_UPDATE&types=system_log").types,
            set_of({shm::event_type::pnl_update, shm::event_type::system_log}));
  EXPECT_EQ(options_of("/ws?types=*").types, all_event_types());
  EXPECT_EQ(options_of("/ws?types=%2A").types, all_event_types());
  EXPECT_EQ(options_of("/ws?%74ypes=system_log").types, set_of({shm::event_type::system_log}));  // keys too
}

TEST(ws_options, unknown_types_are_named) {
  const auto [e, detail] = query_failure_of("/ws?types=PNL_UPDATE,NOPE%20X,pnl_update");
  EXPECT_EQ(e, op_error::unknown_type);
  EXPECT_TRUE(contains(detail, "\"NOPE X\"")) << detail;  // decoded in the detail
  EXPECT_TRUE(contains(detail, "\"pnl_update\"")) << detail;
  EXPECT_FALSE(contains(detail, "PNL_UPDATE")) << detail;

  // An empty name (a stray comma) is not silently skipped.
  EXPECT_EQ(query_failure_of("/ws?types=PNL_UPDATE,").first, op_error::unknown_type);
  EXPECT_EQ(query_failure_of("/ws?types=PNL_UPDATE,,ORDER_UPDATE").first, op_error::unknown_type);
  // '+' is a space in a query, so this is one unknown name.
  EXPECT_EQ(query_failure_of("/ws?types=PNL_UPDATE+ORDER_UPDATE").second,
            R"(unknown event type "PNL_UPDATE ORDER_UPDATE")");
}

TEST(ws_options, echoed_query_bytes_stay_valid_utf8) {
  const auto [e, detail] = query_failure_of("/ws?types=%FF%C3%28" + std::string(100, 'a') + "%C3%A9");
  ASSERT_EQ(e, op_error::unknown_type);
  EXPECT_TRUE(contains(detail, "\xEF\xBF\xBD")) << detail;  // U+FFFD for what is not UTF-8
  boost::system::error_code ec;
  (void)boost::json::parse(error_reply(e, detail), ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_LT(detail.size(), 120u);
}

TEST(ws_options, each_invalid_utf8_byte_is_replaced) {
  // A surrogate (ED A0 80), overlong '/'s (C0 AF, E0 80 AF) and a code point
  // past U+10FFFF (F4 90 80 80) are not UTF-8; the euro sign is.
  const auto [e, detail] = query_failure_of("/ws?types=%ED%A0%80x%C0%AFy%E0%80%AFw%F4%90%80%80z%E2%82%AC");
  ASSERT_EQ(e, op_error::unknown_type);
  const std::string r = "\xEF\xBF\xBD";
  EXPECT_EQ(detail, "unknown event type \"" + r + r + r + "x" + r + r + "y" + r + r + r + "w" + r + r + r + r +
                        "z\xE2\x82\xAC\"");
}

TEST(ws_options, empty_types_is_invalid) {
  for (const char* target : {"/ws?types=", "/ws?types"}) {
    const auto [e, detail] = query_failure_of(target);
    EXPECT_EQ(e, op_error::invalid) << target;
    EXPECT_TRUE(contains(detail, "\"types\"")) << detail;
  }
}

TEST(ws_options, resume_needs_both_parameters) {
  const auto [e1, d1] = query_failure_of("/ws?epoch=abcdef");
  EXPECT_EQ(e1, op_error::invalid);
  EXPECT_TRUE(contains(d1, "\"lastSeq\" is missing")) << d1;
  const auto [e2, d2] = query_failure_of("/ws?lastSeq=5");
  EXPECT_EQ(e2, op_error::invalid);
  EXPECT_TRUE(contains(d2, "\"epoch\" is missing")) << d2;
}

TEST(ws_options, resume_values_are_checked) {
  EXPECT_EQ(options_of("/ws?epoch=A&lastSeq=0").resume, (resume_point{"A", 0}));
  EXPECT_EQ(options_of("/ws?lastSeq=18446744073709551615&epoch=0123456789abcdef0123456789abcdef").resume,
            (resume_point{"0123456789abcdef0123456789abcdef", std::numeric_limits<std::uint64_t>::max()}));
  for (const char* seq : {"", "-1", "+1", "1.5", "5x", "%205", "18446744073709551616", "0x10"}) {
    const std::string target = std::string("/ws?epoch=abcd&lastSeq=") + seq;
    const auto [e, detail] = query_failure_of(target);
    EXPECT_EQ(e, op_error::invalid) << target;
    EXPECT_TRUE(contains(detail, "\"lastSeq\" must be a non-negative integer")) << target << ": " << detail;
  }
  for (const char* epoch : {"", "xyz", "0123456789abcdef0123456789abcdef0", "12%2034"}) {
    const std::string target = std::string("/ws?lastSeq=1&epoch=") + epoch;
    const auto [e, detail] = query_failure_of(target);
    EXPECT_EQ(e, op_error::invalid) << target;
    EXPECT_TRUE(contains(detail, "\"epoch\" must be")) << target << ": " << detail;
  }
}

TEST(ws_options, batch_values) {
  EXPECT_TRUE(options_of("/ws?batch=1").batch);
  EXPECT_TRUE(options_of("/ws?batch=true").batch);
  EXPECT_FALSE(options_of("/ws?batch=0").batch);
  EXPECT_FALSE(options_of("/ws?batch=false").batch);
  for (const char* target : {"/ws?batch", "/ws?batch=", "/ws?batch=yes", "/ws?batch=TRUE", "/ws?batch=2"}) {
    const auto [e, detail] = query_failure_of(target);
    EXPECT_EQ(e, op_error::invalid) << target;
    EXPECT_TRUE(contains(detail, "\"batch\"")) << detail;
  }
  EXPECT_TRUE(options_of("/ws?stats=1").stats);
  EXPECT_FALSE(options_of("/ws?stats=0&batch=1").stats);
  EXPECT_TRUE(contains(query_failure_of("/ws?stats=on").second, "\"stats\""));
  EXPECT_TRUE(contains(query_failure_of("/ws?stats=1&stats=1").second, "more than once"));
}

TEST(ws_options, log_level_values) {
  EXPECT_EQ(options_of("/ws?logLevel=DEBUG").level, shm::log_level::debug);
  EXPECT_EQ(options_of("/ws?logLevel=ERROR").level, shm::log_level::error);
  for (const char* target : {"/ws?logLevel=warn", "/ws?logLevel=", "/ws?logLevel=VERBOSE"}) {
    const auto [e, detail] = query_failure_of(target);
    EXPECT_EQ(e, op_error::invalid) << target;
    EXPECT_TRUE(contains(detail, "\"logLevel\"")) << detail;
  }
  // The parameter name is case-sensitive: "loglevel" is someone else's, and ignored.
  EXPECT_FALSE(options_of("/ws?loglevel=nonsense").level);
}

TEST(ws_options, scalar_parameters_may_not_repeat) {
  for (const char* target : {"/ws?batch=1&batch=0", "/ws?logLevel=WARN&logLevel=WARN", "/ws?epoch=a&epoch=b&lastSeq=1",
                             "/ws?epoch=a&lastSeq=1&lastSeq=2"}) {
    const auto [e, detail] = query_failure_of(target);
    EXPECT_EQ(e, op_error::invalid) << target;
    EXPECT_TRUE(contains(detail, "more than once")) << detail;
  }
}

TEST(ws_options, unparsable_target_is_malformed) {
  for (const char* target : {"", "ws?types=*", "/ws?types=PNL UPDATE", "/ws?types=%ZZ", "http://host/ws"})
    EXPECT_EQ(query_failure_of(target).first, op_error::malformed) << target;
}

}  // namespace
}  // namespace ringcast::bridge
