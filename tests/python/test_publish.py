"""Every event type published from Python arrives with its type, user id and
values (read back by ringcast-test-dump, the segment's consumer); bad input
raises a clear error and publishes nothing; each thread gets its own lane."""

import threading

import pytest

import ringcast
from ringcast import (ChainOrder, ChainStatus, LogLevel, MarginType, OrderSide, OrderStatus, OrderType,
                      PositionSide, PriceLevel, Publisher, RingcastError, SignalDirection, Status)
from ringcast import events as ev

SMALL = {"lanes": 4, "lane_capacity": 1 << 16}

# (user id, event, the JSON payload the consumer must see)
CASES = [
    ("alice", ev.PositionUpdate(symbol="BTCUSDT", side=PositionSide.SHORT, margin="ISOLATED", leverage=20, size=0.5,
                                entry_price=65000.25, mark_price=64000, liquidation_price=70000,
                                unrealized_pnl=500.125, margin_used=1625),
     {"symbol": "BTCUSDT", "side": "SHORT", "margin": "ISOLATED", "leverage": 20, "size": 0.5,
      "entryPrice": 65000.25, "markPrice": 64000, "liquidationPrice": 70000, "unrealizedPnl": 500.125,
      "marginUsed": 1625}),
    ("alice", ev.OrderUpdate(order_id=2**53 + 1, client_order_id="c" * 40, symbol="ETHUSDT", side=OrderSide.SELL,
                             type=OrderType.TRAILING_STOP_MARKET, status=OrderStatus.EXPIRED, reduce_only=True,
                             price=3000.5, stop_price=2990, qty=2, filled_qty=0.75, avg_price=3000.25,
                             update_time=1700000000123),
     {"orderId": 2**53 + 1, "clientOrderId": "c" * 40, "symbol": "ETHUSDT", "side": "SELL",
      "type": "TRAILING_STOP_MARKET", "status": "EXPIRED", "reduceOnly": True, "price": 3000.5, "stopPrice": 2990,
      "qty": 2, "filledQty": 0.75, "avgPrice": 3000.25, "updateTime": 1700000000123}),
    ("alice", ev.TradeUpdate(trade_id=77, order_id=-5, symbol="SOLUSDT", side="BUY", is_maker=True, fee_asset="USDT",
                             price=150.5, qty=10, fee=0.1, realized_pnl=-12.5, trade_time=1700000000456),
     {"tradeId": 77, "orderId": -5, "symbol": "SOLUSDT", "side": "BUY", "isMaker": True, "feeAsset": "USDT",
      "price": 150.5, "qty": 10, "fee": 0.1, "realizedPnl": -12.5, "tradeTime": 1700000000456}),
    ("alice", ev.BalanceUpdate(asset="USDT", wallet_balance=10000, available_balance=8000.5,
                               cross_unrealized_pnl=-1.25, balance_change=100),
     {"asset": "USDT", "walletBalance": 10000, "availableBalance": 8000.5, "crossUnrealizedPnl": -1.25,
      "balanceChange": 100}),
    (None, ev.FuturesOrderbookUpdate(symbol="BTCUSDT", last_update_id=123456789, event_time=1700000000789,
                                     bids=[PriceLevel(64000, 1.5), (63999.5, 2)], asks=[(64000.5, 0.25)]),
     {"symbol": "BTCUSDT", "lastUpdateId": 123456789, "eventTime": 1700000000789,
      "bids": [{"price": 64000, "qty": 1.5}, {"price": 63999.5, "qty": 2}], "asks": [{"price": 64000.5, "qty": 0.25}]}),
    ("", ev.FuturesMarkPriceUpdate(symbol="BTCUSDT", mark_price=64000.5, index_price=64001, funding_rate=0.0001,
                                   next_funding_time=1700006400000),
     {"symbol": "BTCUSDT", "markPrice": 64000.5, "indexPrice": 64001, "fundingRate": 0.0001,
      "nextFundingTime": 1700006400000}),
    (None, ev.FuturesKlineUpdate(symbol="BTCUSDT", interval="15m", is_closed=True, open=1, high=4, low=0.5, close=2,
                                 volume=1000, open_time=1700000000000, close_time=1700000899999),
     {"symbol": "BTCUSDT", "interval": "15m", "isClosed": True, "open": 1, "high": 4, "low": 0.5, "close": 2,
      "volume": 1000, "openTime": 1700000000000, "closeTime": 1700000899999}),
    ("alice", ev.ChainUpdate(chain_id="chain-1", symbol="BTCUSDT", status=ChainStatus.ACTIVE,
                             updated_time=1700000001000,
                             orders=[ChainOrder(order_id=1, client_order_id="entry-1", role="ENTRY", side="BUY",
                                                type="LIMIT", status="FILLED", price=64000, qty=1, filled_qty=1),
                                     ChainOrder(order_id=2, role="TP1", side=OrderSide.SELL,
                                                type=OrderType.TAKE_PROFIT, price=66000, qty=1)]),
     {"chainId": "chain-1", "symbol": "BTCUSDT", "status": "ACTIVE", "updatedTime": 1700000001000, "orders": [
         {"orderId": 1, "clientOrderId": "entry-1", "role": "ENTRY", "side": "BUY", "type": "LIMIT",
          "status": "FILLED", "price": 64000, "qty": 1, "filledQty": 1},
         {"orderId": 2, "clientOrderId": "", "role": "TP1", "side": "SELL", "type": "TAKE_PROFIT", "status": "NEW",
          "price": 66000, "qty": 1, "filledQty": 0}]}),
    ("alice", ev.LifecycleEvent(event_id=5, chain_id="chain-1", order_id=1, symbol="BTCUSDT", stage="ENTRY_FILLED",
                                detail='filled at 64000 "best"', event_time=1700000002000),
     {"eventId": 5, "chainId": "chain-1", "orderId": 1, "symbol": "BTCUSDT", "stage": "ENTRY_FILLED",
      "detail": 'filled at 64000 "best"', "eventTime": 1700000002000}),
    ("bob", ev.GinieStatusUpdate(is_running=True, current_mode="scalp", active_positions=3, max_positions=5,
                                 daily_trades=42, last_signal="LONG BTCUSDT", last_decision_time=1700000003000),
     {"isRunning": True, "currentMode": "scalp", "activePositions": 3, "maxPositions": 5, "dailyTrades": 42,
      "lastSignal": "LONG BTCUSDT", "lastDecisionTime": 1700000003000}),
    ("bob", ev.CircuitBreakerUpdate(is_triggered=True, consecutive_losses=4, trigger_reason="daily loss limit",
                                    daily_loss=-500, daily_loss_limit=400, reset_time=1700086400000),
     {"isTriggered": True, "consecutiveLosses": 4, "triggerReason": "daily loss limit", "dailyLoss": -500,
      "dailyLossLimit": 400, "resetTime": 1700086400000}),
    ("bob", ev.PnlUpdate(total_pnl=12.5, daily_pnl=-3.25, position_pnl=1),
     {"totalPnl": 12.5, "dailyPnl": -3.25, "positionPnl": 1, "realizedPnl": 0}),
    ("bob", ev.SignalUpdate(signal_id="sig-9", symbol="ETHUSDT", direction=SignalDirection.NEUTRAL, source="ginie",
                            confidence=0.875, entry_price=3000, stop_loss=2900, take_profit=3200),
     {"signalId": "sig-9", "symbol": "ETHUSDT", "direction": "NEUTRAL", "source": "ginie", "confidence": 0.875,
      "entryPrice": 3000, "stopLoss": 2900, "takeProfit": 3200}),
    ("bob", ev.ModeStatusUpdate(mode="swing", enabled=True, status="RUNNING", active_positions=2, pnl_today=25.5),
     {"mode": "swing", "enabled": True, "status": "RUNNING", "activePositions": 2, "pnlToday": 25.5}),
    ("bob", ev.ModeSafetyUpdate(mode="scalp", is_paused=True, consecutive_losses=3, pause_reason="3 losses in a row",
                                win_rate=0.25, max_drawdown_pct=7.5, resume_time=1700003600000),
     {"mode": "scalp", "isPaused": True, "consecutiveLosses": 3, "pauseReason": "3 losses in a row", "winRate": 0.25,
      "maxDrawdownPct": 7.5, "resumeTime": 1700003600000}),
    ("bob", ev.ModeAllocationUpdate(mode="position", max_positions=4, allocation_pct=30, allocated_usd=3000,
                                    used_usd=1500.5),
     {"mode": "position", "maxPositions": 4, "allocationPct": 30, "allocatedUsd": 3000, "usedUsd": 1500.5}),
    ("bob", ev.AutopilotRulesUpdate(enabled=True, max_leverage=10, max_positions=6, max_daily_loss=300,
                                    max_position_usd=5000, risk_per_trade_pct=1.5, min_confidence=0.7),
     {"enabled": True, "maxLeverage": 10, "maxPositions": 6, "maxDailyLoss": 300, "maxPositionUsd": 5000,
      "riskPerTradePct": 1.5, "minConfidence": 0.7}),
    ("bob", ev.StatsUpdate(source="manual", total_trades=10, winning_trades=6, losing_trades=4, win_rate=0.6,
                           total_pnl=123.25, total_volume=100000),
     {"source": "manual", "totalTrades": 10, "winningTrades": 6, "losingTrades": 4, "winRate": 0.6,
      "totalPnl": 123.25, "totalVolume": 100000}),
    ("bob", ev.PerformanceUpdate(scope="BTCUSDT", trades=8, win_rate=0.5, pnl=80, avg_pnl=10, max_drawdown=-40,
                                 sharpe=1.25),
     {"scope": "BTCUSDT", "trades": 8, "winRate": 0.5, "pnl": 80, "avgPnl": 10, "maxDrawdown": -40, "sharpe": 1.25}),
    (None, ev.HealthUpdate(component="exchange-ws", healthy=False, latency_ms=12.5, error_rate=0.02,
                           detail="reconnecting"),
     {"component": "exchange-ws", "healthy": False, "latencyMs": 12.5, "errorRate": 0.02, "detail": "reconnecting"}),
    (None, ev.SystemStatusUpdate(component="risk", status="DEGRADED", detail="café €"),
     {"component": "risk", "status": "DEGRADED", "detail": "café €"}),
    ("alice", ev.GatewayStatusChange(gateway_id="gw-1", gateway_type="binance", previous_status="CONNECTING",
                                     current_status="CONNECTED", metadata={"region": "eu", "retries": 2}),
     {"gatewayId": "gw-1", "gatewayType": "binance", "previousStatus": "CONNECTING", "currentStatus": "CONNECTED",
      "metadata": {"region": "eu", "retries": 2}}),
    (None, ev.SystemLog(level=LogLevel.WARN, source="risk", message="limit near", metadata='{"used":0.9}'),
     {"level": "WARN", "source": "risk", "message": "limit near", "metadata": {"used": 0.9}}),
    ("ålice", ev.SystemLog(level="ERROR", source="risk", message="no metadata"),
     {"level": "ERROR", "source": "risk", "message": "no metadata", "metadata": None}),
]


def test_every_event_type_arrives_with_its_user_and_values(segment, read_back):
    assert {type(e).wire_name for _, e, _ in CASES} == set(ringcast.EVENTS)
    with Publisher(segment, **SMALL) as pub:
        for user, event, _ in CASES:
            assert pub.publish(user, event) == Status.OK
        assert pub.publish_json("PNL_UPDATE", "carol",
                                {"totalPnl": 1.5, "dailyPnl": 2, "positionPnl": -3, "realizedPnl": 0.25}) == Status.OK
    got = read_back(segment)
    expected = [(type(e).wire_name, user or "", payload) for user, e, payload in CASES]
    expected.append(("PNL_UPDATE", "carol", {"totalPnl": 1.5, "dailyPnl": 2, "positionPnl": -3, "realizedPnl": 0.25}))
    assert [(r["type"], r["userId"], r["payload"]) for r in got] == expected
    assert [r["seq"] for r in got] == list(range(len(expected)))
    assert all(r["gap"] == 0 and r["typeNumber"] == ringcast.EVENTS[r["type"]].type_number for r in got)


def refusals():
    # (what the call does, the exception, text its message must contain)
    return [
        (lambda p: p.publish("u", ev.PnlUpdate(total_pnl="1")), TypeError, "PnlUpdate.total_pnl"),
        (lambda p: p.publish("u", ev.BalanceUpdate(asset="A" * 17)), ValueError, "at most 16 fit"),
        (lambda p: p.publish("u", ev.BalanceUpdate(asset="€" * 6)), ValueError, "18 bytes of UTF-8"),
        (lambda p: p.publish("u", ev.OrderUpdate(side="buy")), ValueError, "'buy' is not one of BUY, SELL"),
        (lambda p: p.publish("u", ev.OrderUpdate(status=9)), ValueError, "OrderUpdate.status"),
        (lambda p: p.publish("u", ev.PositionUpdate(leverage=70000)), ValueError, "uint16 range"),
        (lambda p: p.publish("u", ev.ChainUpdate(orders=[ev.PnlUpdate()])), TypeError, "orders[0]"),
        (lambda p: p.publish("u", ev.SystemLog(metadata={"x": float("nan")})), ValueError, "JSON"),
        (lambda p: p.publish("x" * 65, ev.PnlUpdate()), RingcastError, "USER_ID_TOO_LONG"),
        (lambda p: p.publish("u", ev.SystemLog(message="m" * 20000)), RingcastError, "TOO_LARGE"),
        (lambda p: p.publish("u", "PNL_UPDATE"), TypeError, "expected an event"),
        (lambda p: p.publish_json("PNL_UPDATE", "u", {"totalPnl": 1}), RingcastError, "payload.dailyPnl"),
        (lambda p: p.publish_json("PNL_UPDATE", "u", "{not json"), RingcastError, "BAD_JSON"),
        (lambda p: p.publish_json("NOPE", "u", {}), RingcastError, "'NOPE' is not an event type"),
    ]


@pytest.mark.parametrize("index", range(len(refusals())))
def test_bad_input_raises_a_clear_error_and_publishes_nothing(segment, read_back, index):
    call, exception, text = refusals()[index]
    with Publisher(segment, **SMALL) as pub:
        with pytest.raises(exception) as raised:
            call(pub)
        assert text in str(raised.value)
        assert pub.publish("u", ev.PnlUpdate(total_pnl=1)) == Status.OK
    assert [r["payload"]["totalPnl"] for r in read_back(segment)] == [1]


def test_a_bad_segment_name_is_refused_with_its_status():
    with pytest.raises(RingcastError) as raised:
        Publisher("bad/name")
    assert raised.value.status == Status.SEGMENT_ERROR
    assert "'bad/name'" in str(raised.value)


def test_a_closed_publisher_refuses_to_publish(segment):
    pub = Publisher(segment, **SMALL)
    pub.close()
    pub.close()
    with pytest.raises(RingcastError, match="closed"):
        pub.publish("u", ev.PnlUpdate())


def test_each_thread_publishes_on_its_own_lane(segment, read_back):
    per_thread = 50
    attached = threading.Barrier(3)
    lanes = {}
    errors = []
    with Publisher(segment, **SMALL) as pub:
        def run(index):
            try:
                pub.attach_thread()
                lanes[index] = pub.lane
                attached.wait(timeout=10)  # all three hold a lane at once: three distinct lanes
                for i in range(per_thread):
                    pub.publish("u", ev.PnlUpdate(total_pnl=index, realized_pnl=i))
            except Exception as e:  # reported below: pytest does not see other threads' exceptions
                errors.append(e)
        threads = [threading.Thread(target=run, args=(i,)) for i in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    assert not errors
    assert len(set(lanes.values())) == 3
    got = read_back(segment)
    for index, lane in lanes.items():
        mine = [r for r in got if r["lane"] == lane]
        assert [(r["payload"]["totalPnl"], r["payload"]["realizedPnl"]) for r in mine] == \
            [(index, i) for i in range(per_thread)]


def test_no_lane_left_is_reported_at_attach(segment):
    with Publisher(segment, lanes=1, lane_capacity=1 << 14) as pub:
        pub.attach_thread()
        outcome = []

        def other():
            try:
                pub.attach_thread()
            except RingcastError as e:
                outcome.append(e)
        t = threading.Thread(target=other)
        t.start()
        t.join(timeout=30)
        assert len(outcome) == 1 and outcome[0].status == Status.NO_LANE
        assert "all 1 lanes are claimed" in str(outcome[0])
