// Connection limits, decided at the handshake so that a refusal is a plain
// HTTP answer (503 for the bridge's total, 429 for a user's) rather than an
// upgrade followed by a close.
//
// A mutex here is deliberate: this is the control plane, taken once when a
// client connects and once when it leaves, never on the event path.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

namespace ringcast::bridge {

class admission;

// One admitted connection; gives its place back when destroyed.
class admission_ticket {
 public:
  admission_ticket() = default;
  admission_ticket(admission* a, std::string user) : owner_(a), user_(std::move(user)) {}
  admission_ticket(admission_ticket&& o) noexcept : owner_(std::exchange(o.owner_, nullptr)), user_(std::move(o.user_)) {}
  admission_ticket& operator=(admission_ticket&& o) noexcept;
  admission_ticket(const admission_ticket&) = delete;
  admission_ticket& operator=(const admission_ticket&) = delete;
  ~admission_ticket() { release(); }
  [[nodiscard]] bool valid() const noexcept { return owner_ != nullptr; }
  void release() noexcept;

 private:
  admission* owner_ = nullptr;
  std::string user_;
};

enum class admit_verdict : std::uint8_t { admitted, bridge_full, user_full };

class admission {
 public:
  admission(std::uint32_t max_total, std::uint32_t max_per_user) : max_total_(max_total), max_per_user_(max_per_user) {}
  [[nodiscard]] admit_verdict try_admit(const std::string& user, admission_ticket& out);
  [[nodiscard]] std::uint32_t total() const;

 private:
  friend class admission_ticket;
  void release(const std::string& user) noexcept;

  const std::uint32_t max_total_;
  const std::uint32_t max_per_user_;
  mutable std::mutex mutex_;
  std::uint32_t total_ = 0;
  std::unordered_map<std::string, std::uint32_t> per_user_;
};

}  // namespace ringcast::bridge
