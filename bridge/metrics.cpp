#include "metrics.hpp"

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <limits>
#include <vector>

namespace ringcast::bridge {

const char* to_string(drop_reason r) noexcept {
  switch (r) {
    case drop_reason::queue_bytes: return "queue_bytes";
    case drop_reason::queue_messages: return "queue_messages";
    case drop_reason::closing: return "closing";
    case drop_reason::count: break;
  }
  return "unknown";
}

const char* to_string(close_reason r) noexcept {
  switch (r) {
    case close_reason::normal: return "normal";
    case close_reason::going_away: return "going_away";
    case close_reason::bad_utf8: return "bad_utf8";
    case close_reason::policy: return "policy";
    case close_reason::too_big: return "too_big";
    case close_reason::slow_consumer: return "slow_consumer";
    case close_reason::idle: return "idle";
    case close_reason::error: return "error";
    case close_reason::count: break;
  }
  return "unknown";
}

int close_code(close_reason r) noexcept {
  switch (r) {
    case close_reason::normal: return 1000;
    case close_reason::going_away: return 1001;
    case close_reason::bad_utf8: return 1007;
    case close_reason::policy: return 1008;
    case close_reason::too_big: return 1009;
    case close_reason::slow_consumer: return 1013;
    default: return 0;
  }
}

void bridge_metrics::handshake_refused(int status) noexcept {
  const std::size_t i = status == 401 ? 0 : status == 403 ? 1 : status == 400 ? 3 : 2;
  refused_[i].fetch_add(1, std::memory_order_relaxed);
}

void bridge_metrics::delivered(std::size_t bytes, std::int64_t latency_ns) noexcept {
  frames_.fetch_add(1, std::memory_order_relaxed);
  frame_bytes_.fetch_add(bytes, std::memory_order_relaxed);
  if (latency_ns >= 0) latency_.record_ns(latency_ns);
}

std::uint64_t bridge_metrics::drops_total() const noexcept {
  std::uint64_t n = 0;
  for (const auto& d : drops_) n += d.load(std::memory_order_relaxed);
  return n;
}

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

ClientMetric counter(double v, std::vector<ClientMetric::Label> labels = {}) {
  ClientMetric m;
  m.label = std::move(labels);
  m.counter.value = v;
  return m;
}

MetricFamily family(std::string name, std::string help, MetricType type, std::vector<ClientMetric> metrics) {
  return MetricFamily{std::move(name), std::move(help), type, std::move(metrics)};
}

double as_double(const std::atomic<std::uint64_t>& a) { return static_cast<double>(a.load(std::memory_order_relaxed)); }

}  // namespace

std::string bridge_metrics::render_prometheus() const {
  std::vector<MetricFamily> f;
  f.push_back(family("ringcast_events_drained_total", "Events drained from the shared-memory ring.", MetricType::Counter,
                     {counter(as_double(events_drained_))}));
  f.push_back(family("ringcast_ring_events_lost_total",
                     "Events the producers' ring dropped (lane full) or lost (producer died mid-publish).",
                     MetricType::Counter, {counter(as_double(ring_lost_))}));
  f.push_back(family("ringcast_events_undecodable_total",
                     "Events whose type or schema version this bridge cannot encode; not sent.", MetricType::Counter,
                     {counter(as_double(undecodable_))}));
  f.push_back(family("ringcast_frames_delivered_total",
                     "Events and control messages fully written to a client socket (each event of a batch counts).",
                     MetricType::Counter, {counter(as_double(frames_))}));
  f.push_back(family("ringcast_frame_bytes_delivered_total", "Bytes of those messages.", MetricType::Counter,
                     {counter(as_double(frame_bytes_))}));

  std::vector<ClientMetric> drops;
  for (std::size_t i = 0; i < drops_.size(); ++i)
    drops.push_back(counter(as_double(drops_[i]), {{"reason", to_string(static_cast<drop_reason>(i))}}));
  f.push_back(family("ringcast_session_drops_total", "Events not queued for a session, by reason.", MetricType::Counter,
                     std::move(drops)));

  std::vector<ClientMetric> closes;
  for (std::size_t i = 0; i < closes_.size(); ++i) {
    const auto r = static_cast<close_reason>(i);
    const int code = close_code(r);
    closes.push_back(counter(as_double(closes_[i]),
                             {{"code", code != 0 ? std::to_string(code) : std::string("none")}, {"reason", to_string(r)}}));
  }
  f.push_back(family("ringcast_session_closes_total", "WebSocket sessions ended, by close code and reason.",
                     MetricType::Counter, std::move(closes)));

  f.push_back(family("ringcast_handshakes_refused_total", "Connections refused before the WebSocket upgrade, by HTTP status.",
                     MetricType::Counter,
                     {counter(as_double(refused_[0]), {{"status", "401"}}), counter(as_double(refused_[1]), {{"status", "403"}}),
                      counter(as_double(refused_[2]), {{"status", "429_503"}}),
                      counter(as_double(refused_[3]), {{"status", "400"}})}));
  f.push_back(family("ringcast_events_conflated_total",
                     "Queued state events replaced by a newer one of the same key for a slow client.",
                     MetricType::Counter, {counter(as_double(conflated_))}));
  f.push_back(family("ringcast_gap_notices_total", "stream:gap notices queued for slow clients.", MetricType::Counter,
                     {counter(as_double(gap_notices_))}));
  f.push_back(family("ringcast_socket_corks_total",
                     "Runs of frames written with TCP_CORK: a session had frames waiting behind its write.",
                     MetricType::Counter, {counter(as_double(corks_))}));
  f.push_back(family("ringcast_logs_suppressed_total", "system_log events over a client's rate limit, summarised.",
                     MetricType::Counter, {counter(as_double(logs_suppressed_))}));
  f.push_back(family("ringcast_resumes_total", "Resume requests, by answer.", MetricType::Counter,
                     {counter(as_double(resumes_[0]), {{"result", "replayed"}}),
                      counter(as_double(resumes_[1]), {{"result", "gap"}})}));

  ClientMetric sessions;
  sessions.gauge.value = static_cast<double>(sessions_.load(std::memory_order_relaxed));
  f.push_back(family("ringcast_sessions", "Open WebSocket sessions.", MetricType::Gauge, {sessions}));

  // Powers of two, 16 µs to 4.2 s: bounds of the histogram's own buckets,
  // so that each cumulative count is exact.
  ClientMetric h;
  const auto lat = latency_.read();
  for (std::uint64_t us = 16; us <= (1u << 22); us *= 2)
    h.histogram.bucket.push_back({lat.below(us), static_cast<double>(us) / 1e6});
  h.histogram.bucket.push_back({lat.total, std::numeric_limits<double>::infinity()});
  // The count is the +Inf bucket, read in the same copy: the exposition is
  // self-consistent even while writers race the scrape.
  h.histogram.sample_count = lat.total;
  h.histogram.sample_sum = static_cast<double>(lat.sum_ns) / 1e9;
  f.push_back(family("ringcast_delivery_latency_seconds",
                     "Producer timestamp to WebSocket write completion, per delivered event frame.",
                     MetricType::Histogram, {h}));

  return prometheus::TextSerializer().Serialize(f);
}

}  // namespace ringcast::bridge
