// A lock-free multi-producer, single-consumer inbox for the router's
// commands: any thread push()es, the drain thread takes everything at once
// with take_all(), in push order.
//
// A Treiber stack taken whole: push is a CAS on the head, take_all one
// exchange, then the list is reversed. Commands are rare (a session opens
// or closes, a snapshot or /health is asked for), so a node allocation per
// command is fine; the inbox holds at most what the admitted connections
// and their requests in flight can ask.
#pragma once

#include <atomic>
#include <memory>
#include <utility>

namespace ringcast::bridge {

template <class T>
class command_inbox {
 public:
  command_inbox() = default;
  command_inbox(const command_inbox&) = delete;
  command_inbox& operator=(const command_inbox&) = delete;
  ~command_inbox() {
    take_all([](T&) {});
  }

  // Any thread.
  void push(T value) {
    auto* n = new node{std::move(value), head_.load(std::memory_order_relaxed)};
    // Release: the node's contents are visible to the take_all() that
    // acquires it. Relaxed on failure: `n->next` is just reloaded.
    while (!head_.compare_exchange_weak(n->next, n, std::memory_order_release, std::memory_order_relaxed)) {
    }
  }

  // Consumer only: calls f(T&) for every command pushed so far, oldest
  // first. Returns how many.
  template <class F>
  std::size_t take_all(F&& f) {
    // Acquire pairs with every push's release: the exchange reads the
    // latest head, and the pushes' CASes form one release sequence.
    node* n = head_.exchange(nullptr, std::memory_order_acquire);
    node* oldest_first = nullptr;
    while (n != nullptr) n = std::exchange(n->next, std::exchange(oldest_first, n));
    std::size_t count = 0;
    while (oldest_first != nullptr) {
      std::unique_ptr<node> owned(std::exchange(oldest_first, oldest_first->next));
      ++count;
      f(owned->value);
    }
    return count;
  }

  // A hint (relaxed): whether a push may be waiting.
  [[nodiscard]] bool maybe_pending() const noexcept { return head_.load(std::memory_order_relaxed) != nullptr; }

 private:
  struct node {
    T value;
    node* next;
  };
  std::atomic<node*> head_{nullptr};
};

}  // namespace ringcast::bridge
