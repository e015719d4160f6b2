"""One dataclass per ringcast event type, mirroring the C++ schema
(shm/include/ringcast/shm/schema.hpp): same fields, same order, same kinds.
tests/python/test_schema_drift.py compares them with ``ringcast-schema
--json``, so a change to the schema fails that test until it is made here.

Strings are str (UTF-8, at most the capacity in bytes), booleans bool, enums
the WireEnum classes below (or their names), times Unix milliseconds.

    from ringcast.events import OrderUpdate, OrderSide, OrderStatus
    OrderUpdate(order_id=1, symbol="BTCUSDT", side=OrderSide.BUY, status="FILLED", qty=0.5)
"""

import dataclasses

from ._fields import (WireEnum, array_of, double, enum_of, flag, int64, json_object, make_c_struct, string,
                      tail_count, text, uint16, uint32)

# ---- enums: member names are the wire names, values the C++ enumerators ----


class OrderSide(WireEnum):
    BUY = 0
    SELL = 1


class PositionSide(WireEnum):
    LONG = 0
    SHORT = 1
    BOTH = 2


class MarginType(WireEnum):
    CROSS = 0
    ISOLATED = 1


class OrderType(WireEnum):
    LIMIT = 0
    MARKET = 1
    STOP = 2
    STOP_MARKET = 3
    TAKE_PROFIT = 4
    TAKE_PROFIT_MARKET = 5
    TRAILING_STOP_MARKET = 6


class OrderStatus(WireEnum):
    NEW = 0
    PARTIALLY_FILLED = 1
    FILLED = 2
    CANCELED = 3
    REJECTED = 4
    EXPIRED = 5


class ChainStatus(WireEnum):
    PENDING = 0
    ACTIVE = 1
    COMPLETED = 2
    CANCELED = 3
    FAILED = 4


class SignalDirection(WireEnum):
    LONG = 0
    SHORT = 1
    NEUTRAL = 2


class LogLevel(WireEnum):
    DEBUG = 0
    INFO = 1
    WARN = 2
    ERROR = 3


# The schema's enum names, for the drift test.
ENUMS = {
    "order_side": OrderSide, "position_side": PositionSide, "margin_type": MarginType, "order_type": OrderType,
    "order_status": OrderStatus, "chain_status": ChainStatus, "signal_direction": SignalDirection,
    "log_level": LogLevel,
}

# wire name -> dataclass, for every event type.
EVENTS = {}


def _struct(schema_name):
    """A dataclass that mirrors the C struct ringcast_<schema_name>."""
    def wrap(cls):
        cls = dataclasses.dataclass(cls)
        cls.schema_name = schema_name
        cls._c_struct = make_c_struct(cls, "ringcast_" + schema_name)
        return cls
    return wrap


def _event(wire_name, type_number, version=1):
    """An event type: its wire name, its type number and schema version."""
    def wrap(cls):
        cls = _struct(wire_name.lower())(cls)
        cls.wire_name = wire_name
        cls.type_number = type_number
        cls.schema_version = version
        EVENTS[wire_name] = cls
        return cls
    return wrap


@_struct("price_level")
class PriceLevel:
    price: float = double()
    qty: float = double()


@_struct("chain_order")
class ChainOrder:
    order_id: int = int64()
    client_order_id: str = string(40)
    role: str = string(16)
    side: OrderSide = enum_of(OrderSide)
    type: OrderType = enum_of(OrderType)
    status: OrderStatus = enum_of(OrderStatus)
    price: float = double()
    qty: float = double()
    filled_qty: float = double()


@_event("POSITION_UPDATE", 1)
class PositionUpdate:
    symbol: str = string(24)
    side: PositionSide = enum_of(PositionSide)
    margin: MarginType = enum_of(MarginType)
    leverage: int = uint16()
    size: float = double()
    entry_price: float = double()
    mark_price: float = double()
    liquidation_price: float = double()
    unrealized_pnl: float = double()
    margin_used: float = double()


@_event("ORDER_UPDATE", 2)
class OrderUpdate:
    order_id: int = int64()
    client_order_id: str = string(40)
    symbol: str = string(24)
    side: OrderSide = enum_of(OrderSide)
    type: OrderType = enum_of(OrderType)
    status: OrderStatus = enum_of(OrderStatus)
    reduce_only: bool = flag()
    price: float = double()
    stop_price: float = double()
    qty: float = double()
    filled_qty: float = double()
    avg_price: float = double()
    update_time: int = int64()


@_event("TRADE_UPDATE", 3)
class TradeUpdate:
    trade_id: int = int64()
    order_id: int = int64()
    symbol: str = string(24)
    side: OrderSide = enum_of(OrderSide)
    is_maker: bool = flag()
    fee_asset: str = string(16)
    price: float = double()
    qty: float = double()
    fee: float = double()
    realized_pnl: float = double()
    trade_time: int = int64()


@_event("BALANCE_UPDATE", 4)
class BalanceUpdate:
    asset: str = string(16)
    wallet_balance: float = double()
    available_balance: float = double()
    cross_unrealized_pnl: float = double()
    balance_change: float = double()


@_event("FUTURES_ORDERBOOK_UPDATE", 5)
class FuturesOrderbookUpdate:
    symbol: str = string(24)
    bid_count: int = tail_count("uint16", "bids")
    ask_count: int = tail_count("uint16", "asks")
    last_update_id: int = int64()
    event_time: int = int64()
    bids: list = array_of(PriceLevel)  # best first; PriceLevel or (price, qty)
    asks: list = array_of(PriceLevel)


@_event("FUTURES_MARK_PRICE_UPDATE", 6)
class FuturesMarkPriceUpdate:
    symbol: str = string(24)
    mark_price: float = double()
    index_price: float = double()
    funding_rate: float = double()
    next_funding_time: int = int64()


@_event("FUTURES_KLINE_UPDATE", 7)
class FuturesKlineUpdate:
    symbol: str = string(24)
    interval: str = string(8)
    is_closed: bool = flag()
    open: float = double()
    high: float = double()
    low: float = double()
    close: float = double()
    volume: float = double()
    open_time: int = int64()
    close_time: int = int64()


@_event("CHAIN_UPDATE", 8)
class ChainUpdate:
    chain_id: str = string(40)
    symbol: str = string(24)
    status: ChainStatus = enum_of(ChainStatus)
    order_count: int = tail_count("uint16", "orders")
    updated_time: int = int64()
    orders: list = array_of(ChainOrder)


@_event("LIFECYCLE_EVENT", 9)
class LifecycleEvent:
    event_id: int = int64()
    chain_id: str = string(40)
    order_id: int = int64()
    symbol: str = string(24)
    stage: str = string(32)
    detail: str = string(128)
    event_time: int = int64()


@_event("GINIE_STATUS_UPDATE", 10)
class GinieStatusUpdate:
    is_running: bool = flag()
    current_mode: str = string(32)
    active_positions: int = uint32()
    max_positions: int = uint32()
    daily_trades: int = uint32()
    last_signal: str = string(64)
    last_decision_time: int = int64()


@_event("CIRCUIT_BREAKER_UPDATE", 11)
class CircuitBreakerUpdate:
    is_triggered: bool = flag()
    consecutive_losses: int = uint32()
    trigger_reason: str = string(128)
    daily_loss: float = double()
    daily_loss_limit: float = double()
    reset_time: int = int64()


@_event("PNL_UPDATE", 12)
class PnlUpdate:
    total_pnl: float = double()
    daily_pnl: float = double()
    position_pnl: float = double()
    realized_pnl: float = double()


@_event("SIGNAL_UPDATE", 13)
class SignalUpdate:
    signal_id: str = string(40)
    symbol: str = string(24)
    direction: SignalDirection = enum_of(SignalDirection)
    source: str = string(32)
    confidence: float = double()
    entry_price: float = double()
    stop_loss: float = double()
    take_profit: float = double()


@_event("MODE_STATUS_UPDATE", 14)
class ModeStatusUpdate:
    mode: str = string(32)
    enabled: bool = flag()
    status: str = string(32)
    active_positions: int = uint32()
    pnl_today: float = double()


@_event("MODE_SAFETY_UPDATE", 15)
class ModeSafetyUpdate:
    mode: str = string(32)
    is_paused: bool = flag()
    consecutive_losses: int = uint32()
    pause_reason: str = string(128)
    win_rate: float = double()
    max_drawdown_pct: float = double()
    resume_time: int = int64()


@_event("MODE_ALLOCATION_UPDATE", 16)
class ModeAllocationUpdate:
    mode: str = string(32)
    max_positions: int = uint32()
    allocation_pct: float = double()
    allocated_usd: float = double()
    used_usd: float = double()


@_event("AUTOPILOT_RULES_UPDATE", 17)
class AutopilotRulesUpdate:
    enabled: bool = flag()
    max_leverage: int = uint16()
    max_positions: int = uint32()
    max_daily_loss: float = double()
    max_position_usd: float = double()
    risk_per_trade_pct: float = double()
    min_confidence: float = double()


@_event("STATS_UPDATE", 18)
class StatsUpdate:
    source: str = string(32)
    total_trades: int = uint32()
    winning_trades: int = uint32()
    losing_trades: int = uint32()
    win_rate: float = double()
    total_pnl: float = double()
    total_volume: float = double()


@_event("PERFORMANCE_UPDATE", 19)
class PerformanceUpdate:
    scope: str = string(32)
    trades: int = uint32()
    win_rate: float = double()
    pnl: float = double()
    avg_pnl: float = double()
    max_drawdown: float = double()
    sharpe: float = double()


@_event("HEALTH_UPDATE", 20)
class HealthUpdate:
    component: str = string(32)
    healthy: bool = flag()
    latency_ms: float = double()
    error_rate: float = double()
    detail: str = string(128)


@_event("SYSTEM_STATUS_UPDATE", 21)
class SystemStatusUpdate:
    component: str = string(32)
    status: str = string(16)
    detail: str = string(128)


@_event("gateway_status_change", 22)
class GatewayStatusChange:
    gateway_id: str = string(40)
    gateway_type: str = string(32)
    previous_status: str = string(16)
    current_status: str = string(16)
    metadata_size: int = tail_count("uint32", "metadata")
    metadata: object = json_object()


@_event("system_log", 23)
class SystemLog:
    level: LogLevel = enum_of(LogLevel)
    source: str = string(32)
    message_size: int = tail_count("uint32", "message")
    metadata_size: int = tail_count("uint32", "metadata")
    message: str = text()
    metadata: object = json_object()


__all__ = ["ENUMS", "EVENTS", "PriceLevel", "ChainOrder"] + [e.__name__ for e in ENUMS.values()] + \
    [e.__name__ for e in EVENTS.values()]
