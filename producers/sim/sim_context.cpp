#include "sim_context.hpp"

#include <boost/json/serialize.hpp>

namespace ringcast::sim {
namespace {

// FNV-1a: a stable hash of the simulator's name (std::hash may differ by build).
std::uint64_t fnv1a(std::string_view s) noexcept {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ULL;
  }
  return h;
}

}  // namespace

sim_ids::sim_ids(std::string_view name, std::uint32_t thread)
    : prefix_(fmt::format("{}-{}", name, thread)),
      base_(static_cast<std::int64_t>(((fnv1a(name) >> 41) << 40) | (std::uint64_t{thread & 0xFF} << 32))) {}

shm::id_t sim_ids::client_order_id(std::int64_t order_id) const {
  return format_fixed<shm::id_t>("{}-o{}", prefix_, order_id & 0xFFFF'FFFF);
}
shm::id_t sim_ids::chain_id() { return format_fixed<shm::id_t>("{}-c{}", prefix_, ++chains_); }
shm::id_t sim_ids::signal_id() { return format_fixed<shm::id_t>("{}-s{}", prefix_, ++signals_); }

void emit_log(sim_context& cx, std::string_view user, shm::log_level level, std::string_view source,
              std::string_view message, const boost::json::object& metadata) {
  const std::string meta = boost::json::serialize(metadata);
  const shm::system_log log{.level = level, .source = source};
  cx.out.emit(user, log, message, meta);
}

}  // namespace ringcast::sim
