// A publisher that counts what happened to every event, per type:
// published, dropped (ring full) or refused (too large, user id too long).
// The counts are the simulator's summary, and what tests compare with what
// a consumer saw.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>

#include "ringcast/shm/publisher.hpp"

namespace ringcast::sim {

struct type_counts {
  std::array<std::uint64_t, shm::k_event_type_count> published{};
  std::array<std::uint64_t, shm::k_event_type_count> dropped{};
  std::array<std::uint64_t, shm::k_event_type_count> refused{};

  type_counts& operator+=(const type_counts& o) noexcept {
    for (std::size_t t = 0; t < published.size(); ++t) {
      published[t] += o.published[t];
      dropped[t] += o.dropped[t];
      refused[t] += o.refused[t];
    }
    return *this;
  }
  [[nodiscard]] static std::uint64_t sum(const std::array<std::uint64_t, shm::k_event_type_count>& a) noexcept {
    std::uint64_t n = 0;
    for (const auto v : a) n += v;
    return n;
  }
};

class sim_emitter {
 public:
  explicit sim_emitter(shm::publisher pub) noexcept : pub_(std::move(pub)) {}

  template <shm::fixed_event_payload T>
  void emit(std::string_view user, const T& payload) noexcept {
    note(shm::event_traits<T>::type, pub_.publish(user, payload));
  }
  void emit(std::string_view user, const shm::futures_orderbook_update& book, std::span<const shm::price_level> bids,
            std::span<const shm::price_level> asks) noexcept {
    note(shm::event_type::futures_orderbook_update, pub_.publish(user, book, bids, asks));
  }
  void emit(std::string_view user, const shm::chain_update& chain, std::span<const shm::chain_order> orders) noexcept {
    note(shm::event_type::chain_update, pub_.publish(user, chain, orders));
  }
  void emit(std::string_view user, const shm::gateway_status_change& change, std::string_view metadata) noexcept {
    note(shm::event_type::gateway_status_change, pub_.publish(user, change, metadata));
  }
  void emit(std::string_view user, const shm::system_log& log, std::string_view message,
            std::string_view metadata) noexcept {
    note(shm::event_type::system_log, pub_.publish(user, log, message, metadata));
  }

  // Every event offered so far, whatever became of it: what the schedule counts.
  [[nodiscard]] std::uint64_t offered() const noexcept { return offered_; }
  [[nodiscard]] const type_counts& counts() const noexcept { return counts_; }
  [[nodiscard]] std::uint32_t lane() const noexcept { return pub_.lane(); }

 private:
  void note(shm::event_type type, shm::publish_status status) noexcept {
    const auto t = static_cast<std::size_t>(type);
    ++offered_;
    switch (status) {
      case shm::publish_status::published:
        ++counts_.published[t];
        break;
      case shm::publish_status::dropped_full:
        ++counts_.dropped[t];
        break;
      case shm::publish_status::too_large:
      case shm::publish_status::user_id_too_long:
        ++counts_.refused[t];
        break;
    }
  }

  shm::publisher pub_;
  type_counts counts_;
  std::uint64_t offered_ = 0;
};

}  // namespace ringcast::sim
