// What the bench's clients read out of a frame: each event's marker and
// producer timestamp, from a single event or a batch, with Boost.JSON.
#pragma once

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string_view>

namespace ringcast::bench {

// The envelope's timestamp, "2026-11-22T02:55:02.616830Z", back to Unix ns;
// 0 when it is not one.
[[nodiscard]] std::int64_t parse_iso8601(std::string_view t);

// A client's JSON parser, over a buffer of its own: parsing a frame
// allocates nothing unless it is larger than the buffer (a long batch). The
// resource is made anew for each frame: release() keeps the doubled size of
// the last block it took (Boost 1.81), which grows without bound over a run
// of large frames. The value parse() returns must be gone by the next call.
class frame_parser {
 public:
  // Null when the text is not JSON.
  boost::json::value parse(std::string_view text) {
    resource_.emplace(buffer_, sizeof buffer_);
    parser_.reset(boost::json::storage_ptr(&*resource_));
    boost::system::error_code ec;
    parser_.write(text.data(), text.size(), ec);
    if (ec) return {};
    return parser_.release();
  }

 private:
  unsigned char buffer_[16384];
  std::optional<boost::json::monotonic_resource> resource_;
  boost::json::parser parser_;
};

// Calls on_event(marker, publish_ns) for each event of a message: an object
// with a numeric "seq" and a "payload", or each such element of a batch.
// Returns the stream:gap notices it held; other control messages are skipped.
template <class OnEvent>
std::uint64_t visit_message(const boost::json::value& v, OnEvent&& on_event) {
  if (const auto* batch = v.if_array()) {
    std::uint64_t gaps = 0;
    for (const auto& m : *batch) gaps += visit_message(m, on_event);
    return gaps;
  }
  const auto* o = v.if_object();
  if (o == nullptr) return 0;
  const auto* payload = o->if_contains("payload");
  const auto* type = o->if_contains("type");
  if (payload != nullptr && payload->is_object() && type != nullptr && type->is_string()) {
    // The marker: ORDER_UPDATE's orderId, PNL_UPDATE's dailyPnl.
    const char* field = *type == "ORDER_UPDATE" ? "orderId" : *type == "PNL_UPDATE" ? "dailyPnl" : nullptr;
    const auto* m = field != nullptr ? payload->get_object().if_contains(field) : nullptr;
    const auto* ts = o->if_contains("timestamp");
    if (m != nullptr && m->is_number() && ts != nullptr && ts->is_string())
      on_event(static_cast<std::uint64_t>(m->to_number<double>()), parse_iso8601(ts->get_string()));
    return 0;
  }
  return type != nullptr && *type == "stream:gap" ? 1 : 0;
}

}  // namespace ringcast::bench
