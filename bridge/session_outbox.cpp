#include "session_outbox.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace ringcast::bridge {

namespace {

constexpr std::int64_t k_second_ns = 1'000'000'000;

// The backlog key of a queued gap notice: event keys start with their
// 2-byte type number (event_key.hpp), which is never 0.
const std::string k_gap_key("\0\0stream:gap", 12);

}  // namespace

session_outbox::session_outbox(session_window& window, const bridge_config& config, bridge_metrics& metrics) noexcept
    : window_(window),
      config_(config),
      metrics_(metrics),
      types_(all_event_types()),
      log_tokens_(static_cast<double>(config.log_rate)) {}

void session_outbox::offer(const frame_ptr& f, std::int64_t now_ns) {
  if (f->is_event()) {
    if (f->type >= shm::k_event_type_count || !types_.test(f->type)) return;  // not subscribed: not this client's
    if (f->log_level >= 0 && (f->log_level < log_level_ || !admit_log(*f, now_ns))) return;
  }
  enqueue(f);
}

bool session_outbox::admit_log(const event_frame& f, std::int64_t now_ns) {
  const double rate = config_.log_rate;
  if (log_refill_ns_ != 0)
    log_tokens_ = std::min(rate, log_tokens_ + static_cast<double>(now_ns - log_refill_ns_) * rate / k_second_ns);
  log_refill_ns_ = now_ns;
  if (log_tokens_ >= 1) {
    log_tokens_ -= 1;
    // The summary goes ahead of the next log that passes: the client
    // reads "N were skipped" where they were.
    if (suppressed_ != 0 && now_ns - suppressed_since_ns_ >= k_second_ns) emit_suppressed();
    return true;
  }
  if (suppressed_++ == 0) {
    suppressed_from_ = f.seq;
    suppressed_since_ns_ = now_ns;
  }
  suppressed_to_ = f.seq;
  ++logs_suppressed_;
  metrics_.log_suppressed();
  return false;
}

void session_outbox::tick(std::int64_t now_ns) {
  if (suppressed_ != 0 && now_ns - suppressed_since_ns_ >= k_second_ns) emit_suppressed();
  check_back_under();
}

void session_outbox::emit_suppressed() {
  boost::json::object o;
  o["type"] = "logs:suppressed";
  o["suppressed"] = suppressed_;
  o["fromSeq"] = suppressed_from_;
  o["toSeq"] = suppressed_to_;
  o["limitPerSecond"] = config_.log_rate;
  suppressed_ = 0;
  enqueue(control_frame(boost::json::serialize(o)));
}

void session_outbox::enqueue(const frame_ptr& f) {
  if (!f->key.empty() && behind() && conflate(f)) return;
  // Events and ring-gap notices count against the limits; the session's own
  // control replies do not (they are bounded by the op rate).
  if (f->seq != 0 && over_limits(f->text.size())) {
    drop(f, window_.window_messages() + backlog_.size() >= config_.queue_messages ? drop_reason::queue_messages
                                                                                  : drop_reason::queue_bytes);
    return;
  }
  if (gap_.count != 0) emit_gap();
  place(f);
  if (!backlog_.empty()) flush();
}

bool session_outbox::conflate(const frame_ptr& f) {
  const auto it = by_key_.find(f->key);
  if (it == by_key_.end()) return false;
  // The newer one goes to the back, not into the older one's place: the
  // client keeps seeing seqs in increasing order, and stream events queued
  // between the two stay ahead of it.
  // The map entry first: its key is a view into the node erased next.
  const auto node = it->second;
  by_key_.erase(it);
  backlog_bytes_ -= (*node)->text.size();
  backlog_.erase(node);
  ++conflated_;
  metrics_.conflated();
  if (gap_.count != 0) emit_gap();  // the notice goes where the drops were, ahead of this newer seq
  append(f);
  return true;
}

void session_outbox::place(const frame_ptr& f) {
  if (backlog_.empty() && window_.window_messages() < k_window_messages)
    push_window(f);
  else
    append(f);
}

void session_outbox::append(const frame_ptr& f) {
  backlog_.push_back(f);
  backlog_bytes_ += f->text.size();
  // The newest of a key: older ones queued before the session fell behind
  // stay where they are; the newest is the one a newer event replaces.
  // (insert_or_assign would keep the old entry's key: a view into a frame
  // that may be freed while the entry lives on.)
  if (!f->key.empty()) {
    const std::string_view key(backlog_.back()->key);
    by_key_.erase(key);
    by_key_.emplace(key, std::prev(backlog_.end()));
  }
  if (f->seq != 0) last_seq_out_ = f->seq;
}

void session_outbox::push_window(const frame_ptr& f) {
  if (!window_.push(f)) {
    drop(f, drop_reason::queue_messages);
    return;
  }
  if (f->seq != 0) last_seq_out_ = f->seq;
}

std::size_t session_outbox::flush() {
  std::size_t pushed = 0;
  while (!backlog_.empty() && window_.window_messages() < k_window_messages) {
    if (const auto& key = backlog_.front()->key; !key.empty())
      if (auto it = by_key_.find(key); it != by_key_.end() && it->second == backlog_.begin()) by_key_.erase(it);
    frame_ptr f = std::move(backlog_.front());
    backlog_.pop_front();
    backlog_bytes_ -= f->text.size();
    if (!window_.push(f)) {
      drop(f, drop_reason::queue_messages);
      break;
    }
    ++pushed;
  }
  // A gap nothing followed: say so as soon as it can go out.
  if (backlog_.empty() && gap_.count != 0 && window_.window_messages() < k_window_messages) {
    emit_gap();
    ++pushed;
  }
  check_back_under();
  return pushed;
}

void session_outbox::flush_all() {
  if (gap_.count != 0) emit_gap();  // behind what is queued, where the drops were
  for (auto& f : backlog_)
    if (!window_.push(f)) drop(f, drop_reason::queue_messages);
  backlog_.clear();
  by_key_.clear();
  backlog_bytes_ = 0;
}

void session_outbox::drop(const frame_ptr& f, drop_reason why) {
  ++dropped_;
  metrics_.dropped(why);
  // The gap covers everything after the last seq the client will get, up
  // to this one: a dropped ring-gap notice's range is inside it too.
  // (min: a replay asked for by the resume op goes back below last_seq_out_.)
  if (gap_.count++ == 0) gap_.from = std::min(last_seq_out_ + 1, f->seq);
  gap_.to = std::max(gap_.to, f->seq);
  if (!over_) {
    over_ = true;
    window_.over_limit(true);
  }
}

void session_outbox::emit_gap() {
  // At most one notice waits in the backlog: while one does, later drops
  // extend it in its place (its range may then reach past events queued
  // after it, which "may be missing" allows), so that drops interleaved
  // with conflations cannot grow the queue past its limits.
  const auto queued = by_key_.find(k_gap_key);
  if (queued != by_key_.end()) {
    gap_.from = queued_gap_.from;
    gap_.count += queued_gap_.count;
  } else {
    ++gap_notices_;
    metrics_.gap_notice();
  }
  boost::json::object o;
  o["type"] = "stream:gap";
  o["fromSeq"] = gap_.from;
  o["toSeq"] = gap_.to;
  o["dropped"] = gap_.count;
  o["reason"] = "slow_consumer";
  queued_gap_ = gap_;
  gap_ = {};
  auto f = std::make_shared<event_frame>();
  f->text = boost::json::serialize(o);
  f->key = k_gap_key;  // found again while it waits in the backlog (flush forgets it)
  if (queued == by_key_.end()) {
    place(f);
    return;
  }
  const auto node = queued->second;
  by_key_.erase(queued);
  backlog_bytes_ = backlog_bytes_ - (*node)->text.size() + f->text.size();
  *node = std::move(f);
  by_key_.emplace(std::string_view((*node)->key), node);
}

bool session_outbox::behind() const noexcept {
  return (window_.window_messages() + backlog_.size()) * 2 > config_.queue_messages ||
         (window_.window_bytes() + backlog_bytes_) * 2 > config_.queue_bytes;
}

bool session_outbox::over_limits(std::uint64_t adding_bytes) const noexcept {
  return window_.window_messages() + backlog_.size() >= config_.queue_messages ||
         window_.window_bytes() + backlog_bytes_ + adding_bytes > config_.queue_bytes;
}

void session_outbox::check_back_under() noexcept {
  // Hysteresis: back under half the limits before the slow-consumer clock stops.
  if (over_ && gap_.count == 0 && !behind()) {
    over_ = false;
    window_.over_limit(false);
  }
}

outbox_stats session_outbox::stats() const noexcept {
  return {backlog_.size(), backlog_bytes_, dropped_, conflated_, gap_notices_, logs_suppressed_};
}

}  // namespace ringcast::bridge
