// Reads what a consumer hands out and checks that the simulator's accounts
// agree with its fills, the way a dashboard would reconstruct them:
//  - at every PNL_UPDATE, realizedPnl == sum over the user's TRADE_UPDATEs
//    so far of (realizedPnl - fee)   (net of fees: sim_account.hpp)
//  - at every BALANCE_UPDATE, walletBalance == initial balance + that sum
//  - at every POSITION_UPDATE, size (negative when SHORT) == the net
//    filled quantity of the user's trades in that symbol (buys - sells).
// It also counts records per type and per lane, gaps and losses. After a
// gap or a loss on a lane, that lane's users can no longer be checked (a
// fill may be missing): their checks stop and are counted as skipped.
#pragma once

#include <array>
#include <cmath>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ringcast/shm/consumer.hpp"
#include "ringcast/shm/schema.hpp"

namespace ringcast::test {

class sim_stream_check {
 public:
  using counts = std::array<std::uint64_t, shm::k_event_type_count>;

  explicit sim_stream_check(double initial_balance) : initial_balance_(initial_balance) {}

  void on_record(const shm::record_view& r) {
    ++records;
    gaps += r.gap;
    lost += r.lost;
    if (r.gap > 0 || r.lost > 0) tainted_lanes.insert(r.lane);
    if (r.type < shm::k_event_type_count) {
      ++per_type[r.type];
      ++per_lane[r.lane][r.type];
    }
    if (r.user_id.empty()) {
      ++global;
      return;
    }
    user_state& u = users_[std::string(r.user_id)];
    if (tainted_lanes.contains(r.lane)) {
      ++skipped;
      return;
    }
    switch (static_cast<shm::event_type>(r.type)) {
      case shm::event_type::trade_update: {
        const auto t = read<shm::trade_update>(r);
        u.net_realized += t.realized_pnl - t.fee;
        u.net_qty[std::string(t.symbol.view())] += t.side == shm::order_side::buy ? t.qty : -t.qty;
        ++trades;
        break;
      }
      case shm::event_type::pnl_update: {
        const auto p = read<shm::pnl_update>(r);
        check(pnl_checked, pnl_mismatched, p.realized_pnl, u.net_realized, r, "PNL_UPDATE.realizedPnl");
        break;
      }
      case shm::event_type::balance_update: {
        const auto b = read<shm::balance_update>(r);
        check(balance_checked, balance_mismatched, b.wallet_balance, initial_balance_ + u.net_realized, r,
              "BALANCE_UPDATE.walletBalance");
        break;
      }
      case shm::event_type::position_update: {
        const auto p = read<shm::position_update>(r);
        const double signed_size = p.side == shm::position_side::short_ ? -p.size : p.size;
        check(position_checked, position_mismatched, signed_size, u.net_qty[std::string(p.symbol.view())], r,
              "POSITION_UPDATE.size");
        break;
      }
      case shm::event_type::circuit_breaker_update: {
        const auto c = read<shm::circuit_breaker_update>(r);
        if (c.is_triggered) {
          if (!u.tripped) ++breaker_trips;
          u.tripped = true;
        } else if (u.tripped) {
          ++breaker_resets;
          u.tripped = false;
        }
        break;
      }
      default:
        break;
    }
  }

  [[nodiscard]] std::uint64_t mismatches() const { return pnl_mismatched + balance_mismatched + position_mismatched; }

  std::uint64_t records = 0, global = 0, gaps = 0, lost = 0, skipped = 0, trades = 0;
  std::uint64_t pnl_checked = 0, pnl_mismatched = 0;
  std::uint64_t balance_checked = 0, balance_mismatched = 0;
  std::uint64_t position_checked = 0, position_mismatched = 0;
  std::uint64_t breaker_trips = 0, breaker_resets = 0;
  counts per_type{};
  std::map<std::uint32_t, counts> per_lane;
  std::set<std::uint32_t> tainted_lanes;
  std::vector<std::string> failures;  // the first few mismatches, in words

 private:
  struct user_state {
    double net_realized = 0;
    std::map<std::string, double> net_qty;
    bool tripped = false;
  };

  template <class T>
  static T read(const shm::record_view& r) {
    T v{};
    if (r.payload.size() >= sizeof(T)) std::memcpy(&v, r.payload.data(), sizeof(T));
    return v;
  }

  // Money and quantities are sums of doubles: equal to a part in 1e9.
  void check(std::uint64_t& checked, std::uint64_t& mismatched, double got, double want, const shm::record_view& r,
             const char* what) {
    ++checked;
    if (std::abs(got - want) <= 1e-9 * std::max(1.0, std::abs(want))) return;
    ++mismatched;
    if (failures.size() < 10)
      failures.push_back(std::string(what) + " of " + std::string(r.user_id) + " at lane " + std::to_string(r.lane) +
                         " seq " + std::to_string(r.seq) + ": " + std::to_string(got) + ", fills say " +
                         std::to_string(want));
  }

  double initial_balance_;
  std::map<std::string, user_state> users_;
};

}  // namespace ringcast::test
