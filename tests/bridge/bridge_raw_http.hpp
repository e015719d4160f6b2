// Raw HTTP/1.1 over a plain socket, with a deadline on every step, for the
// bridge tests that need what a URL or HTTP library would hide: the request
// target byte for byte (traversal), any method (HEAD, POST), and every byte
// the server sent (a HEAD answer must carry no body). Each request is sent
// with "Connection: close" and read until the server's EOF.
//
// Also: a Prometheus text lookup, and the producer timestamp of an event
// frame, parsed from its ISO-8601 envelope field.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace ringcast::test {

struct raw_response {
  int status = 0;                             // 0: no parsable status line
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;                           // every byte after the header block
  std::string raw;
  bool complete = false;  // the server closed its side before the deadline

  [[nodiscard]] std::string header(const std::string& lower_name) const {
    const auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// Sends `bytes` as they are on a fresh connection, then reads until the
// server's EOF or `timeout`: every byte the server sent.
inline std::pair<std::string, bool> raw_exchange(unsigned short port, const std::string& bytes,
                                                 std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // Loopback connects complete at once or fail at once: no deadline needed.
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("connect() to the bridge failed");
  }
  std::size_t sent = 0;
  while (sent < bytes.size()) {  // a few hundred bytes: one send in practice
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  std::string raw;
  bool complete = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char chunk[16384];
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) {
      complete = true;
      break;
    }
    raw.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return {std::move(raw), complete};
}

// Sends `method target` with `headers` (and "Host", "Connection: close"),
// then reads until EOF or `timeout`.
inline raw_response raw_http(unsigned short port, const std::string& method, const std::string& target,
                             const std::vector<std::pair<std::string, std::string>>& headers = {},
                             std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  req += "Connection: close\r\n\r\n";
  raw_response out;
  std::tie(out.raw, out.complete) = raw_exchange(port, req, timeout);

  const auto end = out.raw.find("\r\n\r\n");
  if (end == std::string::npos) return out;
  out.body = out.raw.substr(end + 4);
  std::string_view head(out.raw.data(), end);
  const auto eol = head.find("\r\n");
  const std::string_view status_line = head.substr(0, eol);
  if (status_line.starts_with("HTTP/1.1 ") && status_line.size() >= 12)
    out.status = std::stoi(std::string(status_line.substr(9, 3)));
  head.remove_prefix(eol == std::string_view::npos ? head.size() : eol + 2);
  while (!head.empty()) {
    const auto e = head.find("\r\n");
    const std::string_view line = head.substr(0, e);
    head.remove_prefix(e == std::string_view::npos ? head.size() : e + 2);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name(line.substr(0, colon));
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    out.headers[name] = std::string(value);
  }
  return out;
}

// The value of the sample `name` whose labels include every one of
// `labels` (name="value"), from a Prometheus text exposition; nullopt when
// there is no such sample.
inline std::optional<double> prom_value(const std::string& text, const std::string& name,
                                        const std::vector<std::pair<std::string, std::string>>& labels = {}) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    const std::string_view line(text.data() + pos, eol - pos);
    pos = eol + 1;
    if (line.empty() || line.front() == '#') continue;
    if (!line.starts_with(name)) continue;
    const std::string_view rest = line.substr(name.size());
    if (rest.empty() || (rest.front() != '{' && rest.front() != ' ')) continue;  // a longer name
    std::string_view label_text;
    std::string_view value_text;
    if (rest.front() == '{') {
      const auto close = rest.find('}');
      if (close == std::string_view::npos) continue;
      label_text = rest.substr(1, close - 1);
      value_text = rest.substr(close + 1);
    } else {
      value_text = rest;
    }
    bool match = true;
    for (const auto& [k, v] : labels)
      if (label_text.find(k + "=\"" + v + "\"") == std::string_view::npos) match = false;
    if (!match) continue;
    while (!value_text.empty() && value_text.front() == ' ') value_text.remove_prefix(1);
    const auto space = value_text.find(' ');  // an optional timestamp follows
    const std::string v(value_text.substr(0, space));
    if (v == "+Inf") return 1e300;
    return std::stod(v);
  }
  return std::nullopt;
}

// "2026-11-22T02:40:41.123456Z" -> Unix ns; nullopt if malformed.
inline std::optional<std::int64_t> parse_iso8601_ns(std::string_view s) {
  if (s.size() != 27 || s[4] != '-' || s[10] != 'T' || s[19] != '.' || s[26] != 'Z') return std::nullopt;
  auto num = [&](std::size_t at, std::size_t len) {
    int v = 0;
    for (std::size_t i = at; i < at + len; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(5, 2) - 1;
  tm.tm_mday = num(8, 2);
  tm.tm_hour = num(11, 2);
  tm.tm_min = num(14, 2);
  tm.tm_sec = num(17, 2);
  const std::time_t secs = ::timegm(&tm);
  return std::int64_t{secs} * 1'000'000'000 + std::int64_t{num(20, 6)} * 1000;
}

// The string value of `"key":"..."` in a frame's text (no escapes in the
// value), without parsing the whole frame; nullopt if absent.
inline std::optional<std::string_view> frame_string_field(std::string_view frame, std::string_view key) {
  const std::string needle = "\"" + std::string(key) + "\":\"";
  const auto at = frame.find(needle);
  if (at == std::string_view::npos) return std::nullopt;
  const auto start = at + needle.size();
  const auto end = frame.find('"', start);
  if (end == std::string_view::npos) return std::nullopt;
  return frame.substr(start, end - start);
}

}  // namespace ringcast::test
