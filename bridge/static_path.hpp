// Maps a request target to a file under the web root, for the dashboard's
// static files. Pure apart from looking at the file system, so that the
// traversal rules are unit-tested without a server.
//
// The target is parsed with Boost.URL; every path segment is percent-decoded
// and refused when it is "..", or holds '/', '\\' or NUL once decoded
// (so "%2e%2e" and "..%2f" cannot climb); the file found must then be a
// regular file whose canonical path (symlinks resolved) is inside the root.
#pragma once

#include <filesystem>
#include <string_view>

namespace ringcast::bridge {

enum class static_status : std::uint8_t { ok, bad_request, forbidden, not_found };

struct static_lookup {
  static_status status = static_status::not_found;
  std::filesystem::path file;      // canonical, when ok
  std::string_view content_type;   // when ok
};

// root must be canonical (std::filesystem::canonical). "/" and "/dir/" mean
// index.html in that directory.
[[nodiscard]] static_lookup resolve_static(const std::filesystem::path& root, std::string_view target);

// By extension; application/octet-stream when unknown.
[[nodiscard]] std::string_view content_type_for(const std::filesystem::path& file) noexcept;

}  // namespace ringcast::bridge
