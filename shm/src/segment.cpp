#include "ringcast/shm/segment.hpp"

#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <boost/interprocess/mapped_region.hpp>
#include <boost/interprocess/shared_memory_object.hpp>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <new>
#include <random>
#include <thread>

#include "process.hpp"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

namespace ringcast::shm {

namespace bip = boost::interprocess;

struct segment::mapping {
  bip::mapped_region region;
};

namespace {

std::int64_t realtime_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

std::uint64_t new_epoch() {
  std::random_device rd;
  std::uint64_t e = (std::uint64_t{rd()} << 32) ^ rd() ^ static_cast<std::uint64_t>(realtime_ns());
  return e == 0 ? 1 : e;
}

std::string shm_path(std::string_view name) { return fmt::format("/dev/shm/{}", name); }

void check_sizes(std::string_view name, std::uint32_t lanes, std::uint32_t capacity) {
  if (lanes == 0 || lanes > k_max_lanes)
    throw segment_error(fmt::format("segment '{}': lane count {} is out of range 1..{}", name, lanes, k_max_lanes));
  if (!std::has_single_bit(capacity) || capacity < k_min_lane_capacity || capacity > k_max_lane_capacity)
    throw segment_error(fmt::format("segment '{}': lane capacity {} must be a power of two in {}..{} bytes", name,
                                    capacity, k_min_lane_capacity, k_max_lane_capacity));
}

// Reads the header of an opened segment; throws with a message that names
// the segment and says what to do. `mapped` is the mapping's length.
void check_header(std::string_view name, const segment_identity& id, std::size_t mapped) {
  const auto path = shm_path(name);
  if (id.layout_version != k_layout_version)
    throw segment_error(fmt::format(
        "segment '{}' has layout v{}, this build expects v{}; stop the processes that use it and remove {}, "
        "or pass --segment to use another name",
        name, id.layout_version, k_layout_version, path));
  auto corrupt = [&](std::string_view what) {
    return segment_error(fmt::format("segment '{}' (layout v{}) has a corrupt header: {}; remove {}", name,
                                     k_layout_version, what, path));
  };
  if (id.header_size != k_header_size) throw corrupt(fmt::format("header size {} != {}", id.header_size, k_header_size));
  if (id.lane_descriptor_size != k_lane_descriptor_size)
    throw corrupt(fmt::format("lane descriptor size {} != {}", id.lane_descriptor_size, k_lane_descriptor_size));
  if (id.lane_count == 0 || id.lane_count > k_max_lanes) throw corrupt(fmt::format("lane count {}", id.lane_count));
  if (!std::has_single_bit(id.lane_capacity) || id.lane_capacity < k_min_lane_capacity ||
      id.lane_capacity > k_max_lane_capacity)
    throw corrupt(fmt::format("lane capacity {}", id.lane_capacity));
  if (id.max_record_size != max_record_size_for(id.lane_capacity))
    throw corrupt(fmt::format("max record size {}", id.max_record_size));
  if (id.data_offset != data_offset_for(id.lane_count)) throw corrupt(fmt::format("data offset {}", id.data_offset));
  if (id.total_size != total_size_for(id.lane_count, id.lane_capacity))
    throw corrupt(fmt::format("total size {}", id.total_size));
  if (mapped < id.total_size)
    throw corrupt(fmt::format("mapped {} bytes but the header says {}", mapped, id.total_size));
}

// Waits for the creator's release store of the magic. Returns the magic
// seen last (0 if the creator never finished).
std::uint64_t wait_for_magic(const segment_identity& id, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    // SYNC POINT (acquire): pairs with the creator's release store of magic
    // in initialise(); everything the creator wrote is visible after it.
    const std::uint64_t magic = id.magic.load(std::memory_order_acquire);
    if (magic != 0 || std::chrono::steady_clock::now() >= deadline) return magic;
    std::this_thread::sleep_for(std::chrono::milliseconds{1});
  }
}

void initialise(void* base, const segment_options& o) {
  // The mapping arrives zero-filled, which is the initial state of every
  // counter, position and owner word; only the identity needs values.
  auto* h = new (base) segment_header{};
  auto& id = h->identity;
  id.layout_version = k_layout_version;
  id.header_size = k_header_size;
  id.lane_count = o.lanes;
  id.lane_capacity = o.lane_capacity;
  id.lane_descriptor_size = k_lane_descriptor_size;
  id.max_record_size = max_record_size_for(o.lane_capacity);
  id.data_offset = data_offset_for(o.lanes);
  id.total_size = total_size_for(o.lanes, o.lane_capacity);
  id.epoch = new_epoch();
  id.created_ns = realtime_ns();
  id.creator_pid = detail::self_pid();
  id.mode = o.group_access ? 0660 : 0600;
  for (std::uint32_t i = 0; i < o.lanes; ++i)
    new (static_cast<std::byte*>(base) + k_header_size + std::size_t{i} * k_lane_descriptor_size) lane_descriptor{};
  // SYNC POINT (release): publishes the header and descriptors above; pairs
  // with the acquire load in wait_for_magic() of every opener.
  id.magic.store(k_magic, std::memory_order_release);
}

}  // namespace

std::string resolve_segment_name(std::string_view cli_value) {
  if (!cli_value.empty()) return std::string(cli_value);
  if (const char* env = std::getenv("RINGCAST_SEGMENT"); env != nullptr && *env != '\0') return env;
  return std::string(k_default_segment);
}

void validate_segment_name(std::string_view name) {
  const bool ok_length = !name.empty() && name.size() <= 200;
  const bool ok_chars = std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
  });
  if (!ok_length || !ok_chars || name == "." || name == "..")
    throw segment_error(fmt::format("segment name '{}' is invalid: use 1 to 200 of A-Z a-z 0-9 . _ -", name));
}

segment::segment(std::string name, std::unique_ptr<mapping> map, bool created, bool read_only)
    : name_(std::move(name)),
      map_(std::move(map)),
      base_(map_->region.get_address()),
      size_(map_->region.get_size()),
      created_(created),
      read_only_(read_only) {}

segment::~segment() = default;

lane_descriptor& segment::lane(std::uint32_t i) const noexcept {
  return *reinterpret_cast<lane_descriptor*>(static_cast<std::byte*>(base_) + k_header_size +
                                             std::size_t{i} * k_lane_descriptor_size);
}

std::span<std::byte> segment::lane_ring(std::uint32_t i) const noexcept {
  const auto& id = header().identity;
  return {static_cast<std::byte*>(base_) + id.data_offset + std::size_t{i} * id.lane_capacity, id.lane_capacity};
}

void segment::prefault(std::size_t offset, std::size_t length, bool for_write) const noexcept {
  const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  const std::size_t begin = offset & ~(page - 1);
  const std::size_t end = std::min(size_, offset + length);
  if (begin >= end) return;
  auto* addr = static_cast<std::byte*>(base_) + begin;
  if (::madvise(addr, end - begin, for_write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ) == 0) return;
  // Older kernels: read one byte of each page, which maps it for reading.
  for (std::size_t off = 0; off < end - begin; off += page) {
    [[maybe_unused]] const auto byte = std::atomic_ref<std::byte>(addr[off]).load(std::memory_order_relaxed);
  }
}

std::shared_ptr<segment> segment::open_or_create(const segment_options& o) {
  validate_segment_name(o.name);
  check_sizes(o.name, o.lanes, o.lane_capacity);
  const auto deadline = std::chrono::steady_clock::now() + o.open_timeout;
  const bip::permissions perm(o.group_access ? 0660 : 0600);
  for (;;) {
    try {
      bip::shared_memory_object shm(bip::create_only, o.name.c_str(), bip::read_write, perm);
      try {
        shm.truncate(static_cast<bip::offset_t>(total_size_for(o.lanes, o.lane_capacity)));
        auto map = std::make_unique<mapping>(mapping{bip::mapped_region(shm, bip::read_write)});
        std::shared_ptr<segment> seg(new segment(o.name, std::move(map), true, false));
        seg->prefault(0, seg->size_, true);
        initialise(seg->base_, o);
        return seg;
      } catch (const bip::interprocess_exception& e) {
        bip::shared_memory_object::remove(o.name.c_str());  // do not leave a half-made segment behind
        throw segment_error(fmt::format("segment '{}': cannot create {} of {} bytes: {}", o.name, shm_path(o.name),
                                        total_size_for(o.lanes, o.lane_capacity), e.what()));
      }
    } catch (const bip::interprocess_exception& e) {
      if (e.get_error_code() != bip::already_exists_error)
        throw segment_error(fmt::format("segment '{}': cannot create {}: {}", o.name, shm_path(o.name), e.what()));
    }
    // It exists: open it, wait for its creator to finish, check it.
    std::unique_ptr<mapping> map;
    try {
      bip::shared_memory_object shm(bip::open_only, o.name.c_str(), bip::read_write);
      bip::offset_t size = 0;
      if (!shm.get_size(size) || static_cast<std::size_t>(size) < k_header_size) {
        if (std::chrono::steady_clock::now() >= deadline)
          throw segment_error(fmt::format("segment '{}' exists but is {} bytes, too small for a ringcast header; "
                                          "remove {}",
                                          o.name, size, shm_path(o.name)));
        std::this_thread::sleep_for(std::chrono::milliseconds{1});
        continue;  // the creator has not sized it yet
      }
      map = std::make_unique<mapping>(mapping{bip::mapped_region(shm, bip::read_write)});
    } catch (const bip::interprocess_exception& e) {
      if (e.get_error_code() == bip::not_found_error) continue;  // removed meanwhile: try to create again
      throw segment_error(fmt::format("segment '{}': cannot open {}: {}", o.name, shm_path(o.name), e.what()));
    }
    std::shared_ptr<segment> seg(new segment(o.name, std::move(map), false, false));
    const auto& id = seg->header().identity;
    const std::uint64_t magic = wait_for_magic(id, deadline);
    if (magic == 0)
      throw segment_error(fmt::format("segment '{}' exists but was never initialised (its creator died while "
                                      "creating it?); remove {}",
                                      o.name, shm_path(o.name)));
    if (magic != k_magic)
      throw segment_error(fmt::format("segment '{}' is not a ringcast segment (bad magic {:#x}, expected layout "
                                      "v{}); remove {} or pass --segment",
                                      o.name, magic, k_layout_version, shm_path(o.name)));
    check_header(o.name, id, seg->size_);
    seg->prefault(0, id.data_offset, true);
    return seg;
  }
}

std::shared_ptr<segment> segment::open_read_only(std::string_view name, std::chrono::milliseconds timeout) {
  validate_segment_name(name);
  const std::string n(name);
  std::unique_ptr<mapping> map;
  try {
    bip::shared_memory_object shm(bip::open_only, n.c_str(), bip::read_only);
    bip::offset_t size = 0;
    if (!shm.get_size(size) || static_cast<std::size_t>(size) < k_header_size)
      throw segment_error(fmt::format("segment '{}' is {} bytes, too small for a ringcast header", name, size));
    map = std::make_unique<mapping>(mapping{bip::mapped_region(shm, bip::read_only)});
  } catch (const bip::interprocess_exception& e) {
    if (e.get_error_code() == bip::not_found_error)
      throw segment_error(fmt::format("segment '{}' does not exist ({} not found); start a producer or the bridge, "
                                      "or pass --segment",
                                      name, shm_path(name)));
    throw segment_error(fmt::format("segment '{}': cannot open {}: {}", name, shm_path(name), e.what()));
  }
  std::shared_ptr<segment> seg(new segment(n, std::move(map), false, true));
  const auto& id = seg->header().identity;
  const std::uint64_t magic = wait_for_magic(id, std::chrono::steady_clock::now() + timeout);
  if (magic != k_magic)
    throw segment_error(fmt::format("segment '{}' is not an initialised ringcast segment (magic {:#x})", name, magic));
  check_header(name, id, seg->size_);
  return seg;
}

bool segment::remove(std::string_view name) noexcept {
  try {
    validate_segment_name(name);
    return bip::shared_memory_object::remove(std::string(name).c_str());
  } catch (...) {
    return false;
  }
}

}  // namespace ringcast::shm
