// A real ringcast-bridge process for tests: started on a free loopback port
// over a test segment, with a known JWT secret; stopped with SIGTERM.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "ringcast/shm/publisher.hpp"
#include "test_segment.hpp"
#include "token.hpp"

namespace ringcast::test {

inline constexpr const char* k_test_secret = "ringcast-test-secret-0123456789abcdef";

// A token the test bridge accepts.
inline std::string token_for(const std::string& user, bool admin = false, std::int64_t ttl_s = 3600) {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  return bridge::mint_token({user, now.count() + ttl_s, admin}, k_test_secret);
}

class running_bridge {
 public:
  // Starts ringcast-bridge on 127.0.0.1:0 draining `segment`; waits for its
  // "listening on" line. Extra flags are appended.
  static running_bridge start(const std::string& segment, const std::vector<std::string>& extra = {}) {
    ::setenv("RINGCAST_JWT_SECRET", k_test_secret, 1);
    // No startup hold unless a test asks for one: events flow at once.
    std::vector<std::string> argv{RINGCAST_BRIDGE_BIN, "--listen", "127.0.0.1:0", "--segment", segment,
                                  "--io-threads", "2", "--startup-hold", "0"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    running_bridge b;
    b.child_ = child_process::spawn(argv);
    const auto line = b.child_.read_line(std::chrono::seconds(20));
    if (!line) throw std::runtime_error("ringcast-bridge did not say it was listening");
    std::smatch m;
    if (!std::regex_search(*line, m, std::regex(R"(listening on http://127\.0\.0\.1:(\d+))")))
      throw std::runtime_error("unexpected first line: " + *line);
    b.port_ = static_cast<unsigned short>(std::stoi(m[1]));
    return b;
  }

  [[nodiscard]] unsigned short port() const noexcept { return port_; }
  [[nodiscard]] pid_t pid() const noexcept { return child_.pid(); }

  // SIGTERM, then the exit status (nullopt if it did not exit in time).
  std::optional<int> stop(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    ::kill(child_.pid(), SIGTERM);
    return child_.wait(timeout);
  }

  // SIGTERM, expecting a clean exit 0 (a test's TearDown).
  void expect_clean_stop() {
    const auto st = stop();
    EXPECT_TRUE(st.has_value()) << "bridge did not exit on SIGTERM";
    if (st) {
      EXPECT_TRUE(exited_with(*st, 0)) << describe_status(*st);
    }
  }

  // Resident memory, from /proc (kB).
  [[nodiscard]] long rss_kb() const {
    std::ifstream in("/proc/" + std::to_string(child_.pid()) + "/status");
    std::string line;
    while (std::getline(in, line))
      if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
  }

 private:
  child_process child_;
  unsigned short port_ = 0;
};

}  // namespace ringcast::test
