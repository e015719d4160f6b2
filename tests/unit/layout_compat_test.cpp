// Binary compatibility of everything that crosses a process boundary.
// Two builds that agree on k_layout_version and on a payload's schema
// version must agree on every byte, so this test pins each struct's layout
// to golden values keyed by those versions (as iceoryx's
// ChunkHeaderBinaryCompatibilityCheck does). If it fails you changed a
// shared struct: bump the version and add the new golden row; never edit a
// row of a version that has shipped.
#include <gtest/gtest.h>

#include <boost/describe.hpp>
#include <boost/mp11.hpp>
#include <string>

#include "ringcast/shm/layout.hpp"
#include "ringcast/shm/schema.hpp"

namespace ringcast::shm {
namespace {

// "name@offset:size ..." of a Boost.Described struct.
template <class T>
std::string describe_layout() {
  std::string out;
  const T object{};
  boost::mp11::mp_for_each<boost::describe::describe_members<T, boost::describe::mod_public>>([&](auto d) {
    const auto* base = reinterpret_cast<const char*>(&object);
    const auto* member = reinterpret_cast<const char*>(&(object.*d.pointer));
    if (!out.empty()) out += ' ';
    out += std::string(d.name) + '@' + std::to_string(member - base) + ':' + std::to_string(sizeof(object.*d.pointer));
  });
  return out + " =" + std::to_string(sizeof(T));
}

#define RC_FIELD(S, F) (std::string(#F "@") + std::to_string(offsetof(S, F)) + ':' + std::to_string(sizeof(S::F)))

TEST(layout_compat, segment_structs_match_layout_v1) {
  ASSERT_EQ(k_layout_version, 1u) << "layout version bumped: add golden values for it below";
  EXPECT_EQ(k_magic, 0x5453414347'4e4952ULL);
  EXPECT_EQ(sizeof(segment_header), 512u);
  EXPECT_EQ(sizeof(lane_descriptor), 384u);
  EXPECT_EQ(sizeof(record_header), 32u);
  EXPECT_EQ(data_offset_for(64), 28672u);
  EXPECT_EQ(total_size_for(64, 1u << 20), 28672u + (64ull << 20));
  EXPECT_EQ(max_record_size_for(1u << 20), 131072u);

  const std::string identity = RC_FIELD(segment_identity, magic) + ' ' + RC_FIELD(segment_identity, layout_version) +
                               ' ' + RC_FIELD(segment_identity, header_size) + ' ' +
                               RC_FIELD(segment_identity, lane_count) + ' ' + RC_FIELD(segment_identity, lane_capacity) +
                               ' ' + RC_FIELD(segment_identity, lane_descriptor_size) + ' ' +
                               RC_FIELD(segment_identity, max_record_size) + ' ' +
                               RC_FIELD(segment_identity, data_offset) + ' ' + RC_FIELD(segment_identity, total_size) +
                               ' ' + RC_FIELD(segment_identity, epoch) + ' ' + RC_FIELD(segment_identity, created_ns) +
                               ' ' + RC_FIELD(segment_identity, creator_pid) + ' ' + RC_FIELD(segment_identity, mode);
  EXPECT_EQ(identity,
            "magic@0:8 layout_version@8:4 header_size@12:4 lane_count@16:4 lane_capacity@20:4 "
            "lane_descriptor_size@24:4 max_record_size@28:4 data_offset@32:8 total_size@40:8 epoch@48:8 "
            "created_ns@56:8 creator_pid@64:4 mode@68:4");

  const std::string consumer = RC_FIELD(consumer_block, owner) + ' ' + RC_FIELD(consumer_block, owner_start_time) +
                               ' ' + RC_FIELD(consumer_block, heartbeat_ns) + ' ' + RC_FIELD(consumer_block, drained) +
                               ' ' + RC_FIELD(consumer_block, lost) + ' ' + RC_FIELD(consumer_block, corrupt) + ' ' +
                               RC_FIELD(consumer_block, reclaimed);
  EXPECT_EQ(consumer, "owner@0:8 owner_start_time@8:8 heartbeat_ns@16:8 drained@24:8 lost@32:8 corrupt@40:8 reclaimed@48:8");
  EXPECT_EQ(offsetof(segment_header, doorbell) + offsetof(doorbell_block, sleeping), 256u);
  EXPECT_EQ(offsetof(segment_header, lanes) + offsetof(lanes_block, in_use), 384u);
  EXPECT_EQ(offsetof(segment_header, lanes) + offsetof(lanes_block, high_water), 388u);

  const std::string producer = RC_FIELD(lane_producer_block, tail) + ' ' + RC_FIELD(lane_producer_block, published) +
                               ' ' + RC_FIELD(lane_producer_block, dropped) + ' ' +
                               RC_FIELD(lane_producer_block, next_seq) + ' ' +
                               RC_FIELD(lane_producer_block, pending_gap);
  EXPECT_EQ(producer, "tail@0:8 published@8:8 dropped@16:8 next_seq@24:8 pending_gap@32:8");
  const std::string lane_consumer = RC_FIELD(lane_consumer_block, head) + ' ' +
                                    RC_FIELD(lane_consumer_block, expected_seq) + ' ' +
                                    RC_FIELD(lane_consumer_block, drained) + ' ' + RC_FIELD(lane_consumer_block, lost);
  EXPECT_EQ(lane_consumer, "head@0:8 expected_seq@8:8 drained@16:8 lost@24:8");
  const std::string owner = RC_FIELD(lane_owner_block, owner) + ' ' + RC_FIELD(lane_owner_block, owner_start_time) +
                            ' ' + RC_FIELD(lane_owner_block, claims);
  EXPECT_EQ(owner, "owner@0:8 owner_start_time@8:8 claims@16:8");
  EXPECT_EQ(offsetof(lane_descriptor, consumer), 128u);
  EXPECT_EQ(offsetof(lane_descriptor, owner), 256u);

  const std::string record = RC_FIELD(record_header, size) + ' ' + RC_FIELD(record_header, type) + ' ' +
                             RC_FIELD(record_header, schema_version) + ' ' + RC_FIELD(record_header, user_id_size) +
                             ' ' + RC_FIELD(record_header, seq) + ' ' + RC_FIELD(record_header, timestamp_ns) + ' ' +
                             RC_FIELD(record_header, gap);
  EXPECT_EQ(record, "size@0:4 type@4:2 schema_version@6:1 user_id_size@7:1 seq@8:8 timestamp_ns@16:8 gap@24:8");
}

struct golden {
  const char* name;
  std::uint8_t version;
  std::string layout;
};

template <class T>
void expect_payload(const golden& g) {
  SCOPED_TRACE(g.name);
  if (event_traits<T>::version != g.version) {
    ADD_FAILURE() << g.name << " is at schema v" << int{event_traits<T>::version} << " but the golden row is v"
                  << int{g.version} << ": add a golden row for the new version";
    return;
  }
  EXPECT_EQ(describe_layout<T>(), g.layout)
      << g.name << " v" << int{g.version} << " changed layout without a version bump: bump event_traits<"
      << g.name << ">::version and add a golden row";
}

TEST(layout_compat, event_type_numbers_and_wire_names_are_stable) {
  // Type numbers are in the ring; names are on the wire. Both are forever.
  const char* names[] = {"",
                         "POSITION_UPDATE", "ORDER_UPDATE", "TRADE_UPDATE", "BALANCE_UPDATE",
                         "FUTURES_ORDERBOOK_UPDATE", "FUTURES_MARK_PRICE_UPDATE", "FUTURES_KLINE_UPDATE",
                         "CHAIN_UPDATE", "LIFECYCLE_EVENT", "GINIE_STATUS_UPDATE", "CIRCUIT_BREAKER_UPDATE",
                         "PNL_UPDATE", "SIGNAL_UPDATE", "MODE_STATUS_UPDATE", "MODE_SAFETY_UPDATE",
                         "MODE_ALLOCATION_UPDATE", "AUTOPILOT_RULES_UPDATE", "STATS_UPDATE", "PERFORMANCE_UPDATE",
                         "HEALTH_UPDATE", "SYSTEM_STATUS_UPDATE", "gateway_status_change", "system_log"};
  ASSERT_EQ(std::size(names), k_event_type_count);
  for (std::uint16_t i = 1; i < k_event_type_count; ++i) {
    EXPECT_EQ(wire_name(static_cast<event_type>(i)), names[i]);
    EXPECT_EQ(event_type_from_wire(names[i]), static_cast<event_type>(i));
    EXPECT_TRUE(visit_event_type(static_cast<event_type>(i), [&](auto tag) {
      using T = typename decltype(tag)::type;
      EXPECT_EQ(static_cast<std::uint16_t>(event_traits<T>::type), i);
    }));
  }
  EXPECT_FALSE(is_known_event_type(0));
  EXPECT_FALSE(is_known_event_type(k_event_type_count));
  EXPECT_EQ(event_type_from_wire("NOPE"), std::nullopt);
}

// Golden rows, one per (payload, schema version). Printed once from
// describe_layout<T>() when a version is added; never edited afterwards.
TEST(layout_compat, payload_structs_match_their_schema_versions) {
  expect_payload<position_update>({"position_update", 1, "symbol@0:24 side@24:1 margin@25:1 leverage@26:2 size@32:8 entry_price@40:8 mark_price@48:8 liquidation_price@56:8 unrealized_pnl@64:8 margin_used@72:8 =80"});
  expect_payload<order_update>({"order_update", 1, "order_id@0:8 client_order_id@8:40 symbol@48:24 side@72:1 type@73:1 status@74:1 reduce_only@75:1 price@80:8 stop_price@88:8 qty@96:8 filled_qty@104:8 avg_price@112:8 update_time@120:8 =128"});
  expect_payload<trade_update>({"trade_update", 1, "trade_id@0:8 order_id@8:8 symbol@16:24 side@40:1 is_maker@41:1 fee_asset@42:16 price@64:8 qty@72:8 fee@80:8 realized_pnl@88:8 trade_time@96:8 =104"});
  expect_payload<balance_update>({"balance_update", 1, "asset@0:16 wallet_balance@16:8 available_balance@24:8 cross_unrealized_pnl@32:8 balance_change@40:8 =48"});
  expect_payload<futures_orderbook_update>({"futures_orderbook_update", 1, "symbol@0:24 bid_count@24:2 ask_count@26:2 last_update_id@32:8 event_time@40:8 =48"});
  expect_payload<futures_mark_price_update>({"futures_mark_price_update", 1, "symbol@0:24 mark_price@24:8 index_price@32:8 funding_rate@40:8 next_funding_time@48:8 =56"});
  expect_payload<futures_kline_update>({"futures_kline_update", 1, "symbol@0:24 interval@24:8 is_closed@32:1 open@40:8 high@48:8 low@56:8 close@64:8 volume@72:8 open_time@80:8 close_time@88:8 =96"});
  expect_payload<chain_update>({"chain_update", 1, "chain_id@0:40 symbol@40:24 status@64:1 order_count@66:2 updated_time@72:8 =80"});
  expect_payload<lifecycle_event>({"lifecycle_event", 1, "event_id@0:8 chain_id@8:40 order_id@48:8 symbol@56:24 stage@80:32 detail@112:128 event_time@240:8 =248"});
  expect_payload<ginie_status_update>({"ginie_status_update", 1, "is_running@0:1 current_mode@1:32 active_positions@36:4 max_positions@40:4 daily_trades@44:4 last_signal@48:64 last_decision_time@112:8 =120"});
  expect_payload<circuit_breaker_update>({"circuit_breaker_update", 1, "is_triggered@0:1 consecutive_losses@4:4 trigger_reason@8:128 daily_loss@136:8 daily_loss_limit@144:8 reset_time@152:8 =160"});
  expect_payload<pnl_update>({"pnl_update", 1, "total_pnl@0:8 daily_pnl@8:8 position_pnl@16:8 realized_pnl@24:8 =32"});
  expect_payload<signal_update>({"signal_update", 1, "signal_id@0:40 symbol@40:24 direction@64:1 source@65:32 confidence@104:8 entry_price@112:8 stop_loss@120:8 take_profit@128:8 =136"});
  expect_payload<mode_status_update>({"mode_status_update", 1, "mode@0:32 enabled@32:1 status@33:32 active_positions@68:4 pnl_today@72:8 =80"});
  expect_payload<mode_safety_update>({"mode_safety_update", 1, "mode@0:32 is_paused@32:1 consecutive_losses@36:4 pause_reason@40:128 win_rate@168:8 max_drawdown_pct@176:8 resume_time@184:8 =192"});
  expect_payload<mode_allocation_update>({"mode_allocation_update", 1, "mode@0:32 max_positions@32:4 allocation_pct@40:8 allocated_usd@48:8 used_usd@56:8 =64"});
  expect_payload<autopilot_rules_update>({"autopilot_rules_update", 1, "enabled@0:1 max_leverage@2:2 max_positions@4:4 max_daily_loss@8:8 max_position_usd@16:8 risk_per_trade_pct@24:8 min_confidence@32:8 =40"});
  expect_payload<stats_update>({"stats_update", 1, "source@0:32 total_trades@32:4 winning_trades@36:4 losing_trades@40:4 win_rate@48:8 total_pnl@56:8 total_volume@64:8 =72"});
  expect_payload<performance_update>({"performance_update", 1, "scope@0:32 trades@32:4 win_rate@40:8 pnl@48:8 avg_pnl@56:8 max_drawdown@64:8 sharpe@72:8 =80"});
  expect_payload<health_update>({"health_update", 1, "component@0:32 healthy@32:1 latency_ms@40:8 error_rate@48:8 detail@56:128 =184"});
  expect_payload<system_status_update>({"system_status_update", 1, "component@0:32 status@32:16 detail@48:128 =176"});
  expect_payload<gateway_status_change>({"gateway_status_change", 1, "gateway_id@0:40 gateway_type@40:32 previous_status@72:16 current_status@88:16 metadata_size@104:4 =108"});
  expect_payload<system_log>({"system_log", 1, "level@0:1 source@1:32 message_size@36:4 metadata_size@40:4 =44"});
  // Element types of the variable-length tails, versioned with their owners.
  EXPECT_EQ(describe_layout<price_level>(), "price@0:8 qty@8:8 =16");
  EXPECT_EQ(describe_layout<chain_order>(), "order_id@0:8 client_order_id@8:40 role@48:16 side@64:1 type@65:1 status@66:1 price@72:8 qty@80:8 filled_qty@88:8 =96");
}

}  // namespace
}  // namespace ringcast::shm
