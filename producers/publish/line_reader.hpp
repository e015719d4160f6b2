// Lines from a file descriptor, as they arrive (a pipe is read as it is
// written, not at EOF), with no fixed limit below `max_line`: a longer line
// is dropped as it streams past, never held whole, and reported as such.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ringcast::publish {

class line_reader {
 public:
  enum class result : std::uint8_t {
    line,      // `line` holds the next line, without "\n" or "\r\n"
    too_long,  // the next line had more than max_line bytes: skipped
    end,       // end of input
    error,     // read() failed: error_number()
  };

  // `fd` stays open and owned by the caller.
  line_reader(int fd, std::size_t max_line);

  result next(std::string& line);

  [[nodiscard]] std::uint64_t line_number() const noexcept { return line_number_; }  // 1-based, of the last result
  [[nodiscard]] std::size_t skipped_size() const noexcept { return skipped_size_; }  // bytes of the last too_long line
  [[nodiscard]] int error_number() const noexcept { return error_number_; }

 private:
  bool fill();  // false at EOF or on error

  int fd_;
  std::size_t max_line_;
  std::vector<char> buffer_;
  std::size_t begin_ = 0;  // unread bytes are buffer_[begin_, end_)
  std::size_t end_ = 0;
  bool eof_ = false;
  std::uint64_t line_number_ = 0;
  std::size_t skipped_size_ = 0;
  int error_number_ = 0;
};

}  // namespace ringcast::publish
