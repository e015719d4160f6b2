#include "event_key.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "ringcast/shm/layout.hpp"
#include "ringcast/shm/schema.hpp"
#include "ringcast/shm/state_key.hpp"

namespace ringcast::bridge {

namespace {

// Appends the parts of a key in the format of event_key.hpp.
class key_builder {
 public:
  // user_id.size() <= k_max_user_id (classify_event checks it).
  key_builder(std::uint16_t type, std::string_view user_id) {
    static_assert(shm::k_max_user_id <= 255);
    key_.push_back(static_cast<char>(type >> 8));
    key_.push_back(static_cast<char>(type & 0xFF));
    text(user_id);
  }
  template <std::size_t N>
  void add(const shm::fixed_string<N>& s) {
    static_assert(N <= 255, "a field longer than one length byte can say");
    text(s.view());
  }
  void add(shm::position_side side) { key_.push_back(static_cast<char>(side)); }
  [[nodiscard]] std::string take() { return std::move(key_); }

 private:
  void text(std::string_view s) {
    key_.push_back(static_cast<char>(s.size()));
    key_.append(s);
  }
  std::string key_;
};

// The struct at the front of the payload, copied out (the bytes are another
// process's and may be unaligned); nullopt when version or size say the bytes
// are not a T. Tails are not looked at: no key or level depends on them.
template <class T>
std::optional<T> read_struct(const shm::record_view& r) noexcept {
  if (r.schema_version != shm::event_traits<T>::version || r.payload.size() < sizeof(T)) return std::nullopt;
  T v;
  std::memcpy(&v, r.payload.data(), sizeof v);
  return v;
}

}  // namespace

event_facts classify_event(const shm::record_view& r) {
  event_facts facts;
  if (!shm::is_known_event_type(r.type)) return facts;
  static_cast<void>(shm::visit_event_type(static_cast<shm::event_type>(r.type), [&]<class T>(std::type_identity<T>) {
    if constexpr (shm::state_event<T>) {
      // A longer id never leaves parse_record(), but a record_view can be
      // built by hand (a test, the fuzzer): unkeyed rather than cut.
      if (r.user_id.size() > shm::k_max_user_id) return;
      if (const auto v = read_struct<T>(r)) {
        key_builder k(r.type, r.user_id);
        std::apply([&](auto... member) { (k.add((*v).*member), ...); }, shm::state_key<T>::fields);
        facts.key = k.take();
      }
    } else if constexpr (std::is_same_v<T, shm::system_log>) {
      // A byte no enumerator names would index past a table of levels.
      if (const auto v = read_struct<T>(r); v && v->level <= shm::log_level::error) facts.level = v->level;
    }
  }));
  return facts;
}

}  // namespace ringcast::bridge
