#include "ringcast/shm/consumer.hpp"

#include <fmt/format.h>
#include <time.h>

#include <algorithm>

#include "process.hpp"
#include "ringcast/shm/doorbell.hpp"
#include "ringcast/shm/lane_writer.hpp"

namespace ringcast::shm {

namespace {
std::int64_t monotonic_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}
}  // namespace

consumer::consumer(std::shared_ptr<segment> seg, consumer_options options)
    : segment_(std::move(seg)), options_(options) {
  if (!segment_) throw segment_error("consumer: no segment");
  if (segment_->read_only())
    throw segment_error(fmt::format("segment '{}' is mapped read-only; a consumer needs read-write", segment_->name()));
  options_.batch = std::max<std::uint32_t>(options_.batch, 1);
  options_.lane_batch = std::max<std::uint32_t>(options_.lane_batch, 1);
  auto& block = segment_->header().consumer;
  const std::uint32_t pid = detail::self_pid();
  for (;;) {
    // SYNC POINT (acquire): pairs with the previous consumer's release on
    // detach; a consumer that died never released, but every head it stored
    // was a release store we acquire-load below.
    std::uint64_t seen = block.owner.load(std::memory_order_acquire);
    const std::uint32_t seen_pid = owner_pid(seen);
    std::uint64_t seen_start = block.owner_start_time.load(std::memory_order_relaxed);
    if (seen_pid != 0 && detail::process_alive(seen_pid, seen_start))
      throw segment_error(fmt::format("segment '{}' already has a live consumer (pid {}); stop it first, or pass "
                                      "--segment to use another segment",
                                      segment_->name(), seen_pid));
    const std::uint64_t mine = make_owner(pid, owner_generation(seen) + 1);
    // The dead consumer's start time must not pass for ours until we store
    // ours below (see try_claim() in publisher.cpp).
    if (seen_pid != 0) block.owner_start_time.compare_exchange_strong(seen_start, 0, std::memory_order_relaxed);
    // SYNC POINT (acq_rel CAS): one attacher wins a free or dead claim.
    if (block.owner.compare_exchange_strong(seen, mine, std::memory_order_acq_rel, std::memory_order_acquire)) {
      owner_ = mine;
      break;
    }
  }
  block.owner_start_time.store(detail::self_start_time(), std::memory_order_relaxed);
  const std::uint32_t lanes = segment_->lane_count();
  heads_.resize(lanes);
  expected_.resize(lanes);
  for (std::uint32_t i = 0; i < lanes; ++i) {
    // SYNC POINT (acquire): our own index as the previous consumer left it.
    heads_[i] = segment_->lane(i).consumer.head.load(std::memory_order_acquire);
    expected_[i] = segment_->lane(i).consumer.expected_seq.load(std::memory_order_relaxed);
  }
  stats_.drained = block.drained.load(std::memory_order_relaxed);
  stats_.lost = block.lost.load(std::memory_order_relaxed);
  stats_.corrupt = block.corrupt.load(std::memory_order_relaxed);
  stats_.reclaimed = block.reclaimed.load(std::memory_order_relaxed);
  const auto& id = segment_->header().identity;
  segment_->prefault(id.data_offset, id.total_size - id.data_offset, false);
  heartbeat_and_reclaim();
}

consumer::~consumer() {
  auto& block = segment_->header().consumer;
  std::uint64_t expected = owner_;
  block.owner_start_time.store(0, std::memory_order_relaxed);  // none for the next consumer
  // SYNC POINT (release): the next consumer's acquire sees our last heads.
  block.owner.compare_exchange_strong(expected, make_owner(0, owner_generation(owner_)), std::memory_order_release,
                                      std::memory_order_relaxed);
}

std::size_t consumer::poll(record_handler on_record) {
  heartbeat_and_reclaim();
  const std::uint32_t lanes = std::min(segment_->lane_count(),
                                       segment_->header().lanes.high_water.load(std::memory_order_relaxed));
  if (lanes == 0) return 0;
  std::size_t total = 0;
  // Round-robin from a rotating start, at most lane_batch records per lane
  // per turn, until the batch is full or a whole turn found nothing.
  for (bool progress = true; progress && total < options_.batch;) {
    progress = false;
    for (std::uint32_t k = 0; k < lanes && total < options_.batch; ++k) {
      const std::uint32_t lane = (next_start_ + k) % lanes;
      const auto limit = static_cast<std::uint32_t>(std::min<std::size_t>(options_.lane_batch, options_.batch - total));
      const std::size_t n = drain_lane(lane, limit, on_record);
      total += n;
      progress = progress || n > 0;
    }
  }
  next_start_ = (next_start_ + 1) % lanes;
  if (total > 0) {
    stats_.drained += total;
    segment_->header().consumer.drained.store(stats_.drained, std::memory_order_relaxed);
  }
  return total;
}

std::size_t consumer::drain_lane(std::uint32_t lane, std::uint32_t limit, const record_handler& on_record) {
  auto& d = segment_->lane(lane);
  std::uint64_t head = heads_[lane];
  // SYNC POINT (acquire): pairs with the producer's release store of tail
  // in lane_writer::write(); the record bytes before it are complete.
  const std::uint64_t tail = d.producer.tail.load(std::memory_order_acquire);
  if (tail == head) return 0;
  const auto ring = segment_->lane_ring(lane);
  const std::uint32_t max_record = segment_->header().identity.max_record_size;
  std::uint32_t n = 0;
  std::uint64_t lost = 0;
  bool corrupt = false;
  while (head != tail && n < limit) {
    const parsed_record p = parse_record(ring, head, tail, max_record);
    if (p.status == parse_status::padding) {
      head += p.advance;
      continue;
    }
    if (p.status == parse_status::corrupt) {
      // Nothing after an invalid record can be trusted to be framed: skip
      // everything committed. The next good record's seq jump counts the
      // skipped records as lost.
      corrupt = true;
      head = tail;
      break;
    }
    const record_header& h = p.header;
    record_view v;
    v.lane = lane;
    v.type = h.type;
    v.schema_version = h.schema_version;
    v.seq = h.seq;
    v.timestamp_ns = h.timestamp_ns;
    v.gap = h.gap;
    v.user_id = p.user_id;
    v.payload = p.payload;
    // seq - expected counts every missing seq; the producer's gap says how
    // many it dropped for a full ring; the rest died with a producer. A seq
    // below expectations is a record handed out again after a consumer
    // crash (or the first one after a corrupt skip): resynchronise.
    const std::uint64_t missing = h.seq >= expected_[lane] ? h.seq - expected_[lane] : 0;
    v.lost = missing > h.gap ? missing - h.gap : 0;
    lost += v.lost;
    expected_[lane] = h.seq + 1;
    on_record(v);
    head += p.advance;
    ++n;
  }
  d.consumer.expected_seq.store(expected_[lane], std::memory_order_relaxed);
  // SYNC POINT (release): the bytes before head are no longer read; pairs
  // with the producer's acquire load of head in lane_writer::has_room().
  d.consumer.head.store(head, std::memory_order_release);
  heads_[lane] = head;
  d.consumer.drained.store(d.consumer.drained.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  auto& block = segment_->header().consumer;
  if (lost > 0) {
    stats_.lost += lost;
    d.consumer.lost.store(d.consumer.lost.load(std::memory_order_relaxed) + lost, std::memory_order_relaxed);
    block.lost.store(stats_.lost, std::memory_order_relaxed);
  }
  if (corrupt) {
    ++stats_.corrupt;
    block.corrupt.store(stats_.corrupt, std::memory_order_relaxed);
  }
  return n;
}

void consumer::heartbeat_and_reclaim() {
  auto& block = segment_->header().consumer;
  block.heartbeat_ns.store(realtime_now_ns(), std::memory_order_relaxed);
  const std::int64_t now = monotonic_ns();
  if (now < next_reclaim_ns_) return;
  next_reclaim_ns_ = now + std::chrono::nanoseconds(options_.reclaim_interval).count();
  // kill(pid, 0) and the /proc state every scan; the start-time comparison
  // (pid reuse) every 32nd.
  const bool full_check = (scans_++ % 32) == 0;
  const std::uint32_t lanes =
      std::min(segment_->lane_count(), segment_->header().lanes.high_water.load(std::memory_order_relaxed));
  for (std::uint32_t i = 0; i < lanes; ++i) {
    auto& d = segment_->lane(i);
    // SYNC POINT (acquire): pairs with a claimer's acq_rel CAS.
    std::uint64_t seen = d.owner.owner.load(std::memory_order_acquire);
    const std::uint32_t pid = owner_pid(seen);
    if (pid == 0) continue;
    std::uint64_t start = d.owner.owner_start_time.load(std::memory_order_relaxed);
    if (detail::process_alive(pid, full_check ? start : 0)) continue;
    // Dead: its tail is final. Reclaim only once everything it committed
    // has been handed out.
    if (d.producer.tail.load(std::memory_order_acquire) != heads_[i]) continue;
    // None for the next owner (see try_claim()); a CAS, so a producer that
    // took the lane over meanwhile keeps its own.
    d.owner.owner_start_time.compare_exchange_strong(start, 0, std::memory_order_relaxed);
    // SYNC POINT (acq_rel CAS): frees the lane unless a producer took it
    // over meanwhile; the next claimer acquires it.
    if (d.owner.owner.compare_exchange_strong(seen, make_owner(0, owner_generation(seen)), std::memory_order_acq_rel,
                                              std::memory_order_relaxed)) {
      segment_->header().lanes.in_use.fetch_sub(1, std::memory_order_relaxed);
      ++stats_.reclaimed;
      block.reclaimed.store(stats_.reclaimed, std::memory_order_relaxed);
    }
  }
  // lanes.in_use counts claims minus releases, but a producer killed
  // between its owner CAS and its count (or its release and its uncount)
  // leaves it wrong for good. Recount the owner words and correct only a
  // difference seen alike on two scans in a row (a claim or release in
  // progress settles within microseconds), by CAS so that a concurrent
  // claim's count is not undone.
  auto& in_use = segment_->header().lanes.in_use;
  std::uint32_t counted = in_use.load(std::memory_order_relaxed);
  std::uint32_t owned = 0;
  for (std::uint32_t i = 0; i < segment_->lane_count(); ++i)
    if (owner_pid(segment_->lane(i).owner.owner.load(std::memory_order_relaxed)) != 0) ++owned;
  if (counted != owned && counted == in_use_seen_ && owned == owned_seen_)
    in_use.compare_exchange_strong(counted, owned, std::memory_order_relaxed);
  in_use_seen_ = counted;
  owned_seen_ = owned;
}

bool consumer::has_data() const noexcept {
  const std::uint32_t lanes =
      std::min(segment_->lane_count(), segment_->header().lanes.high_water.load(std::memory_order_relaxed));
  for (std::uint32_t i = 0; i < lanes; ++i)
    // Relaxed: a hint; poll() re-reads the tail with acquire before using it.
    if (segment_->lane(i).producer.tail.load(std::memory_order_relaxed) != heads_[i]) return true;
  return false;
}

void consumer::wait(std::chrono::nanoseconds max_sleep, const std::atomic<std::uint32_t>* work) noexcept {
  // Relaxed loads of `work`: it only says "look"; what was published is
  // read through its own acquire (the command inbox's).
  const auto ready = [&] { return has_data() || (work != nullptr && work->load(std::memory_order_relaxed) != 0); };
  // Look at the tails after every pause (one pause is ~35 ns on current
  // x86; checking less often added its multiple to every spinning
  // latency), and read the clock only every 64th round.
  const std::int64_t spin_until = monotonic_ns() + options_.spin.count();
  for (unsigned round = 1;; ++round) {
    if (ready()) return;
    detail::cpu_relax();
    if (round % 64 == 0 && monotonic_ns() >= spin_until) break;
  }

  auto& doorbell = segment_->header().doorbell.sleeping;
  // Relaxed store, then the heavy barrier: Dekker's pattern with the
  // producers' (tail store; barrier; doorbell load) in lane_writer, and
  // with wake_if_sleeping()'s (RMW on work; doorbell load).
  doorbell.store(1, std::memory_order_relaxed);
  heavy_barrier_ok_ = detail::heavy_barrier();
  if (!ready()) {
    // Without membarrier a producer that skipped its fence could miss the
    // doorbell; sleep briefly so such a miss costs at most 1 ms.
    const auto cap = heavy_barrier_ok_ ? std::chrono::nanoseconds(options_.sleep_timeout)
                                       : std::chrono::nanoseconds(std::chrono::milliseconds{1});
    detail::futex_wait(doorbell, 1, std::min({max_sleep, cap}));
  }
  doorbell.store(0, std::memory_order_relaxed);
}

void consumer::wake_if_sleeping() noexcept {
  auto& doorbell = segment_->header().doorbell.sleeping;
  // As a producer does (lane_writer::wake_consumer): only the thread that
  // flips 1 -> 0 enters the kernel, and the flip makes a futex_wait that
  // has not started yet return at once.
  // seq_cst load: ordered after the caller's RMW on `work` on every
  // architecture (a plain load after an exclusive-pair RMW is not, on ARMv8
  // without LSE); free on x86.
  if (doorbell.load(std::memory_order_seq_cst) != 0 && doorbell.exchange(0, std::memory_order_relaxed) != 0)
    detail::futex_wake_all(doorbell);
}

}  // namespace ringcast::shm
