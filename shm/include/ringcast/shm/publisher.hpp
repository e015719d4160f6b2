// A producer thread's handle on one lane of a segment.
//
//   auto seg = shm::segment::open_or_create({});
//   shm::publisher pub(seg);                       // claims a lane, or throws
//   auto st = pub.publish("alice", shm::pnl_update{.total_pnl = 12.5});
//
// One publisher per thread: it owns its lane (single producer). Creating it
// claims a free lane (or one whose owner died) and throws segment_error when
// none is left; destroying it releases the lane. publish() is wait-free,
// noexcept, allocation- and syscall-free (the consumer's wake-up excepted),
// and returns a publish_status.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>

#include <boost/describe.hpp>
#include <boost/mp11.hpp>

#include "ringcast/shm/lane_writer.hpp"
#include "ringcast/shm/schema.hpp"
#include "ringcast/shm/segment.hpp"

namespace ringcast::shm {

namespace detail {
// Copies a payload struct member by member over zeroed bytes, so that its
// padding carries zeros into the segment, never the caller's stack bytes
// (which would leak to every consumer and make records differ byte-wise).
// The compiler merges the copies; a struct without padding is one memcpy.
template <class T>
void copy_payload(const T& v, std::byte* dst) noexcept {
  if constexpr (std::has_unique_object_representations_v<T>) {
    std::memcpy(dst, &v, sizeof(T));
  } else {
    std::memset(dst, 0, sizeof(T));
    boost::mp11::mp_for_each<boost::describe::describe_members<T, boost::describe::mod_public>>([&](auto d) {
      const auto& member = v.*d.pointer;
      const auto offset = reinterpret_cast<const std::byte*>(&member) - reinterpret_cast<const std::byte*>(&v);
      std::memcpy(dst + offset, &member, sizeof member);
    });
  }
}
}  // namespace detail

struct publisher_options {
  // 0 (default): a full ring drops the event at once - producers never wait
  // for the bridge. > 0: retry for up to this long first (opt-in).
  std::chrono::nanoseconds wait_when_full{0};
};

class publisher {
 public:
  explicit publisher(std::shared_ptr<segment> seg, publisher_options options = {});
  ~publisher();
  publisher(publisher&& other) noexcept;
  publisher& operator=(publisher&&) = delete;
  publisher(const publisher&) = delete;
  publisher& operator=(const publisher&) = delete;

  template <fixed_event_payload T>
  [[nodiscard]] publish_status publish(std::string_view user_id, const T& payload) noexcept {
    return write(event_traits<T>::type, event_traits<T>::version, user_id, sizeof(T),
                 [&](std::byte* dst) noexcept { detail::copy_payload(payload, dst); });
  }

  [[nodiscard]] publish_status publish(std::string_view user_id, futures_orderbook_update book,
                                       std::span<const price_level> bids, std::span<const price_level> asks) noexcept;
  [[nodiscard]] publish_status publish(std::string_view user_id, chain_update chain,
                                       std::span<const chain_order> orders) noexcept;
  [[nodiscard]] publish_status publish(std::string_view user_id, gateway_status_change change,
                                       std::string_view metadata_json) noexcept;
  [[nodiscard]] publish_status publish(std::string_view user_id, system_log log, std::string_view message,
                                       std::string_view metadata_json) noexcept;

  // Pre-encoded payload bytes of any type (the C ABI and JSON publisher use it).
  [[nodiscard]] publish_status publish_raw(event_type type, std::uint8_t schema_version, std::string_view user_id,
                                           std::span<const std::byte> payload) noexcept {
    return write(type, schema_version, user_id, payload.size(),
                 [&](std::byte* dst) noexcept {
                   if (!payload.empty()) std::memcpy(dst, payload.data(), payload.size());  // data() may be null
                 });
  }

  [[nodiscard]] std::uint32_t lane() const noexcept { return lane_; }
  [[nodiscard]] std::uint64_t published() const noexcept { return writer_.published(); }
  [[nodiscard]] std::uint64_t dropped() const noexcept { return writer_.dropped(); }
  [[nodiscard]] const std::shared_ptr<segment>& seg() const noexcept { return segment_; }

 private:
  template <class Fill>
  publish_status write(event_type type, std::uint8_t version, std::string_view user_id, std::size_t size,
                       Fill&& fill) noexcept {
    return writer_.write(static_cast<std::uint16_t>(type), version, user_id, size, wait_ns_,
                         std::forward<Fill>(fill));
  }

  std::shared_ptr<segment> segment_;
  std::uint32_t lane_ = 0;
  std::uint64_t owner_ = 0;  // our owner word, 0 once moved from
  std::int64_t wait_ns_ = 0;
  lane_writer writer_;
};

}  // namespace ringcast::shm
