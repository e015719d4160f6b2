#include "static_path.hpp"

#include <array>
#include <boost/url/parse.hpp>
#include <system_error>
#include <utility>

namespace ringcast::bridge {

namespace {

bool segment_allowed(std::string_view s) noexcept {
  if (s == "." || s == "..") return false;
  return s.find_first_of(std::string_view("/\\\0", 3)) == std::string_view::npos;
}

bool inside(const std::filesystem::path& root, const std::filesystem::path& p) {
  auto r = root.begin();
  auto q = p.begin();
  for (; r != root.end(); ++r, ++q)
    if (q == p.end() || *r != *q) return false;
  return true;
}

}  // namespace

std::string_view content_type_for(const std::filesystem::path& file) noexcept {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 13> k_types{{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},
      {".ts", "text/plain; charset=utf-8"},
      {".woff2", "font/woff2"},
      {".wasm", "application/wasm"},
  }};
  const std::string ext = file.extension().string();
  for (const auto& [e, type] : k_types)
    if (e == ext) return type;
  return "application/octet-stream";
}

static_lookup resolve_static(const std::filesystem::path& root, std::string_view target) {
  const auto url = boost::urls::parse_origin_form(target);
  if (!url) return {static_status::bad_request, {}, {}};

  std::filesystem::path p = root;
  bool directory = true;  // "/" and a trailing "/" name a directory
  for (const std::string seg : url->segments()) {
    if (!segment_allowed(seg)) return {static_status::forbidden, {}, {}};
    if (seg.empty()) {
      directory = true;  // "//" or a trailing slash
      continue;
    }
    p /= seg;
    directory = false;
  }
  if (directory) p /= "index.html";

  std::error_code ec;
  std::filesystem::path real = std::filesystem::canonical(p, ec);
  if (ec) return {static_status::not_found, {}, {}};
  if (!inside(root, real)) return {static_status::forbidden, {}, {}};  // a symlink out of the root
  if (std::filesystem::is_directory(real, ec)) {
    real /= "index.html";
    if (!std::filesystem::is_regular_file(real, ec)) return {static_status::not_found, {}, {}};
  } else if (!std::filesystem::is_regular_file(real, ec)) {
    return {static_status::not_found, {}, {}};
  }
  return {static_status::ok, real, content_type_for(real)};
}

}  // namespace ringcast::bridge
