/* ringcast-test-c-producer: publishes every event type through libringcast
 * from C11, then tries the error paths, then a last marker event.
 *
 *   ringcast-test-c-producer --segment NAME
 *
 * c_api_test.cpp runs it and then consumes the segment: the records it
 * finds must be exactly the ones published here, in order (the refused
 * calls in between must leave nothing behind). Exit status 0 when every
 * call returned what this program expects; each mismatch is printed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ringcast/ringcast.h"

static int g_failures = 0;

#define EXPECT_STATUS(call, expected)                                                                     \
  do {                                                                                                    \
    int st_ = (call);                                                                                     \
    if (st_ != (expected)) {                                                                              \
      fprintf(stderr, "%s:%d: %s returned %s, expected %s (last error: %s)\n", __FILE__, __LINE__, #call, \
              ringcast_status_text(st_), ringcast_status_text(expected), ringcast_last_error());          \
      ++g_failures;                                                                                       \
    }                                                                                                     \
  } while (0)

#define EXPECT_TRUE(cond)                                                 \
  do {                                                                    \
    if (!(cond)) {                                                        \
      fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond); \
      ++g_failures;                                                       \
    }                                                                     \
  } while (0)

#define EXPECT_ERROR_MENTIONS(text) EXPECT_TRUE(strstr(ringcast_last_error(), (text)) != NULL)

/* Copies into a fixed char array; a value that fills it has no NUL. */
#define SET_TEXT(field, text) strncpy((field), (text), sizeof(field))

static void publish_trading_events(ringcast_publisher* pub) {
  ringcast_position_update position = {0};
  SET_TEXT(position.symbol, "BTCUSDT");
  position.side = RINGCAST_POSITION_SIDE_SHORT;
  position.margin = RINGCAST_MARGIN_TYPE_ISOLATED;
  position.leverage = 20;
  position.size = 0.5;
  position.entry_price = 65000.25;
  position.mark_price = 64000;
  position.liquidation_price = 70000;
  position.unrealized_pnl = 500.125;
  position.margin_used = 1625;
  EXPECT_STATUS(ringcast_publish_position_update(pub, "alice", &position), RINGCAST_OK);

  ringcast_order_update order = {0};
  order.order_id = 9007199254740993; /* 2^53 + 1: integers are not doubles */
  /* Fills all 40 bytes: no terminator, and the library must not need one. */
  memcpy(order.client_order_id, "c-0123456789abcdef0123456789abcdef012345", sizeof order.client_order_id);
  SET_TEXT(order.symbol, "ETHUSDT");
  order.side = RINGCAST_ORDER_SIDE_SELL;
  order.type = RINGCAST_ORDER_TYPE_TAKE_PROFIT_MARKET;
  order.status = RINGCAST_ORDER_STATUS_PARTIALLY_FILLED;
  order.reduce_only = 1;
  order.price = 3000.5;
  order.stop_price = 2990;
  order.qty = 2;
  order.filled_qty = 0.75;
  order.avg_price = 3000.25;
  order.update_time = 1700000000123;
  EXPECT_STATUS(ringcast_publish_order_update(pub, "alice", &order), RINGCAST_OK);

  ringcast_trade_update trade = {0};
  trade.trade_id = 77;
  trade.order_id = -5;
  SET_TEXT(trade.symbol, "SOLUSDT");
  trade.side = RINGCAST_ORDER_SIDE_BUY;
  trade.is_maker = 1;
  SET_TEXT(trade.fee_asset, "USDT");
  trade.price = 150.5;
  trade.qty = 10;
  trade.fee = 0.1;
  trade.realized_pnl = -12.5;
  trade.trade_time = 1700000000456;
  EXPECT_STATUS(ringcast_publish_trade_update(pub, "alice", &trade), RINGCAST_OK);

  ringcast_balance_update balance = {0};
  SET_TEXT(balance.asset, "USDT");
  balance.wallet_balance = 10000;
  balance.available_balance = 8000.5;
  balance.cross_unrealized_pnl = -1.25;
  balance.balance_change = 100;
  EXPECT_STATUS(ringcast_publish_balance_update(pub, "alice", &balance), RINGCAST_OK);

  ringcast_futures_orderbook_update book = {0};
  SET_TEXT(book.symbol, "BTCUSDT");
  book.bid_count = 999; /* ignored: set from the arrays */
  book.last_update_id = 123456789;
  book.event_time = 1700000000789;
  const ringcast_price_level bids[2] = {{64000, 1.5}, {63999.5, 2}};
  const ringcast_price_level asks[3] = {{64000.5, 0.25}, {64001, 3}, {64002, 4}};
  EXPECT_STATUS(ringcast_publish_futures_orderbook_update(pub, NULL, &book, bids, 2, asks, 3), RINGCAST_OK);

  ringcast_futures_mark_price_update mark = {0};
  SET_TEXT(mark.symbol, "BTCUSDT");
  mark.mark_price = 64000.5;
  mark.index_price = 64001;
  mark.funding_rate = 0.0001;
  mark.next_funding_time = 1700006400000;
  EXPECT_STATUS(ringcast_publish_futures_mark_price_update(pub, "", &mark), RINGCAST_OK);

  ringcast_futures_kline_update kline = {0};
  SET_TEXT(kline.symbol, "BTCUSDT");
  SET_TEXT(kline.interval, "15m");
  kline.is_closed = 1;
  kline.open = 1;
  kline.high = 4;
  kline.low = 0.5;
  kline.close = 2;
  kline.volume = 1000;
  kline.open_time = 1700000000000;
  kline.close_time = 1700000899999;
  EXPECT_STATUS(ringcast_publish_futures_kline_update(pub, NULL, &kline), RINGCAST_OK);

  ringcast_chain_update chain = {0};
  SET_TEXT(chain.chain_id, "chain-1");
  SET_TEXT(chain.symbol, "BTCUSDT");
  chain.status = RINGCAST_CHAIN_STATUS_ACTIVE;
  chain.updated_time = 1700000001000;
  ringcast_chain_order orders[2];
  memset(orders, 0, sizeof orders);
  orders[0].order_id = 1;
  SET_TEXT(orders[0].client_order_id, "entry-1");
  SET_TEXT(orders[0].role, "ENTRY");
  orders[0].side = RINGCAST_ORDER_SIDE_BUY;
  orders[0].type = RINGCAST_ORDER_TYPE_LIMIT;
  orders[0].status = RINGCAST_ORDER_STATUS_FILLED;
  orders[0].price = 64000;
  orders[0].qty = 1;
  orders[0].filled_qty = 1;
  orders[1].order_id = 2;
  SET_TEXT(orders[1].client_order_id, "tp-1");
  SET_TEXT(orders[1].role, "TP1");
  orders[1].side = RINGCAST_ORDER_SIDE_SELL;
  orders[1].type = RINGCAST_ORDER_TYPE_TAKE_PROFIT;
  orders[1].status = RINGCAST_ORDER_STATUS_NEW;
  orders[1].price = 66000;
  orders[1].qty = 1;
  EXPECT_STATUS(ringcast_publish_chain_update(pub, "alice", &chain, orders, 2), RINGCAST_OK);

  ringcast_lifecycle_event life = {0};
  life.event_id = 5;
  SET_TEXT(life.chain_id, "chain-1");
  life.order_id = 1;
  SET_TEXT(life.symbol, "BTCUSDT");
  SET_TEXT(life.stage, "ENTRY_FILLED");
  SET_TEXT(life.detail, "filled at 64000 \"best\"");
  life.event_time = 1700000002000;
  EXPECT_STATUS(ringcast_publish_lifecycle_event(pub, "alice", &life), RINGCAST_OK);
}

static void publish_status_events(ringcast_publisher* pub) {
  ringcast_ginie_status_update ginie = {0};
  ginie.is_running = 1;
  SET_TEXT(ginie.current_mode, "scalp");
  ginie.active_positions = 3;
  ginie.max_positions = 5;
  ginie.daily_trades = 42;
  SET_TEXT(ginie.last_signal, "LONG BTCUSDT");
  ginie.last_decision_time = 1700000003000;
  EXPECT_STATUS(ringcast_publish_ginie_status_update(pub, "bob", &ginie), RINGCAST_OK);

  ringcast_circuit_breaker_update breaker = {0};
  breaker.is_triggered = 1;
  breaker.consecutive_losses = 4;
  SET_TEXT(breaker.trigger_reason, "daily loss limit");
  breaker.daily_loss = -500;
  breaker.daily_loss_limit = 400;
  breaker.reset_time = 1700086400000;
  EXPECT_STATUS(ringcast_publish_circuit_breaker_update(pub, "bob", &breaker), RINGCAST_OK);

  ringcast_pnl_update pnl = {0};
  pnl.total_pnl = 12.5;
  pnl.daily_pnl = -3.25;
  pnl.position_pnl = 1;
  pnl.realized_pnl = 0;
  EXPECT_STATUS(ringcast_publish_pnl_update(pub, "bob", &pnl), RINGCAST_OK);

  ringcast_signal_update signal = {0};
  SET_TEXT(signal.signal_id, "sig-9");
  SET_TEXT(signal.symbol, "ETHUSDT");
  signal.direction = RINGCAST_SIGNAL_DIRECTION_NEUTRAL;
  SET_TEXT(signal.source, "ginie");
  signal.confidence = 0.875;
  signal.entry_price = 3000;
  signal.stop_loss = 2900;
  signal.take_profit = 3200;
  EXPECT_STATUS(ringcast_publish_signal_update(pub, "bob", &signal), RINGCAST_OK);

  ringcast_mode_status_update mode_status = {0};
  SET_TEXT(mode_status.mode, "swing");
  mode_status.enabled = 1;
  SET_TEXT(mode_status.status, "RUNNING");
  mode_status.active_positions = 2;
  mode_status.pnl_today = 25.5;
  EXPECT_STATUS(ringcast_publish_mode_status_update(pub, "bob", &mode_status), RINGCAST_OK);

  ringcast_mode_safety_update safety = {0};
  SET_TEXT(safety.mode, "scalp");
  safety.is_paused = 1;
  safety.consecutive_losses = 3;
  SET_TEXT(safety.pause_reason, "3 losses in a row");
  safety.win_rate = 0.25;
  safety.max_drawdown_pct = 7.5;
  safety.resume_time = 1700003600000;
  EXPECT_STATUS(ringcast_publish_mode_safety_update(pub, "bob", &safety), RINGCAST_OK);

  ringcast_mode_allocation_update allocation = {0};
  SET_TEXT(allocation.mode, "position");
  allocation.max_positions = 4;
  allocation.allocation_pct = 30;
  allocation.allocated_usd = 3000;
  allocation.used_usd = 1500.5;
  EXPECT_STATUS(ringcast_publish_mode_allocation_update(pub, "bob", &allocation), RINGCAST_OK);

  ringcast_autopilot_rules_update rules = {0};
  rules.enabled = 1;
  rules.max_leverage = 10;
  rules.max_positions = 6;
  rules.max_daily_loss = 300;
  rules.max_position_usd = 5000;
  rules.risk_per_trade_pct = 1.5;
  rules.min_confidence = 0.7;
  EXPECT_STATUS(ringcast_publish_autopilot_rules_update(pub, "bob", &rules), RINGCAST_OK);

  ringcast_stats_update stats = {0};
  SET_TEXT(stats.source, "manual");
  stats.total_trades = 10;
  stats.winning_trades = 6;
  stats.losing_trades = 4;
  stats.win_rate = 0.6;
  stats.total_pnl = 123.25;
  stats.total_volume = 100000;
  EXPECT_STATUS(ringcast_publish_stats_update(pub, "bob", &stats), RINGCAST_OK);

  ringcast_performance_update perf = {0};
  SET_TEXT(perf.scope, "BTCUSDT");
  perf.trades = 8;
  perf.win_rate = 0.5;
  perf.pnl = 80;
  perf.avg_pnl = 10;
  perf.max_drawdown = -40;
  perf.sharpe = 1.25;
  EXPECT_STATUS(ringcast_publish_performance_update(pub, "bob", &perf), RINGCAST_OK);

  ringcast_health_update health = {0};
  SET_TEXT(health.component, "exchange-ws");
  health.healthy = 0;
  health.latency_ms = 12.5;
  health.error_rate = 0.02;
  SET_TEXT(health.detail, "reconnecting");
  EXPECT_STATUS(ringcast_publish_health_update(pub, NULL, &health), RINGCAST_OK);

  ringcast_system_status_update status = {0};
  SET_TEXT(status.component, "risk");
  SET_TEXT(status.status, "DEGRADED");
  SET_TEXT(status.detail, "caf\xc3\xa9 \xe2\x82\xac"); /* UTF-8 passes through */
  EXPECT_STATUS(ringcast_publish_system_status_update(pub, NULL, &status), RINGCAST_OK);

  ringcast_gateway_status_change gateway = {0};
  SET_TEXT(gateway.gateway_id, "gw-1");
  SET_TEXT(gateway.gateway_type, "binance");
  SET_TEXT(gateway.previous_status, "CONNECTING");
  SET_TEXT(gateway.current_status, "CONNECTED");
  EXPECT_STATUS(ringcast_publish_gateway_status_change(pub, "alice", &gateway, "{\"region\":\"eu\",\"retries\":2}"),
                RINGCAST_OK);

  ringcast_system_log log = {0};
  log.level = RINGCAST_LOG_LEVEL_WARN;
  SET_TEXT(log.source, "risk");
  EXPECT_STATUS(ringcast_publish_system_log(pub, NULL, &log, "limit near", "{\"used\":0.9}"), RINGCAST_OK);
  log.level = RINGCAST_LOG_LEVEL_ERROR;
  EXPECT_STATUS(ringcast_publish_system_log(pub, "alice", &log, "no metadata", NULL), RINGCAST_OK);

  EXPECT_STATUS(ringcast_publish_json(pub, "PNL_UPDATE", "carol",
                                      "{\"totalPnl\":1.5,\"dailyPnl\":2,\"positionPnl\":-3,\"realizedPnl\":0.25}"),
                RINGCAST_OK);
}

/* Every call here is refused and must leave nothing in the ring. */
static void try_error_paths(ringcast_publisher* pub, const char* segment) {
  ringcast_pnl_update pnl = {0};
  char long_user[RINGCAST_MAX_USER_ID + 2];
  memset(long_user, 'u', sizeof long_user - 1);
  long_user[sizeof long_user - 1] = '\0';
  EXPECT_STATUS(ringcast_publish_pnl_update(pub, long_user, &pnl), RINGCAST_USER_ID_TOO_LONG);
  EXPECT_STATUS(ringcast_publish_json(pub, "PNL_UPDATE", long_user, "{}"), RINGCAST_USER_ID_TOO_LONG);

  EXPECT_STATUS(ringcast_publish_pnl_update(NULL, "alice", &pnl), RINGCAST_BAD_ARGUMENT);
  EXPECT_ERROR_MENTIONS("handle is NULL");
  EXPECT_STATUS(ringcast_publish_pnl_update(pub, "alice", NULL), RINGCAST_BAD_ARGUMENT);
  EXPECT_ERROR_MENTIONS("event is NULL");

  ringcast_order_update order = {0};
  order.side = 9;
  EXPECT_STATUS(ringcast_publish_order_update(pub, "alice", &order), RINGCAST_BAD_ARGUMENT);
  EXPECT_ERROR_MENTIONS("side = 9");

  ringcast_chain_update chain = {0};
  ringcast_chain_order orders[2];
  memset(orders, 0, sizeof orders);
  orders[1].status = 42;
  EXPECT_STATUS(ringcast_publish_chain_update(pub, "alice", &chain, orders, 2), RINGCAST_BAD_ARGUMENT);
  EXPECT_ERROR_MENTIONS("orders[1].status = 42");
  EXPECT_STATUS(ringcast_publish_chain_update(pub, "alice", &chain, NULL, 1), RINGCAST_BAD_ARGUMENT);

  ringcast_futures_orderbook_update book = {0};
  EXPECT_STATUS(ringcast_publish_futures_orderbook_update(pub, "alice", &book, NULL, 1, NULL, 0),
                RINGCAST_BAD_ARGUMENT);

  ringcast_system_log log = {0};
  log.level = 4;
  EXPECT_STATUS(ringcast_publish_system_log(pub, NULL, &log, "x", NULL), RINGCAST_BAD_ARGUMENT);
  EXPECT_ERROR_MENTIONS("level = 4");
  log.level = RINGCAST_LOG_LEVEL_INFO;
  /* 1/8 of the 64 KiB lane is the record limit. */
  char* huge = malloc(20000);
  if (huge != NULL) {
    memset(huge, 'x', 19999);
    huge[19999] = '\0';
    EXPECT_STATUS(ringcast_publish_system_log(pub, NULL, &log, huge, NULL), RINGCAST_TOO_LARGE);
    free(huge);
  }

  EXPECT_STATUS(ringcast_publish_json(pub, "NO_SUCH_TYPE", "alice", "{}"), RINGCAST_UNKNOWN_TYPE);
  EXPECT_ERROR_MENTIONS("'NO_SUCH_TYPE'");
  EXPECT_STATUS(ringcast_publish_json(pub, "PNL_UPDATE", "alice", "{\"totalPnl\":"), RINGCAST_BAD_JSON);
  EXPECT_STATUS(ringcast_publish_json(pub, "PNL_UPDATE", "alice", "{\"totalPnl\":1}"), RINGCAST_BAD_JSON);
  EXPECT_ERROR_MENTIONS("dailyPnl");
  EXPECT_STATUS(ringcast_publish_json(pub, "ORDER_UPDATE", "alice", "[1,2]"), RINGCAST_BAD_JSON);
  EXPECT_STATUS(ringcast_publish_json(pub, "PNL_UPDATE", "alice", NULL), RINGCAST_BAD_ARGUMENT);
  EXPECT_STATUS(ringcast_publish_json(pub, NULL, "alice", "{}"), RINGCAST_BAD_ARGUMENT);

  ringcast_publisher* other = (ringcast_publisher*)&pnl; /* must be overwritten with NULL */
  EXPECT_STATUS(ringcast_publisher_open("bad/name", NULL, &other), RINGCAST_SEGMENT_ERROR);
  EXPECT_TRUE(other == NULL);
  EXPECT_ERROR_MENTIONS("'bad/name'");
  EXPECT_STATUS(ringcast_publisher_open("", NULL, &other), RINGCAST_SEGMENT_ERROR);
  EXPECT_STATUS(ringcast_publisher_open(segment, NULL, NULL), RINGCAST_BAD_ARGUMENT);
  ringcast_publisher_options bad_wait = {0};
  bad_wait.wait_when_full_ns = -1;
  EXPECT_STATUS(ringcast_publisher_open(segment, &bad_wait, &other), RINGCAST_BAD_ARGUMENT);
  EXPECT_ERROR_MENTIONS("wait_when_full_ns");
  EXPECT_STATUS(ringcast_publisher_attach_thread(NULL), RINGCAST_BAD_ARGUMENT);
  EXPECT_TRUE(ringcast_publisher_lane(NULL) == -1);
  ringcast_publisher_close(NULL);
  ringcast_publisher_detach_thread(NULL);
}

static void check_texts(void) {
  for (int a = RINGCAST_OK; a <= RINGCAST_INTERNAL_ERROR; ++a) {
    EXPECT_TRUE(strcmp(ringcast_status_text(a), "UNKNOWN_STATUS") != 0 && ringcast_status_text(a)[0] != '\0');
    for (int b = RINGCAST_OK; b < a; ++b) EXPECT_TRUE(strcmp(ringcast_status_text(a), ringcast_status_text(b)) != 0);
  }
  EXPECT_TRUE(strcmp(ringcast_status_text(RINGCAST_DROPPED_FULL), "DROPPED_FULL") == 0);
  EXPECT_TRUE(strcmp(ringcast_status_text(RINGCAST_INTERNAL_ERROR + 1), "UNKNOWN_STATUS") == 0);
  EXPECT_TRUE(strcmp(ringcast_status_text(-1), "UNKNOWN_STATUS") == 0);
  EXPECT_TRUE(strcmp(ringcast_version(), RINGCAST_VERSION) == 0);
}

int main(int argc, char** argv) {
  const char* segment = NULL;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--segment") == 0 && i + 1 < argc) {
      segment = argv[++i];
    } else if (strcmp(argv[i], "--help") == 0) {
      printf(
          "usage: ringcast-test-c-producer --segment NAME\n"
          "publishes every event type through libringcast, then tries its error paths\n");
      return 0;
    } else {
      fprintf(stderr, "ringcast-test-c-producer: unknown argument '%s' (try --help)\n", argv[i]);
      return 2;
    }
  }

  ringcast_publisher_options options = {0};
  options.lanes = 4;
  options.lane_capacity = 1u << 16;
  ringcast_publisher* pub = NULL;
  if (ringcast_publisher_open(segment, &options, &pub) != RINGCAST_OK) {
    fprintf(stderr, "ringcast-test-c-producer: %s\n", ringcast_last_error());
    return 3;
  }
  EXPECT_TRUE(ringcast_publisher_lane(pub) == -1);
  EXPECT_STATUS(ringcast_publisher_attach_thread(pub), RINGCAST_OK);
  EXPECT_TRUE(ringcast_publisher_lane(pub) >= 0);

  publish_trading_events(pub);
  publish_status_events(pub);
  try_error_paths(pub, segment);
  check_texts();

  ringcast_system_status_update end = {0};
  SET_TEXT(end.component, "c-producer");
  SET_TEXT(end.status, "END");
  EXPECT_STATUS(ringcast_publish_system_status_update(pub, "alice", &end), RINGCAST_OK);

  ringcast_publisher_close(pub);
  printf("done failures=%d\n", g_failures);
  return g_failures == 0 ? 0 : 1;
}
