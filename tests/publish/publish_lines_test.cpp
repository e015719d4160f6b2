// ringcast-publish, the real binary, line by line: what good lines publish
// (type, user, payload as the bridge will encode it), what each kind of bad
// line reports and that the lines around it still arrive in order, long
// lines, and a full ring.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "publish_process.hpp"

namespace ringcast::test {
namespace {

std::string line(std::string_view type, std::string_view payload) {
  return R"({"type":")" + std::string(type) + R"(","payload":)" + std::string(payload) + "}";
}
std::string line(std::string_view type, std::string_view user, std::string_view payload) {
  return R"({"type":")" + std::string(type) + R"(","userId":")" + std::string(user) + R"(","payload":)" +
         std::string(payload) + "}";
}

std::string pnl(int total) {
  return R"({"totalPnl":)" + std::to_string(total) + R"(,"dailyPnl":-3.25,"positionPnl":0.5,"realizedPnl":0})";
}
arrived pnl_event(int total, std::string user = "") { return {"PNL_UPDATE", std::move(user), pnl(total)}; }

std::string join_lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  return text;
}

constexpr std::string_view k_order =
    R"({"orderId":1,"clientOrderId":"c","symbol":"BTCUSDT","side":"BUY","type":"LIMIT","status":"NEW",)"
    R"("reduceOnly":false,"price":1,"stopPrice":0,"qty":1,"filledQty":0,"avgPrice":0,"updateTime":0})";

std::string replaced(std::string_view text, std::string_view from, std::string_view to) {
  std::string s(text);
  s.replace(s.find(from), from.size(), to);
  return s;
}

TEST(publish_lines, every_kind_of_payload_arrives_with_its_type_user_and_fields) {
  scoped_segment_name name("pub-good");
  segment_sink sink(small_options(name.name));
  const std::vector<arrived> want = {
      {"POSITION_UPDATE", "alice",
       R"({"symbol":"BTCUSDT","side":"LONG","margin":"ISOLATED","leverage":20,"size":1.5,"entryPrice":65000.5,)"
       R"("markPrice":65100.25,"liquidationPrice":0,"unrealizedPnl":149.625,"marginUsed":3250})"},
      {"ORDER_UPDATE", "bob", std::string(k_order)},
      {"FUTURES_ORDERBOOK_UPDATE", "",
       R"({"symbol":"ETHUSDT","lastUpdateId":42,"eventTime":1700000000000,"bids":[{"price":3000.5,"qty":2},)"
       R"({"price":3000,"qty":1.25}],"asks":[{"price":3001,"qty":0.5}]})"},
      {"CHAIN_UPDATE", "alice",
       R"({"chainId":"ch-1","symbol":"BTCUSDT","status":"ACTIVE","updatedTime":1700000000001,"orders":[)"
       R"({"orderId":7,"clientOrderId":"e-1","role":"ENTRY","side":"BUY","type":"LIMIT","status":"FILLED",)"
       R"("price":65000,"qty":0.1,"filledQty":0.1}]})"},
      {"gateway_status_change", "",
       R"({"gatewayId":"gw-1","gatewayType":"binance","previousStatus":"UP","currentStatus":"DOWN",)"
       R"("metadata":{"reason":"timeout","retries":[1,2.5]}})"},
      {"system_log", "carol", R"({"level":"ERROR","source":"risk","message":"limit \"hit\" é","metadata":null})"},
      pnl_event(7, "dave"),
  };
  std::string input;
  for (const auto& e : want) input += (e.user.empty() ? line(e.type, e.payload) : line(e.type, e.user, e.payload)) + "\n";
  const run_result r = run_publish({"--segment", name.name}, input);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");  // silent on success without --verbose
  EXPECT_EQ(sink.drain(), want);
}

TEST(publish_lines, blank_lines_crlf_spacing_and_a_last_line_without_newline_are_handled) {
  scoped_segment_name name("pub-shape");
  segment_sink sink(small_options(name.name));
  const std::string input = "\n   \n" + line("PNL_UPDATE", "alice", pnl(1)) + "\r\n\t\n" +
                            R"(  { "payload" : {"totalPnl":2.0, "dailyPnl":-3.25e0, "positionPnl":0.5, "realizedPnl":-0},)"
                            R"( "userId":"", "type":"PNL_UPDATE" }  )" "\n" +
                            line("PNL_UPDATE", pnl(3));  // no "\n": the end of input ends the line
  const run_result r = run_publish({"--segment", name.name, "--verbose"}, input);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "ringcast-publish: 3 of 3 events published to segment '" + name.name +
                       "'; 0 bad lines, 0 not published\n");
  EXPECT_EQ(sink.drain(), (std::vector<arrived>{pnl_event(1, "alice"), pnl_event(2), pnl_event(3)}));
}

struct bad_line {
  std::string text;
  std::string message;  // after "ringcast-publish: line N: "
};

TEST(publish_lines, each_bad_line_is_reported_with_its_number_and_skipped_and_the_lines_around_it_arrive_in_order) {
  const std::string book_head = R"({"symbol":"BTCUSDT","lastUpdateId":1,"eventTime":2,)";
  const std::vector<bad_line> bad = {
      {R"({"type":"PNL_UPDATE" "payload":{}})", "invalid JSON at column 22: syntax error"},
      {R"({"type":"PNL_UPDATE","payload":)", "invalid JSON at column 32: incomplete JSON"},
      {R"([1,2])", R"(expected an object {"type", "userId", "payload"}; got an array)"},
      {line("PNL", pnl(0)), R"(type: unknown event type "PNL" (ringcast-publish --help lists them))"},
      {R"({"payload":{}})", "type: missing"},
      {R"({"type":7,"payload":{}})", "type: expected a string; got a number"},
      {R"({"type":"PNL_UPDATE"})", "payload: missing"},
      {line("PNL_UPDATE", "[]"), "payload: expected an object; got an array"},
      {line("PNL_UPDATE", replaced(pnl(0), "}", R"(,"bonus":1})")),
       "payload.bonus: unknown field; expected totalPnl, dailyPnl, positionPnl, realizedPnl"},
      {line("PNL_UPDATE", replaced(pnl(0), R"(,"realizedPnl":0)", "")), "payload.realizedPnl: missing (every field is required)"},
      {line("PNL_UPDATE", replaced(pnl(0), "-3.25", R"("-3.25")")), "payload.dailyPnl: expected a number; got a string"},
      {line("ORDER_UPDATE", replaced(k_order, R"("BUY")", R"("BUYY")")),
       R"(payload.side: expected one of "BUY", "SELL"; got "BUYY")"},
      {line("ORDER_UPDATE", replaced(k_order, R"("reduceOnly":false)", R"("reduceOnly":0)")),
       "payload.reduceOnly: expected true or false; got 0"},
      {line("ORDER_UPDATE", replaced(k_order, R"("orderId":1)", R"("orderId":1.5)")),
       "payload.orderId: expected an integer; got 1.5"},
      {line("ORDER_UPDATE", replaced(k_order, R"("BTCUSDT")", R"("BTCUSDT_PERPETUAL_QUARTERLY")")),
       "payload.symbol: string of 27 bytes is over the limit of 24 bytes"},
      {line("PNL_UPDATE", std::string(65, 'u'), pnl(0)), "userId: 65 bytes is over the limit of 64 bytes"},
      {R"({"type":"PNL_UPDATE","userId":42,"payload":)" + pnl(0) + "}", "userId: expected a string; got a number"},
      {R"({"type":"PNL_UPDATE","userId":null,"payload":)" + pnl(0) + "}", "userId: expected a string; got null"},
      {R"({"type":"PNL_UPDATE","seq":1,"payload":)" + pnl(0) + "}",
       R"("seq": unknown top-level key; expected type, userId, payload)"},
      {line("FUTURES_ORDERBOOK_UPDATE", book_head + R"("bidCount":1,"bids":[{"price":1,"qty":1}],"asks":[]})"),
       R"(payload.bidCount: derived from "bids"; leave it out)"},
      {line("FUTURES_ORDERBOOK_UPDATE", book_head + R"("bids":[{"price":1,"qty":1},{"price":1,"qty":"2"}],"asks":[]})"),
       "payload.bids[1].qty: expected a number; got a string"},
  };
  scoped_segment_name name("pub-bad");
  segment_sink sink(small_options(name.name));
  // good 0, bad 0, good 1, bad 1, ... good N: bad k is on line 2k + 2.
  std::vector<std::string> input{line("PNL_UPDATE", "alice", pnl(0))};
  std::vector<arrived> want{pnl_event(0, "alice")};
  std::vector<std::string> want_err;
  for (std::size_t k = 0; k < bad.size(); ++k) {
    input.push_back(bad[k].text);
    want_err.push_back("ringcast-publish: line " + std::to_string(2 * k + 2) + ": " + bad[k].message);
    const int n = static_cast<int>(k) + 1;
    input.push_back(k % 2 == 0 ? line("PNL_UPDATE", pnl(n)) : line("PNL_UPDATE", "alice", pnl(n)));
    want.push_back(pnl_event(n, k % 2 == 0 ? "" : "alice"));
  }
  want_err.push_back("ringcast-publish: " + std::to_string(want.size()) + " of " + std::to_string(input.size()) +
                     " events published to segment '" + name.name + "'; " + std::to_string(bad.size()) +
                     " bad lines, 0 not published");

  const run_result r = run_publish({"--segment", name.name}, join_lines(input));
  EXPECT_EQ(r.code, 1);
  const std::vector<std::string> err = lines_of(r.err);
  ASSERT_EQ(err.size(), want_err.size()) << r.err;
  for (std::size_t i = 0; i < err.size(); ++i) EXPECT_EQ(err[i], want_err[i]);
  EXPECT_EQ(sink.drain(), want);
}

TEST(publish_lines, a_line_over_1_mib_is_refused_as_such_and_one_of_exactly_1_mib_reaches_the_publisher) {
  scoped_segment_name name("pub-long");
  segment_sink sink(small_options(name.name, 2, 1u << 16));  // records of at most 8 KiB
  const auto log_line = [](std::size_t total) {
    const std::string head = R"({"type":"system_log","payload":{"level":"INFO","source":"","message":")";
    const std::string tail = R"(","metadata":null}})";
    return head + std::string(total - head.size() - tail.size(), 'm') + tail;
  };
  const std::string input = join_lines({line("PNL_UPDATE", pnl(1)), log_line((1u << 20) + 1), line("PNL_UPDATE", pnl(2)),
                                        log_line(1u << 20), line("PNL_UPDATE", pnl(3))});
  const run_result r = run_publish({"--segment", name.name}, input);
  EXPECT_EQ(r.code, 1);
  const std::vector<std::string> err = lines_of(r.err);
  ASSERT_EQ(err.size(), 3u) << r.err;
  EXPECT_EQ(err[0], "ringcast-publish: line 2: 1048577 bytes is over the limit of 1048576 bytes (1 MiB); skipped");
  EXPECT_TRUE(err[1].starts_with("ringcast-publish: line 4: not published: too large: ")) << err[1];
  EXPECT_TRUE(err[1].ends_with("segment '" + name.name + "' takes records of at most 8192 bytes")) << err[1];
  EXPECT_EQ(err[2], "ringcast-publish: 3 of 5 events published to segment '" + name.name +
                        "'; 1 bad line, 1 not published");
  EXPECT_EQ(sink.drain(), (std::vector<arrived>{pnl_event(1), pnl_event(2), pnl_event(3)}));
}

TEST(publish_lines, an_order_book_line_of_hundreds_of_kilobytes_arrives_whole) {
  scoped_segment_name name("pub-book");
  segment_sink sink(small_options(name.name, 2, 1u << 21));  // records of up to 256 KiB
  constexpr int k_levels = 6000;  // per side: 192 KB of levels, a ~400 KB line read in many chunks
  // Numbers in the encoder's shortest form (65000.25, 1.125), so that the
  // text that arrives must be the text sent, byte for byte.
  const auto quarters = [](int q) {
    static constexpr const char* k_fraction[] = {"", ".25", ".5", ".75"};
    return std::to_string(q / 4) + k_fraction[q % 4];
  };
  const auto eighths = [](int e) {
    static constexpr const char* k_fraction[] = {"", ".125", ".25", ".375", ".5", ".625", ".75", ".875"};
    return std::to_string(e / 8) + k_fraction[e % 8];
  };
  std::string payload = R"({"symbol":"BTCUSDT","lastUpdateId":99,"eventTime":1700000000000)";
  for (const int side : {-1, 1}) {
    payload += side < 0 ? R"(,"bids":[)" : R"(,"asks":[)";
    for (int i = 0; i < k_levels; ++i) {
      payload += i == 0 ? "{" : ",{";
      payload += R"("price":)" + quarters(260'000 + side * (i + 1)) + R"(,"qty":)" + eighths(8 + i % 8) + "}";
    }
    payload += "]";
  }
  payload += "}";
  const run_result r = run_publish({"--segment", name.name}, line("FUTURES_ORDERBOOK_UPDATE", payload) + "\n");
  EXPECT_EQ(r.code, 0) << r.err;
  const auto& got = sink.drain();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_GT(payload.size(), 300'000u);
  // Not EXPECT_EQ: a failure would print 400 KB twice.
  EXPECT_TRUE(got[0].payload == payload) << "arrived " << got[0].payload.size() << " bytes, sent " << payload.size()
                                         << "; first difference at byte "
                                         << std::mismatch(payload.begin(), payload.end(), got[0].payload.begin(),
                                                          got[0].payload.end()).first - payload.begin();
}

TEST(publish_lines, lines_on_a_pipe_are_published_as_they_arrive_not_at_end_of_input) {
  scoped_segment_name name("pub-stream");
  segment_sink sink(small_options(name.name));
  publish_process p({"--segment", name.name});
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(p.write(line("PNL_UPDATE", pnl(i)) + "\n"));
    ASSERT_TRUE(sink.wait_for(static_cast<std::size_t>(i))) << "line " << i << " not published while stdin is open";
  }
  EXPECT_EQ(p.finish(), 0) << p.err();
  EXPECT_EQ(sink.drain(), (std::vector<arrived>{pnl_event(1), pnl_event(2), pnl_event(3)}));
}

TEST(publish_lines, a_full_ring_drops_and_reports_the_lines_it_could_not_take) {
  scoped_segment_name name("pub-full");
  segment_sink sink(small_options(name.name, 2, 1u << 12));  // 4 KiB lane: a few dozen events; nobody drains
  constexpr int k_lines = 200;
  std::vector<std::string> input;
  for (int i = 1; i <= k_lines; ++i) input.push_back(line("PNL_UPDATE", pnl(i)));
  const run_result r = run_publish({"--segment", name.name}, join_lines(input));
  EXPECT_EQ(r.code, 1);
  std::vector<std::string> err = lines_of(r.err);
  ASSERT_GE(err.size(), 2u) << r.err;
  const std::string summary = err.back();
  err.pop_back();
  const int first_dropped = k_lines - static_cast<int>(err.size()) + 1;
  ASSERT_GT(first_dropped, 1);
  for (std::size_t i = 0; i < err.size(); ++i)
    EXPECT_EQ(err[i], "ringcast-publish: line " + std::to_string(first_dropped + static_cast<int>(i)) +
                          ": not published: the ring is full (is a consumer draining segment '" + name.name +
                          "'? --wait-ms waits for room)");
  EXPECT_EQ(summary, "ringcast-publish: " + std::to_string(first_dropped - 1) + " of 200 events published to segment '" +
                         name.name + "'; 0 bad lines, " + std::to_string(err.size()) + " not published");
  std::vector<arrived> want;
  for (int i = 1; i < first_dropped; ++i) want.push_back(pnl_event(i));
  EXPECT_EQ(sink.drain(), want);
}

TEST(publish_lines, wait_ms_waits_for_a_draining_consumer_instead_of_dropping) {
  scoped_segment_name name("pub-wait");
  segment_sink sink(small_options(name.name, 2, 1u << 12));
  constexpr int k_lines = 1000;  // ~15 ring-fulls
  std::vector<std::string> input;
  std::vector<arrived> want;
  for (int i = 1; i <= k_lines; ++i) {
    input.push_back(line("PNL_UPDATE", pnl(i)));
    want.push_back(pnl_event(i));
  }
  publish_process p({"--segment", name.name, "--wait-ms", "30000"});
  bool written = false;
  {
    // The publisher waits for room while we drain, so stdin is fed from
    // another thread.
    std::jthread writer([&] {
      written = p.write(join_lines(input), 60s);
      p.close_stdin();
    });
    EXPECT_TRUE(sink.wait_for(want.size(), 60s)) << sink.drain().size() << " arrived";
  }
  EXPECT_TRUE(written);
  EXPECT_EQ(p.finish(), 0) << p.err();
  EXPECT_EQ(p.err(), "");
  EXPECT_EQ(sink.drain(), want);
}

}  // namespace
}  // namespace ringcast::test
