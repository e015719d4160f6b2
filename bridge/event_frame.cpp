#include "event_frame.hpp"

#include <cstdio>

#include "event_key.hpp"
#include "ringcast/shm/json_encode.hpp"

namespace ringcast::bridge {

frame_ptr encode_event(const shm::record_view& r, std::uint64_t seq) {
  auto f = std::make_shared<event_frame>();
  f->timestamp_ns = r.timestamp_ns;
  f->seq = seq;
  f->type = r.type;
  f->user_id.assign(r.user_id);
  auto facts = classify_event(r);
  f->key = std::move(facts.key);
  if (facts.level) f->log_level = static_cast<std::int8_t>(*facts.level);

  std::string& t = f->text;
  // Envelope (~120 B) plus the payload; one reservation for the common case.
  t.reserve(160 + r.user_id.size() + 2 * r.payload.size());
  t += R"({"type":")";
  t += shm::wire_name(static_cast<shm::event_type>(r.type));
  t += R"(","seq":)";
  t += std::to_string(seq);
  t += R"(,"timestamp":")";
  shm::append_iso8601_utc(r.timestamp_ns, t);
  t += R"(","userId":)";
  shm::detail::append_string(r.user_id, t);  // escaped, invalid UTF-8 repaired
  t += R"(,"payload":)";
  if (!shm::encode_payload_json(static_cast<shm::event_type>(r.type), r.schema_version, r.payload, t)) return nullptr;
  t += '}';
  return f;
}

std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

frame_ptr control_frame(std::string text, std::uint64_t seq) {
  auto f = std::make_shared<event_frame>();
  f->text = std::move(text);
  f->seq = seq;
  return f;
}

}  // namespace ringcast::bridge
