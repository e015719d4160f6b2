#include "line_reader.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ringcast::publish {

namespace {
// 64 KiB per read(): one system call for a few hundred typical lines, and
// the size of a Linux pipe's buffer.
constexpr std::size_t k_read_size = std::size_t{1} << 16;
}  // namespace

line_reader::line_reader(int fd, std::size_t max_line) : fd_(fd), max_line_(max_line), buffer_(k_read_size) {}

bool line_reader::fill() {
  if (eof_) return false;
  for (;;) {
    const ssize_t n = ::read(fd_, buffer_.data(), buffer_.size());
    if (n > 0) {
      begin_ = 0;
      end_ = static_cast<std::size_t>(n);
      return true;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) error_number_ = errno;
    eof_ = true;
    return false;
  }
}

line_reader::result line_reader::next(std::string& line) {
  line.clear();
  std::size_t length = 0;  // of the line so far, kept or not
  bool kept = true;        // false once the line is over max_line_
  for (;;) {
    if (begin_ == end_ && !fill()) {
      if (error_number_ != 0) return result::error;
      if (length == 0) return result::end;
      break;  // a last line without "\n"
    }
    const char* first = buffer_.data() + begin_;
    const auto* newline = static_cast<const char*>(std::memchr(first, '\n', end_ - begin_));
    const std::size_t chunk = newline != nullptr ? static_cast<std::size_t>(newline - first) : end_ - begin_;
    length += chunk;
    if (kept && length > max_line_) {
      kept = false;
      line.clear();  // capacity stays: at most max_line_, reused for the next line
    }
    if (kept) line.append(first, chunk);
    begin_ += chunk;
    if (newline != nullptr) {
      ++begin_;  // the "\n"
      break;
    }
  }
  ++line_number_;
  if (!kept) {
    skipped_size_ = length;
    return result::too_long;
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();  // a file written on Windows
  return result::line;
}

}  // namespace ringcast::publish
