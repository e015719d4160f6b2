// parse_json_exact(): Boost.JSON's own parser (basic_parser) and value
// builder (value_stack), with the handler of boost::json::parser
// (boost/json/detail/impl/handler.ipp) copied but for on_double(), which
// converts the number's token with std::from_chars (correctly rounded, in
// libstdc++ 12) instead of taking Boost 1.81's approximation. Boost 1.83
// added the same as parse_options::numbers = number_precision::precise.
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>
#include <charconv>
#include <string>
#include <utility>

#include "ringcast/shm/json_decode.hpp"

namespace ringcast::shm {

namespace {

namespace json = boost::json;

class exact_number_handler {
 public:
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  // Callbacks that build nothing are static; basic_parser calls them all through h_.on_...().
  exact_number_handler() = default;

  json::value_stack& stack() noexcept { return stack_; }

  static bool on_document_begin(json::error_code&) { return true; }
  static bool on_document_end(json::error_code&) { return true; }
  static bool on_object_begin(json::error_code&) { return true; }
  bool on_object_end(std::size_t n, json::error_code&) {
    stack_.push_object(n);
    return true;
  }
  static bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(std::size_t n, json::error_code&) {
    stack_.push_array(n);
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    stack_.push_chars(s);
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    stack_.push_key(s);
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    stack_.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    stack_.push_string(s);
    return true;
  }
  // A number split across write_some() calls arrives in parts; we make one
  // call, but keep the parts rather than rely on that.
  bool on_number_part(json::string_view s, json::error_code&) {
    number_.append(s.data(), s.size());
    return true;
  }
  bool on_int64(std::int64_t i, json::string_view, json::error_code&) {
    number_.clear();
    stack_.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) {
    number_.clear();
    stack_.push_uint64(u);
    return true;
  }
  bool on_double(double approximate, json::string_view last, json::error_code&) {
    std::string_view token(last.data(), last.size());
    if (!number_.empty()) {
      number_.append(last.data(), last.size());
      token = number_;
    }
    double exact = 0;
    const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), exact);
    // Out of range (1e400, 1e-400): from_chars leaves `exact` unset; Boost's
    // value is then ±infinity or 0, which the decoder refuses or accepts.
    const bool converted = ec == std::errc{} && end == token.data() + token.size();
    stack_.push_double(converted ? exact : approximate);
    number_.clear();
    return true;
  }
  bool on_bool(bool b, json::error_code&) {
    stack_.push_bool(b);
    return true;
  }
  bool on_null(json::error_code&) {
    stack_.push_null();
    return true;
  }
  static bool on_comment_part(json::string_view, json::error_code&) { return true; }
  static bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  json::value_stack stack_;
  std::string number_;  // the parts of a number token so far
};

}  // namespace

boost::json::value parse_json_exact(std::string_view text, boost::system::error_code& ec, std::size_t* consumed,
                                    boost::json::storage_ptr sp) {
  json::basic_parser<exact_number_handler> parser{json::parse_options{}};
  parser.handler().stack().reset(std::move(sp));
  const std::size_t n = parser.write_some(false, text.data(), text.size(), ec);
  if (!ec && n < text.size()) ec = json::error::extra_data;  // as boost::json::parser::write() does
  if (consumed != nullptr) *consumed = n;
  if (ec) return nullptr;
  return parser.handler().stack().release();
}

}  // namespace ringcast::shm
