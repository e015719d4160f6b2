#include "admission.hpp"

namespace ringcast::bridge {

admission_ticket& admission_ticket::operator=(admission_ticket&& o) noexcept {
  if (this != &o) {
    release();
    owner_ = std::exchange(o.owner_, nullptr);
    user_ = std::move(o.user_);
  }
  return *this;
}

void admission_ticket::release() noexcept {
  if (owner_ != nullptr) std::exchange(owner_, nullptr)->release(user_);
}

admit_verdict admission::try_admit(const std::string& user, admission_ticket& out) {
  {
    std::lock_guard lock(mutex_);
    if (total_ >= max_total_) return admit_verdict::bridge_full;
    auto& n = per_user_[user];
    if (n >= max_per_user_) return admit_verdict::user_full;  // n > 0 here: the entry was already there
    ++n;
    ++total_;
  }
  // Outside the lock: replacing a ticket `out` held would release it, which locks.
  out = admission_ticket(this, user);
  return admit_verdict::admitted;
}

std::uint32_t admission::total() const {
  std::lock_guard lock(mutex_);
  return total_;
}

void admission::release(const std::string& user) noexcept {
  std::lock_guard lock(mutex_);
  --total_;
  if (auto it = per_user_.find(user); it != per_user_.end() && --it->second == 0) per_user_.erase(it);
}

}  // namespace ringcast::bridge
