#include "ringcast/shm/publisher.hpp"

#include <fmt/format.h>
#include <time.h>

#include <limits>
#include <thread>

#include "process.hpp"

namespace ringcast::shm {

namespace {

std::int64_t monotonic_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// Claims lane i if it is free (first pass) or its owner is dead (second
// pass). Returns our owner word, or 0.
std::uint64_t try_claim(segment& seg, std::uint32_t i, bool take_over_dead, std::uint32_t pid) {
  auto& owner = seg.lane(i).owner;
  // SYNC POINT (acquire): pairs with the release CAS that freed the lane
  // (~publisher, or the consumer's reclaim), so the producer block written
  // before it is visible to us. After a takeover of a dead owner, the
  // lane_writer's acquire load of the tail gives us what it committed.
  std::uint64_t seen = owner.owner.load(std::memory_order_acquire);
  const std::uint32_t seen_pid = owner_pid(seen);
  if (seen_pid != 0) {
    if (!take_over_dead) return 0;
    std::uint64_t dead_start = owner.owner_start_time.load(std::memory_order_relaxed);
    if (detail::process_alive(seen_pid, dead_start)) return 0;
    // The dead owner's start time must not be read as ours between our CAS
    // and our store below: our pid with its start time would make us look
    // dead. Cleared first (a free lane's was cleared on release), by CAS so
    // that a claimer who lost the race never wipes the winner's.
    owner.owner_start_time.compare_exchange_strong(dead_start, 0, std::memory_order_relaxed);
  }
  const std::uint64_t mine = make_owner(pid, owner_generation(seen) + 1);
  // SYNC POINT (acq_rel CAS): exactly one claimer wins; acquire as above.
  // Our start time follows relaxed: until it lands, a reclaimer sees 0 and
  // trusts the pid alone (the release half orders the clearing above).
  if (!owner.owner.compare_exchange_strong(seen, mine, std::memory_order_acq_rel, std::memory_order_acquire))
    return 0;
  owner.owner_start_time.store(detail::self_start_time(), std::memory_order_relaxed);
  owner.claims.fetch_add(1, std::memory_order_relaxed);
  auto& lanes = seg.header().lanes;
  if (seen_pid == 0) lanes.in_use.fetch_add(1, std::memory_order_relaxed);
  // Relaxed: the high-water mark only bounds the consumer's scan; a late
  // view delays draining this lane by one poll, the tail carries the data.
  std::uint32_t hw = lanes.high_water.load(std::memory_order_relaxed);
  while (hw < i + 1 && !lanes.high_water.compare_exchange_weak(hw, i + 1, std::memory_order_relaxed)) {
  }
  return mine;
}

}  // namespace

publisher::publisher(std::shared_ptr<segment> seg, publisher_options options)
    : segment_(std::move(seg)), wait_ns_(options.wait_when_full.count()) {
  if (!segment_) throw segment_error("publisher: no segment");
  if (segment_->read_only())
    throw segment_error(fmt::format("segment '{}' is mapped read-only; a publisher needs read-write", segment_->name()));
  const std::uint32_t pid = detail::self_pid();
  const std::uint32_t lanes = segment_->lane_count();
  for (bool take_over_dead : {false, true}) {
    for (std::uint32_t i = 0; i < lanes && owner_ == 0; ++i) {
      owner_ = try_claim(*segment_, i, take_over_dead, pid);
      if (owner_ != 0) lane_ = i;
    }
    if (owner_ != 0) break;
  }
  if (owner_ == 0)
    throw segment_error(fmt::format("segment '{}': all {} lanes are claimed by live producers; stop a producer, "
                                    "publish from fewer threads, or create the segment with more lanes",
                                    segment_->name(), lanes));
  const auto& id = segment_->header().identity;
  // Map our ring for writing now, not at the first publishes.
  segment_->prefault(id.data_offset + std::size_t{lane_} * id.lane_capacity, id.lane_capacity, true);
  writer_ = lane_writer(segment_->lane(lane_), segment_->lane_ring(lane_), id.max_record_size,
                        segment_->header().doorbell.sleeping, detail::register_light_barrier());
}

publisher::publisher(publisher&& other) noexcept
    : segment_(std::move(other.segment_)),
      lane_(other.lane_),
      owner_(std::exchange(other.owner_, 0)),
      wait_ns_(other.wait_ns_),
      writer_(other.writer_) {}

publisher::~publisher() {
  // A child forked without exec runs our destructor too: the lane is its
  // parent's, not its own to release.
  if (owner_ == 0 || owner_pid(owner_) != detail::self_pid()) return;
  auto& owner = segment_->lane(lane_).owner;
  std::uint64_t expected = owner_;
  owner.owner_start_time.store(0, std::memory_order_relaxed);  // see try_claim(): no stale start time for the next owner
  // SYNC POINT (release): hands the lane, with the producer block we wrote,
  // to the next claimer's acquire. A CAS, not a store: if we were taken for
  // dead and the lane reclaimed (pid namespace games), leave it alone.
  if (owner.owner.compare_exchange_strong(expected, make_owner(0, owner_generation(owner_)),
                                          std::memory_order_release, std::memory_order_relaxed))
    segment_->header().lanes.in_use.fetch_sub(1, std::memory_order_relaxed);
}

publish_status publisher::publish(std::string_view user_id, futures_orderbook_update book,
                                  std::span<const price_level> bids, std::span<const price_level> asks) noexcept {
  constexpr std::size_t max_levels = std::numeric_limits<std::uint16_t>::max();
  if (bids.size() > max_levels || asks.size() > max_levels) return publish_status::too_large;
  book.bid_count = static_cast<std::uint16_t>(bids.size());
  book.ask_count = static_cast<std::uint16_t>(asks.size());
  const std::size_t size = sizeof book + (bids.size() + asks.size()) * sizeof(price_level);
  return write(event_type::futures_orderbook_update, event_traits<futures_orderbook_update>::version, user_id, size,
               [&](std::byte* dst) noexcept {
                 detail::copy_payload(book, dst);
                 dst += sizeof book;
                 if (!bids.empty()) std::memcpy(dst, bids.data(), bids.size_bytes());
                 dst += bids.size_bytes();
                 if (!asks.empty()) std::memcpy(dst, asks.data(), asks.size_bytes());
               });
}

publish_status publisher::publish(std::string_view user_id, chain_update chain,
                                  std::span<const chain_order> orders) noexcept {
  if (orders.size() > std::numeric_limits<std::uint16_t>::max()) return publish_status::too_large;
  chain.order_count = static_cast<std::uint16_t>(orders.size());
  return write(event_type::chain_update, event_traits<chain_update>::version, user_id,
               sizeof chain + orders.size_bytes(), [&](std::byte* dst) noexcept {
                 detail::copy_payload(chain, dst);
                 std::byte* at = dst + sizeof chain;
                 for (const chain_order& o : orders) {
                   detail::copy_payload(o, at);
                   at += sizeof o;
                 }
               });
}

publish_status publisher::publish(std::string_view user_id, gateway_status_change change,
                                  std::string_view metadata_json) noexcept {
  if (metadata_json.size() > std::numeric_limits<std::uint32_t>::max()) return publish_status::too_large;
  change.metadata_size = static_cast<std::uint32_t>(metadata_json.size());
  return write(event_type::gateway_status_change, event_traits<gateway_status_change>::version, user_id,
               sizeof change + metadata_json.size(), [&](std::byte* dst) noexcept {
                 detail::copy_payload(change, dst);
                 if (!metadata_json.empty()) std::memcpy(dst + sizeof change, metadata_json.data(), metadata_json.size());
               });
}

publish_status publisher::publish(std::string_view user_id, system_log log, std::string_view message,
                                  std::string_view metadata_json) noexcept {
  constexpr std::size_t max = std::numeric_limits<std::uint32_t>::max();
  if (message.size() > max || metadata_json.size() > max) return publish_status::too_large;
  log.message_size = static_cast<std::uint32_t>(message.size());
  log.metadata_size = static_cast<std::uint32_t>(metadata_json.size());
  return write(event_type::system_log, event_traits<system_log>::version, user_id,
               sizeof log + message.size() + metadata_json.size(), [&](std::byte* dst) noexcept {
                 detail::copy_payload(log, dst);
                 // An empty view's data() may be null, and memcpy from null is undefined even for 0 bytes.
                 if (!message.empty()) std::memcpy(dst + sizeof log, message.data(), message.size());
                 if (!metadata_json.empty())
                   std::memcpy(dst + sizeof log + message.size(), metadata_json.data(), metadata_json.size());
               });
}

bool lane_writer::wait_for_room(std::uint64_t needed, std::int64_t wait_for_ns) noexcept {
  if (wait_for_ns <= 0) return false;
  const std::int64_t deadline = monotonic_ns() + wait_for_ns;
  for (unsigned spins = 0;; ++spins) {
    if (has_room(needed)) return true;
    if (monotonic_ns() >= deadline) return false;
    if (spins < 64)
      detail::cpu_relax();
    else
      std::this_thread::yield();  // the consumer may need this core to drain
  }
}

void lane_writer::wake_consumer() noexcept {
  // Only the producer that flips 1 -> 0 enters the kernel; relaxed because
  // the futex call itself orders nothing we rely on: the consumer re-checks
  // every tail after it wakes.
  if (doorbell_->exchange(0, std::memory_order_relaxed) != 0) detail::futex_wake_all(*doorbell_);
}

}  // namespace ringcast::shm
