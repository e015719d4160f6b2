/* libringcast: the C ABI of ringcast's producer side, for C, Python, Go and
 * any other language with an FFI.
 *
 *   ringcast_publisher* pub = NULL;
 *   if (ringcast_publisher_open(NULL, NULL, &pub) != RINGCAST_OK)
 *     fprintf(stderr, "%s\n", ringcast_last_error());
 *   ringcast_pnl_update pnl = {0};
 *   pnl.total_pnl = 12.5;
 *   int st = ringcast_publish_pnl_update(pub, "alice", &pnl);  // RINGCAST_OK, or a drop
 *   ringcast_publisher_close(pub);
 *
 * Threads: one handle serves every thread of the process. Each thread that
 * publishes gets a lane of its own (claimed at its first publish, or by
 * ringcast_publisher_attach_thread()), released when the thread exits, when
 * it calls ringcast_publisher_detach_thread(), or when the handle closes.
 * After that first call, publishing is wait-free and allocation-free and
 * never blocks on the consumer (ringcast_publish_json excepted: it
 * allocates). Close a handle only once no thread is publishing with it.
 * After fork(), a handle inherited by the child claims a lane of its own at
 * the child's first publish (the parent's lanes stay the parent's); do not
 * fork while another thread is opening, attaching or closing.
 *
 * Payload structs mirror ringcast's C++ schema (shm/include/ringcast/shm/
 * schema.hpp) byte for byte; the library checks that at compile time.
 * Strings are fixed char arrays, NUL-padded, UTF-8; one that fills its
 * array has no terminator. Booleans are uint8_t (0 = false). Enums are
 * uint8_t holding a RINGCAST_<ENUM>_<VALUE> constant. Times are Unix ms.
 * Zero every struct before filling it ({0} in C, {} in C++).
 *
 * A NULL or empty user id publishes a global event (every client sees it).
 */
#ifndef RINGCAST_RINGCAST_H
#define RINGCAST_RINGCAST_H

#include <stddef.h>
#include <stdint.h>

#define RINGCAST_VERSION_MAJOR 0
#define RINGCAST_VERSION_MINOR 1
#define RINGCAST_VERSION_PATCH 0
#define RINGCAST_VERSION "0.1.0"
/* Compare with ringcast_version() to detect a header/library mismatch. */
#define RINGCAST_VERSION_NUMBER (RINGCAST_VERSION_MAJOR * 10000 + RINGCAST_VERSION_MINOR * 100 + RINGCAST_VERSION_PATCH)

#define RINGCAST_MAX_USER_ID 64 /* bytes */

#if defined(__GNUC__)
#define RINGCAST_API __attribute__((visibility("default")))
#else
#define RINGCAST_API
#endif
#ifdef __cplusplus
#define RINGCAST_NOEXCEPT noexcept
#define RINGCAST_STATIC_ASSERT(c, m) static_assert(c, m)
extern "C" {
#else
#define RINGCAST_NOEXCEPT
#define RINGCAST_STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif

/* ---- status ---- */
typedef enum ringcast_status {
  RINGCAST_OK = 0,               /* published (committed; the consumer will see it) */
  RINGCAST_DROPPED_FULL = 1,     /* the lane was full: dropped and counted; the next event carries the gap */
  RINGCAST_TOO_LARGE = 2,        /* larger than the segment's record size limit: refused */
  RINGCAST_USER_ID_TOO_LONG = 3, /* more than RINGCAST_MAX_USER_ID bytes: refused */
  /* Each status below also sets ringcast_last_error(). */
  RINGCAST_BAD_ARGUMENT = 4,  /* NULL handle or struct, enum value out of range, bad option */
  RINGCAST_BAD_JSON = 5,      /* ringcast_publish_json: the payload does not fit the type's schema */
  RINGCAST_UNKNOWN_TYPE = 6,  /* ringcast_publish_json: no event type has that name */
  RINGCAST_NO_LANE = 7,       /* every lane of the segment is claimed by a live producer thread */
  RINGCAST_SEGMENT_ERROR = 8, /* the segment cannot be created or opened (name, layout version, rights) */
  RINGCAST_OUT_OF_MEMORY = 9,
  RINGCAST_INTERNAL_ERROR = 10 /* a bug: please report ringcast_last_error() */
} ringcast_status;

/* "OK", "DROPPED_FULL", ...; "UNKNOWN_STATUS" for any other number. Static text. */
RINGCAST_API const char* ringcast_status_text(int status) RINGCAST_NOEXCEPT;
/* Detail of the latest call on this thread that failed with a status of
 * RINGCAST_BAD_ARGUMENT or above; "" if none. Valid until the next such call
 * on this thread. */
RINGCAST_API const char* ringcast_last_error(void) RINGCAST_NOEXCEPT;
/* The library's version, "0.1.0": compare with RINGCAST_VERSION. */
RINGCAST_API const char* ringcast_version(void) RINGCAST_NOEXCEPT;

/* ---- publisher ---- */
typedef struct ringcast_publisher ringcast_publisher;

typedef struct ringcast_publisher_options {
  uint32_t lanes;            /* when this call creates the segment; 0 = 64 */
  uint32_t lane_capacity;    /* when this call creates it: bytes, power of two; 0 = 1 MiB */
  int64_t wait_when_full_ns; /* 0 = drop at once when a lane is full; > 0 = retry that long first */
  uint8_t group_access;      /* when this call creates it: 1 = mode 0660 instead of 0600 */
} ringcast_publisher_options;

/* Opens the segment (creating it if nobody has) and stores a handle in *out.
 * segment_name: NULL = $RINGCAST_SEGMENT, else "ringcast". options: NULL =
 * defaults. Returns RINGCAST_OK, RINGCAST_SEGMENT_ERROR, RINGCAST_BAD_ARGUMENT
 * or RINGCAST_OUT_OF_MEMORY; *out is NULL on failure. */
RINGCAST_API int ringcast_publisher_open(const char* segment_name, const ringcast_publisher_options* options,
                                         ringcast_publisher** out) RINGCAST_NOEXCEPT;
/* Releases every lane of the handle and unmaps the segment. NULL is a no-op. */
RINGCAST_API void ringcast_publisher_close(ringcast_publisher* pub) RINGCAST_NOEXCEPT;
/* Claims the calling thread's lane now, so that RINGCAST_NO_LANE comes at
 * set-up and not at the first publish. Idempotent. */
RINGCAST_API int ringcast_publisher_attach_thread(ringcast_publisher* pub) RINGCAST_NOEXCEPT;
/* Releases the calling thread's lane early (thread pools). */
RINGCAST_API void ringcast_publisher_detach_thread(ringcast_publisher* pub) RINGCAST_NOEXCEPT;
/* The lane the calling thread publishes on, or -1 if it has none yet. */
RINGCAST_API int ringcast_publisher_lane(const ringcast_publisher* pub) RINGCAST_NOEXCEPT;

/* ---- enums (values of the uint8_t enum members) ---- */
enum ringcast_order_side { RINGCAST_ORDER_SIDE_BUY, RINGCAST_ORDER_SIDE_SELL };
enum ringcast_position_side { RINGCAST_POSITION_SIDE_LONG, RINGCAST_POSITION_SIDE_SHORT, RINGCAST_POSITION_SIDE_BOTH };
enum ringcast_margin_type { RINGCAST_MARGIN_TYPE_CROSS, RINGCAST_MARGIN_TYPE_ISOLATED };
enum ringcast_order_type {
  RINGCAST_ORDER_TYPE_LIMIT,
  RINGCAST_ORDER_TYPE_MARKET,
  RINGCAST_ORDER_TYPE_STOP,
  RINGCAST_ORDER_TYPE_STOP_MARKET,
  RINGCAST_ORDER_TYPE_TAKE_PROFIT,
  RINGCAST_ORDER_TYPE_TAKE_PROFIT_MARKET,
  RINGCAST_ORDER_TYPE_TRAILING_STOP_MARKET
};
enum ringcast_order_status {
  RINGCAST_ORDER_STATUS_NEW,
  RINGCAST_ORDER_STATUS_PARTIALLY_FILLED,
  RINGCAST_ORDER_STATUS_FILLED,
  RINGCAST_ORDER_STATUS_CANCELED,
  RINGCAST_ORDER_STATUS_REJECTED,
  RINGCAST_ORDER_STATUS_EXPIRED
};
enum ringcast_chain_status {
  RINGCAST_CHAIN_STATUS_PENDING,
  RINGCAST_CHAIN_STATUS_ACTIVE,
  RINGCAST_CHAIN_STATUS_COMPLETED,
  RINGCAST_CHAIN_STATUS_CANCELED,
  RINGCAST_CHAIN_STATUS_FAILED
};
enum ringcast_signal_direction {
  RINGCAST_SIGNAL_DIRECTION_LONG,
  RINGCAST_SIGNAL_DIRECTION_SHORT,
  RINGCAST_SIGNAL_DIRECTION_NEUTRAL
};
enum ringcast_log_level {
  RINGCAST_LOG_LEVEL_DEBUG,
  RINGCAST_LOG_LEVEL_INFO,
  RINGCAST_LOG_LEVEL_WARN,
  RINGCAST_LOG_LEVEL_ERROR
};

/* ---- payloads: see docs/PROTOCOL.md for each field's meaning ---- */
typedef struct ringcast_position_update {
  char symbol[24];
  uint8_t side;   /* ringcast_position_side */
  uint8_t margin; /* ringcast_margin_type */
  uint16_t leverage;
  double size, entry_price, mark_price, liquidation_price, unrealized_pnl, margin_used;
} ringcast_position_update;

typedef struct ringcast_order_update {
  int64_t order_id;
  char client_order_id[40];
  char symbol[24];
  uint8_t side;   /* ringcast_order_side */
  uint8_t type;   /* ringcast_order_type */
  uint8_t status; /* ringcast_order_status */
  uint8_t reduce_only;
  double price, stop_price, qty, filled_qty, avg_price;
  int64_t update_time;
} ringcast_order_update;

typedef struct ringcast_trade_update {
  int64_t trade_id, order_id;
  char symbol[24];
  uint8_t side; /* ringcast_order_side */
  uint8_t is_maker;
  char fee_asset[16];
  double price, qty, fee, realized_pnl;
  int64_t trade_time;
} ringcast_trade_update;

typedef struct ringcast_balance_update {
  char asset[16];
  double wallet_balance, available_balance, cross_unrealized_pnl, balance_change;
} ringcast_balance_update;

typedef struct ringcast_price_level {
  double price, qty;
} ringcast_price_level;

typedef struct ringcast_futures_orderbook_update {
  char symbol[24];
  uint16_t bid_count, ask_count; /* set by the publish call */
  int64_t last_update_id, event_time;
} ringcast_futures_orderbook_update;

typedef struct ringcast_futures_mark_price_update {
  char symbol[24];
  double mark_price, index_price, funding_rate;
  int64_t next_funding_time;
} ringcast_futures_mark_price_update;

typedef struct ringcast_futures_kline_update {
  char symbol[24];
  char interval[8];
  uint8_t is_closed;
  double open, high, low, close, volume;
  int64_t open_time, close_time;
} ringcast_futures_kline_update;

typedef struct ringcast_chain_order {
  int64_t order_id;
  char client_order_id[40];
  char role[16];
  uint8_t side;   /* ringcast_order_side */
  uint8_t type;   /* ringcast_order_type */
  uint8_t status; /* ringcast_order_status */
  double price, qty, filled_qty;
} ringcast_chain_order;

typedef struct ringcast_chain_update {
  char chain_id[40];
  char symbol[24];
  uint8_t status;       /* ringcast_chain_status */
  uint16_t order_count; /* set by the publish call */
  int64_t updated_time;
} ringcast_chain_update;

typedef struct ringcast_lifecycle_event {
  int64_t event_id;
  char chain_id[40];
  int64_t order_id;
  char symbol[24];
  char stage[32];
  char detail[128];
  int64_t event_time;
} ringcast_lifecycle_event;

typedef struct ringcast_ginie_status_update {
  uint8_t is_running;
  char current_mode[32];
  uint32_t active_positions, max_positions, daily_trades;
  char last_signal[64];
  int64_t last_decision_time;
} ringcast_ginie_status_update;

typedef struct ringcast_circuit_breaker_update {
  uint8_t is_triggered;
  uint32_t consecutive_losses;
  char trigger_reason[128];
  double daily_loss, daily_loss_limit;
  int64_t reset_time;
} ringcast_circuit_breaker_update;

typedef struct ringcast_pnl_update {
  double total_pnl, daily_pnl, position_pnl, realized_pnl;
} ringcast_pnl_update;

typedef struct ringcast_signal_update {
  char signal_id[40];
  char symbol[24];
  uint8_t direction; /* ringcast_signal_direction */
  char source[32];
  double confidence, entry_price, stop_loss, take_profit;
} ringcast_signal_update;

typedef struct ringcast_mode_status_update {
  char mode[32];
  uint8_t enabled;
  char status[32];
  uint32_t active_positions;
  double pnl_today;
} ringcast_mode_status_update;

typedef struct ringcast_mode_safety_update {
  char mode[32];
  uint8_t is_paused;
  uint32_t consecutive_losses;
  char pause_reason[128];
  double win_rate, max_drawdown_pct;
  int64_t resume_time;
} ringcast_mode_safety_update;

typedef struct ringcast_mode_allocation_update {
  char mode[32];
  uint32_t max_positions;
  double allocation_pct, allocated_usd, used_usd;
} ringcast_mode_allocation_update;

typedef struct ringcast_autopilot_rules_update {
  uint8_t enabled;
  uint16_t max_leverage;
  uint32_t max_positions;
  double max_daily_loss, max_position_usd, risk_per_trade_pct, min_confidence;
} ringcast_autopilot_rules_update;

typedef struct ringcast_stats_update {
  char source[32];
  uint32_t total_trades, winning_trades, losing_trades;
  double win_rate, total_pnl, total_volume;
} ringcast_stats_update;

typedef struct ringcast_performance_update {
  char scope[32];
  uint32_t trades;
  double win_rate, pnl, avg_pnl, max_drawdown, sharpe;
} ringcast_performance_update;

typedef struct ringcast_health_update {
  char component[32];
  uint8_t healthy;
  double latency_ms, error_rate;
  char detail[128];
} ringcast_health_update;

typedef struct ringcast_system_status_update {
  char component[32];
  char status[16];
  char detail[128];
} ringcast_system_status_update;

typedef struct ringcast_gateway_status_change {
  char gateway_id[40];
  char gateway_type[32];
  char previous_status[16];
  char current_status[16];
  uint32_t metadata_size; /* set by the publish call */
} ringcast_gateway_status_change;

typedef struct ringcast_system_log {
  uint8_t level; /* ringcast_log_level */
  char source[32];
  uint32_t message_size, metadata_size; /* set by the publish call */
} ringcast_system_log;

/* Sizes every build must agree on (a packing flag would break them). */
RINGCAST_STATIC_ASSERT(sizeof(ringcast_order_update) == 128 && sizeof(ringcast_lifecycle_event) == 248 &&
                           sizeof(ringcast_chain_order) == 96 && sizeof(ringcast_system_log) == 44,
                       "ringcast.h structs must keep the platform's natural alignment (no packing)");

/* ---- publishing: one function per event type ----
 * Each returns a ringcast_status. The struct is copied; it and user_id may be
 * reused as soon as the call returns. */
#define RINGCAST_DECLARE_PUBLISH(T)                                                                              \
  RINGCAST_API int ringcast_publish_##T(ringcast_publisher* pub, const char* user_id, const ringcast_##T* event) \
      RINGCAST_NOEXCEPT;
RINGCAST_DECLARE_PUBLISH(position_update)
RINGCAST_DECLARE_PUBLISH(order_update)
RINGCAST_DECLARE_PUBLISH(trade_update)
RINGCAST_DECLARE_PUBLISH(balance_update)
RINGCAST_DECLARE_PUBLISH(futures_mark_price_update)
RINGCAST_DECLARE_PUBLISH(futures_kline_update)
RINGCAST_DECLARE_PUBLISH(lifecycle_event)
RINGCAST_DECLARE_PUBLISH(ginie_status_update)
RINGCAST_DECLARE_PUBLISH(circuit_breaker_update)
RINGCAST_DECLARE_PUBLISH(pnl_update)
RINGCAST_DECLARE_PUBLISH(signal_update)
RINGCAST_DECLARE_PUBLISH(mode_status_update)
RINGCAST_DECLARE_PUBLISH(mode_safety_update)
RINGCAST_DECLARE_PUBLISH(mode_allocation_update)
RINGCAST_DECLARE_PUBLISH(autopilot_rules_update)
RINGCAST_DECLARE_PUBLISH(stats_update)
RINGCAST_DECLARE_PUBLISH(performance_update)
RINGCAST_DECLARE_PUBLISH(health_update)
RINGCAST_DECLARE_PUBLISH(system_status_update)
#undef RINGCAST_DECLARE_PUBLISH

/* Types with a variable part: the counts and sizes in the struct are set from
 * the arguments. Arrays may be NULL when their count is 0. Texts are
 * NUL-terminated UTF-8; NULL means none. metadata_json should be a JSON
 * object; anything else reaches clients as null. */
RINGCAST_API int ringcast_publish_futures_orderbook_update(ringcast_publisher* pub, const char* user_id,
                                                           const ringcast_futures_orderbook_update* event,
                                                           const ringcast_price_level* bids, size_t bid_count,
                                                           const ringcast_price_level* asks,
                                                           size_t ask_count) RINGCAST_NOEXCEPT;
RINGCAST_API int ringcast_publish_chain_update(ringcast_publisher* pub, const char* user_id,
                                               const ringcast_chain_update* event, const ringcast_chain_order* orders,
                                               size_t order_count) RINGCAST_NOEXCEPT;
RINGCAST_API int ringcast_publish_gateway_status_change(ringcast_publisher* pub, const char* user_id,
                                                        const ringcast_gateway_status_change* event,
                                                        const char* metadata_json) RINGCAST_NOEXCEPT;
RINGCAST_API int ringcast_publish_system_log(ringcast_publisher* pub, const char* user_id,
                                             const ringcast_system_log* event, const char* message,
                                             const char* metadata_json) RINGCAST_NOEXCEPT;

/* Any event type from its JSON payload, e.g. type_name "PNL_UPDATE" and
 * payload_json "{\"totalPnl\":12.5}" (docs/PROTOCOL.md lists the names and
 * fields). Allocates; for scripts and tools rather than hot paths.
 * RINGCAST_UNKNOWN_TYPE or RINGCAST_BAD_JSON (with ringcast_last_error()
 * naming the field) publish nothing. */
RINGCAST_API int ringcast_publish_json(ringcast_publisher* pub, const char* type_name, const char* user_id,
                                       const char* payload_json) RINGCAST_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* RINGCAST_RINGCAST_H */
