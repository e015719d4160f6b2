// A named shared-memory segment (POSIX shm through Boost.Interprocess):
// created or opened by whichever side comes first, checked before use.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "ringcast/shm/layout.hpp"

namespace ringcast::shm {

inline constexpr std::string_view k_default_segment = "ringcast";

// Thrown by set-up calls (open, claim a lane, attach); the message says what
// happened and what to do. Never thrown on the publish or poll path.
class segment_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct segment_options {
  std::string name{k_default_segment};
  std::uint32_t lanes = k_default_lanes;
  std::uint32_t lane_capacity = k_default_lane_capacity;  // bytes, power of two
  bool group_access = false;  // 0660 instead of 0600; never world-accessible
  // How long an opener waits for a creator that is still initialising.
  std::chrono::milliseconds open_timeout{2000};
};

// The segment name to use: the --segment value if given, else
// RINGCAST_SEGMENT, else "ringcast".
[[nodiscard]] std::string resolve_segment_name(std::string_view cli_value = {});

// Throws segment_error unless name is 1..200 of [A-Za-z0-9._-].
void validate_segment_name(std::string_view name);

class segment {
 public:
  // Creates the segment, or opens it if it exists (with the sizes it was
  // created with; `options` sizes apply only to a creation).
  [[nodiscard]] static std::shared_ptr<segment> open_or_create(const segment_options& options);
  // Opens an existing segment read-only, for monitors. Never writes.
  [[nodiscard]] static std::shared_ptr<segment> open_read_only(std::string_view name,
                                                               std::chrono::milliseconds timeout = std::chrono::milliseconds{500});
  // Removes the name; processes that have it mapped keep their mapping.
  static bool remove(std::string_view name) noexcept;

  ~segment();
  segment(const segment&) = delete;
  segment& operator=(const segment&) = delete;
  segment(segment&&) = delete;  // shared through std::shared_ptr
  segment& operator=(segment&&) = delete;

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] bool created() const noexcept { return created_; }  // this call created it
  [[nodiscard]] bool read_only() const noexcept { return read_only_; }

  [[nodiscard]] segment_header& header() const noexcept { return *static_cast<segment_header*>(base_); }
  [[nodiscard]] std::uint32_t lane_count() const noexcept { return header().identity.lane_count; }
  [[nodiscard]] std::uint32_t lane_capacity() const noexcept { return header().identity.lane_capacity; }
  [[nodiscard]] std::uint64_t epoch() const noexcept { return header().identity.epoch; }
  [[nodiscard]] lane_descriptor& lane(std::uint32_t i) const noexcept;
  [[nodiscard]] std::span<std::byte> lane_ring(std::uint32_t i) const noexcept;
  [[nodiscard]] std::span<std::byte> bytes() const noexcept { return {static_cast<std::byte*>(base_), size_}; }

  // Makes the pages of [offset, offset + length) resident and mapped for
  // writing (or reading), so the first publishes do not page-fault.
  void prefault(std::size_t offset, std::size_t length, bool for_write) const noexcept;

 private:
  struct mapping;
  segment(std::string name, std::unique_ptr<mapping> map, bool created, bool read_only);

  std::string name_;
  std::unique_ptr<mapping> map_;
  void* base_ = nullptr;
  std::size_t size_ = 0;
  bool created_ = false;
  bool read_only_ = false;
};

}  // namespace ringcast::shm
