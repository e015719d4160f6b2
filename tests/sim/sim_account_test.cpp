// The simulator's arithmetic, pinned: the account (positions, realized and
// unrealized PnL, fees, balance), the circuit breaker, the rate schedule,
// the random stream and the command line.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <string_view>
#include <vector>

#include "sim_account.hpp"
#include "sim_breaker.hpp"
#include "sim_options.hpp"
#include "sim_random.hpp"
#include "sim_schedule.hpp"

namespace ringcast::sim {
namespace {

using shm::order_side;
constexpr std::array<double, 2> k_lots_per_unit{1000, 10};  // BTC in 0.001, XRP in 0.1
constexpr std::uint32_t k_btc = 0;
constexpr std::uint32_t k_xrp = 1;

sim_account make_account() { return {10'000, k_lots_per_unit, 10}; }

TEST(sim_account, opening_and_adding_average_the_entry_and_realize_nothing) {
  auto a = make_account();
  EXPECT_EQ(a.apply_fill(k_btc, order_side::buy, 100, 60'000, 1.2).realized_pnl, 0);   // 0.1 BTC
  EXPECT_EQ(a.apply_fill(k_btc, order_side::buy, 300, 64'000, 3.84).realized_pnl, 0);  // 0.3 BTC
  EXPECT_EQ(a.position_lots(k_btc), 400);
  EXPECT_DOUBLE_EQ(a.position_qty(k_btc), 0.4);
  EXPECT_DOUBLE_EQ(a.entry_price(k_btc), 63'000);  // (0.1 * 60000 + 0.3 * 64000) / 0.4
  EXPECT_DOUBLE_EQ(a.realized_gross(), 0);
  EXPECT_DOUBLE_EQ(a.fees(), 5.04);
  EXPECT_DOUBLE_EQ(a.wallet_balance(), 10'000 - 5.04);
}

TEST(sim_account, closing_a_long_realizes_qty_times_the_move_and_keeps_the_entry) {
  auto a = make_account();
  a.apply_fill(k_btc, order_side::buy, 400, 63'000, 0);
  const auto r = a.apply_fill(k_btc, order_side::sell, 100, 64'000, 2.56);
  EXPECT_DOUBLE_EQ(r.realized_pnl, 100);  // 0.1 * (64000 - 63000)
  EXPECT_DOUBLE_EQ(r.fee, 2.56);
  EXPECT_DOUBLE_EQ(r.balance_change, 97.44);
  EXPECT_EQ(a.position_lots(k_btc), 300);
  EXPECT_DOUBLE_EQ(a.entry_price(k_btc), 63'000);
  EXPECT_DOUBLE_EQ(a.net_realized(), 97.44);
}

TEST(sim_account, closing_a_short_realizes_the_fall_and_a_full_close_leaves_it_flat) {
  auto a = make_account();
  a.apply_fill(k_xrp, order_side::sell, 1000, 0.6, 0);  // 100 XRP short
  const auto r = a.apply_fill(k_xrp, order_side::buy, 1000, 0.55, 0.022);
  EXPECT_NEAR(r.realized_pnl, 5, 1e-12);  // 100 * (0.6 - 0.55)
  EXPECT_EQ(a.position_lots(k_xrp), 0);
  EXPECT_EQ(a.entry_price(k_xrp), 0);
  EXPECT_EQ(a.open_positions(), 0u);
  EXPECT_NEAR(a.wallet_balance(), 10'000 + 5 - 0.022, 1e-9);
}

TEST(sim_account, a_fill_past_the_position_flips_it_at_the_fill_price) {
  auto a = make_account();
  a.apply_fill(k_btc, order_side::buy, 100, 60'000, 0);
  const auto r = a.apply_fill(k_btc, order_side::sell, 300, 59'000, 0);
  EXPECT_DOUBLE_EQ(r.realized_pnl, -100);  // only the 0.1 that closed realizes
  EXPECT_EQ(a.position_lots(k_btc), -200);
  EXPECT_DOUBLE_EQ(a.entry_price(k_btc), 59'000);
  EXPECT_DOUBLE_EQ(a.unrealized_pnl(k_btc, 58'000), 200);  // short 0.2 gains 1000 each
}

TEST(sim_account, unrealized_follows_the_mark_for_longs_and_shorts_and_sums_over_symbols) {
  auto a = make_account();
  a.apply_fill(k_btc, order_side::buy, 500, 60'000, 0);
  a.apply_fill(k_xrp, order_side::sell, 10'000, 0.5, 0);  // 1000 XRP
  EXPECT_DOUBLE_EQ(a.unrealized_pnl(k_btc, 61'000), 500);
  EXPECT_NEAR(a.unrealized_pnl(k_xrp, 0.6), -100, 1e-9);
  const std::array<double, 2> marks{61'000, 0.6};
  EXPECT_NEAR(a.unrealized_total([&](std::uint32_t s) { return marks[s]; }), 400, 1e-9);
  EXPECT_DOUBLE_EQ(a.margin_used(k_btc), 3'000);  // 0.5 * 60000 / 10
  EXPECT_EQ(a.open_positions(), 2u);
}

TEST(sim_account, payloads_show_the_state_that_the_definitions_give) {
  auto a = make_account();
  a.apply_fill(k_btc, order_side::buy, 200, 60'000, 4.8);
  a.apply_fill(k_btc, order_side::sell, 100, 60'500, 2.42);  // +50 realized
  const auto pos = a.position(k_btc, "BTCUSDT", 61'000);
  EXPECT_EQ(pos.symbol.view(), "BTCUSDT");
  EXPECT_EQ(pos.side, shm::position_side::long_);
  EXPECT_DOUBLE_EQ(pos.size, 0.1);
  EXPECT_DOUBLE_EQ(pos.entry_price, 60'000);
  EXPECT_DOUBLE_EQ(pos.unrealized_pnl, 100);
  EXPECT_EQ(pos.leverage, 10);
  EXPECT_LT(pos.liquidation_price, 60'000);

  const auto pnl = a.pnl(100);
  EXPECT_DOUBLE_EQ(pnl.realized_pnl, 50 - 4.8 - 2.42);
  EXPECT_DOUBLE_EQ(pnl.position_pnl, 100);
  EXPECT_DOUBLE_EQ(pnl.total_pnl, pnl.realized_pnl + 100);
  EXPECT_DOUBLE_EQ(pnl.daily_pnl, pnl.total_pnl);  // the day started with the account

  const auto bal = a.balance(100, -2.42);
  EXPECT_EQ(bal.asset.view(), "USDT");
  EXPECT_DOUBLE_EQ(bal.wallet_balance, 10'000 + pnl.realized_pnl);
  EXPECT_DOUBLE_EQ(bal.available_balance, bal.wallet_balance + 100 - 600);  // margin 0.1 * 60000 / 10

  a.apply_fill(k_btc, order_side::sell, 100, 60'000, 0);
  EXPECT_EQ(a.position(k_btc, "BTCUSDT", 61'000).side, shm::position_side::both) << "flat";
  EXPECT_EQ(a.position(k_btc, "BTCUSDT", 61'000).size, 0);
}

TEST(sim_account, the_day_counts_realized_losses_from_its_start) {
  auto a = make_account();
  a.apply_fill(k_btc, order_side::buy, 1000, 60'000, 0);
  a.apply_fill(k_btc, order_side::sell, 1000, 59'800, 10);  // -200 - 10
  EXPECT_DOUBLE_EQ(a.daily_loss(), 210);
  a.start_new_day();
  EXPECT_DOUBLE_EQ(a.daily_loss(), 0);
  EXPECT_DOUBLE_EQ(a.net_realized(), -210) << "a new day does not forget the money";
  a.apply_fill(k_btc, order_side::buy, 1000, 60'000, 0);
  a.apply_fill(k_btc, order_side::sell, 1000, 60'100, 0);
  EXPECT_DOUBLE_EQ(a.daily_loss(), 0) << "a gain is no loss";
  EXPECT_DOUBLE_EQ(a.daily_realized(), 100);
}

TEST(sim_account, net_realized_is_the_running_sum_of_fills_realized_minus_fee) {
  // What tests/sim's stream check does with TRADE_UPDATEs, to the last bit.
  auto a = make_account();
  sim_random rng(3);
  double sum = 0;
  for (int i = 0; i < 10'000; ++i) {
    const auto side = rng.chance(0.5) ? order_side::buy : order_side::sell;
    const auto r = a.apply_fill(k_btc, side, 1 + rng.below(50), round_to(rng.uniform(59'000, 61'000), 10),
                                round_to(rng.uniform(0, 3), 1e8));
    sum += r.realized_pnl - r.fee;
  }
  EXPECT_EQ(a.net_realized(), sum);
  EXPECT_EQ(a.wallet_balance(), 10'000 + sum);
}

TEST(sim_account, bad_fills_are_refused) {
  auto a = make_account();
  EXPECT_THROW(a.apply_fill(k_btc, order_side::buy, 0, 1, 0), std::invalid_argument);
  EXPECT_THROW(a.apply_fill(7, order_side::buy, 1, 1, 0), std::out_of_range);
  EXPECT_THROW(sim_account(1, k_lots_per_unit, 0), std::invalid_argument);
}

TEST(sim_breaker, trips_at_the_limit_and_resets_after_the_cooldown) {
  sim_breaker b(100, 3'000);
  EXPECT_FALSE(b.on_chain_closed(true, 99.99, 1'000));
  EXPECT_EQ(b.consecutive_losses(), 1u);
  EXPECT_TRUE(b.on_chain_closed(true, 100, 2'000));
  EXPECT_TRUE(b.tripped());
  EXPECT_EQ(b.reset_time_ms(), 5'000);
  EXPECT_EQ(b.consecutive_losses(), 2u);
  EXPECT_FALSE(b.on_chain_closed(true, 150, 2'500)) << "already tripped: no second trip";
  EXPECT_FALSE(b.reset_due(4'999));
  EXPECT_TRUE(b.reset_due(5'000));
  EXPECT_FALSE(b.tripped());
  EXPECT_EQ(b.reset_time_ms(), 0);
  EXPECT_EQ(b.consecutive_losses(), 0u);
  EXPECT_FALSE(b.reset_due(6'000)) << "a reset happens once";
  EXPECT_FALSE(b.on_chain_closed(false, 0, 7'000));
}

TEST(sim_schedule, a_steady_rate_is_linear_in_time) {
  const sim_schedule s(20'000, {});
  EXPECT_DOUBLE_EQ(s.due(0), 0);
  EXPECT_DOUBLE_EQ(s.due(1.5), 30'000);
  EXPECT_DOUBLE_EQ(s.time_of(30'000), 1.5);
  EXPECT_DOUBLE_EQ(s.mean_rate(), 20'000);
}

TEST(sim_schedule, bursts_multiply_the_rate_inside_their_window_after_the_first_period) {
  using std::chrono::milliseconds;
  const sim_schedule s(1'000, {.factor = 10, .length = milliseconds(200), .period = milliseconds(2'000)});
  EXPECT_DOUBLE_EQ(s.due(2.0), 2'000) << "the first period is steady";
  EXPECT_DOUBLE_EQ(s.due(2.1), 2'000 + 1'000);  // 100 ms at 10 000/s
  EXPECT_DOUBLE_EQ(s.due(2.2), 2'000 + 2'000);  // the burst is over
  EXPECT_DOUBLE_EQ(s.due(4.0), 4'000 + 1'800);  // + 1.8 s of steady load
  EXPECT_DOUBLE_EQ(s.due(4.2), 5'800 + 2'000);  // the second burst
  EXPECT_DOUBLE_EQ(s.mean_rate(), 1'900);       // 1.9x: (2 s + 9 * 0.2 s) / 2 s
  for (double n : {0.0, 1.0, 1'999.0, 2'000.0, 2'500.0, 3'999.0, 4'000.0, 5'000.0, 5'800.0, 7'000.0, 1e6})
    EXPECT_NEAR(s.due(s.time_of(n)), n, 1e-6) << n;
}

TEST(sim_random, a_seed_gives_the_same_stream_and_draws_stay_in_range) {
  sim_random a(42);
  sim_random b(42);
  sim_random c(43);
  bool differs = false;
  for (int i = 0; i < 1'000; ++i) {
    const auto x = a.next();
    EXPECT_EQ(x, b.next());
    differs |= x != c.next();
    const double u = a.uniform();
    b.uniform();
    EXPECT_GE(u, 0);
    EXPECT_LT(u, 1);
    EXPECT_LT(a.below(7), 7u);
    b.below(7);
  }
  EXPECT_TRUE(differs);
  double sum = 0;
  double sq = 0;
  for (int i = 0; i < 100'000; ++i) {
    const double z = a.normal();
    sum += z;
    sq += z * z;
  }
  EXPECT_NEAR(sum / 100'000, 0, 0.02);
  EXPECT_NEAR(sq / 100'000, 1, 0.02);
}

parse_outcome parse(std::vector<std::string_view> args) { return parse_sim_options(args); }

TEST(sim_options, defaults_and_every_knob) {
  const auto d = parse({});
  EXPECT_TRUE(d.error.empty());
  EXPECT_EQ(d.options.users, 8u);
  EXPECT_EQ(d.options.symbols, 6u);
  EXPECT_EQ(d.options.rate, 20'000);
  EXPECT_EQ(d.options.threads, 1u);
  EXPECT_FALSE(d.options.seed.has_value());
  EXPECT_EQ(user_id(d.options, 0), "user1");

  const auto o = parse({"--segment",
                        "s1",
                        "--name",
                        "simA",
                        "--users",
                        "3",
                        "--user-prefix",
                        "alice",
                        "--symbols=4",
                        "--rate",
                        "5000",
                        "--burst",
                        "10",
                        "--burst-length",
                        "100",
                        "--burst-period",
                        "1000",
                        "--duration",
                        "2.5",
                        "--seed",
                        "18446744073709551615",
                        "--threads",
                        "2",
                        "--json-summary",
                        "/tmp/x.json",
                        "--initial-balance",
                        "500",
                        "--daily-loss-limit",
                        "25",
                        "--breaker-cooldown",
                        "0.5"});
  ASSERT_TRUE(o.error.empty()) << o.error;
  EXPECT_EQ(o.options.segment, "s1");
  EXPECT_EQ(o.options.name, "simA");
  EXPECT_EQ(o.options.users, 3u);
  EXPECT_EQ(user_id(o.options, 2), "alice3");
  EXPECT_EQ(o.options.symbols, 4u);
  EXPECT_EQ(o.options.rate, 5'000);
  EXPECT_EQ(o.options.burst.factor, 10);
  EXPECT_EQ(o.options.burst.length.count(), 100);
  EXPECT_EQ(o.options.burst.period.count(), 1'000);
  EXPECT_EQ(o.options.duration, 2.5);
  EXPECT_EQ(o.options.seed, 18446744073709551615ULL);
  EXPECT_EQ(o.options.threads, 2u);
  EXPECT_EQ(o.options.json_summary, "/tmp/x.json");
  EXPECT_EQ(o.options.trader.initial_balance, 500);
  EXPECT_EQ(o.options.trader.daily_loss_limit, 25);
  EXPECT_EQ(o.options.trader.breaker_cooldown_ms, 500);
  EXPECT_TRUE(parse({"--rate", "1", "--help"}).help);
}

TEST(sim_options, bad_input_gets_a_message_that_names_the_option_and_the_value) {
  const std::vector<std::pair<std::vector<std::string_view>, std::string_view>> cases{
      {{"--users", "many"}, "--users must be a number from 1 to 100000, not 'many'"},
      {{"--users", "0"}, "--users must be a number from 1 to 100000, not '0'"},
      {{"--symbols", "17"}, "--symbols must be a number from 1 to 16, not '17'"},
      {{"--rate", "-5"}, "--rate must be a number from 1 to 10000000, not '-5'"},
      {{"--rate", "1e3x"}, "--rate must be a number from 1 to 10000000, not '1e3x'"},
      {{"--threads", "65"}, "--threads must be a number from 1 to 64, not '65'"},
      {{"--duration", "nan"}, "--duration must be a number from 0 to 1000000000, not 'nan'"},
      {{"--name", "has space"}, "--name must be 1 to 20 of [A-Za-z0-9_-], not 'has space'"},
      {{"--name", "a-name-longer-than-20"}, "--name must be 1 to 20 of [A-Za-z0-9_-], not 'a-name-longer-than-20'"},
      {{"--seed"}, "--seed needs a value"},
      {{"--frobnicate", "1"}, "unknown option '--frobnicate'"},
      {{"--user-prefix", "abcdefghijabcdefghijabcdefghijabcdefghijx"},
       "--user-prefix must be 1 to 40 of [A-Za-z0-9_-], not 'abcdefghijabcdefghijabcdefghijabcdefghijx'"},
      {{"--json-summary="}, "--json-summary needs a file name"},
  };
  for (const auto& [args, message] : cases) EXPECT_EQ(parse(args).error, message);
}

}  // namespace
}  // namespace ringcast::sim
