// Static files: the web root's files with their content types, and no way
// out of the root, however the path is spelled.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "static_path.hpp"

namespace ringcast::bridge {
namespace {

namespace fs = std::filesystem;

class static_path : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("rc-static-" + std::to_string(::getpid()));
    fs::remove_all(base_);
    fs::create_directories(base_ / "root" / "app");
    write(base_ / "root" / "index.html", "<h1>root</h1>");
    write(base_ / "root" / "app" / "index.html", "<h1>app</h1>");
    write(base_ / "root" / "app" / "main.js", "1");
    write(base_ / "root" / "style.css", "x");
    write(base_ / "secret.txt", "secret");
    fs::create_symlink(base_ / "secret.txt", base_ / "root" / "leak.txt");
    fs::create_symlink(base_, base_ / "root" / "up");
    root_ = fs::canonical(base_ / "root");
  }
  void TearDown() override { fs::remove_all(base_); }
  static void write(const fs::path& p, const std::string& s) { std::ofstream(p) << s; }

  fs::path base_, root_;
};

TEST_F(static_path, files_are_found_with_their_types) {
  auto r = resolve_static(root_, "/app/main.js");
  ASSERT_EQ(r.status, static_status::ok);
  EXPECT_EQ(r.file, root_ / "app" / "main.js");
  EXPECT_EQ(r.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(resolve_static(root_, "/style.css").content_type, "text/css; charset=utf-8");
  EXPECT_EQ(resolve_static(root_, "/style.css?v=3").status, static_status::ok);
  EXPECT_EQ(content_type_for("x.html"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type_for("x.svg"), "image/svg+xml");
  EXPECT_EQ(content_type_for("x.bin"), "application/octet-stream");
}

TEST_F(static_path, directories_mean_their_index) {
  EXPECT_EQ(resolve_static(root_, "/").file, root_ / "index.html");
  EXPECT_EQ(resolve_static(root_, "/app/").file, root_ / "app" / "index.html");
  EXPECT_EQ(resolve_static(root_, "/app").file, root_ / "app" / "index.html");
  EXPECT_EQ(resolve_static(root_, "/%61pp/main.js").file, root_ / "app" / "main.js");  // decoded
}

TEST_F(static_path, missing_files_are_not_found) {
  EXPECT_EQ(resolve_static(root_, "/nope.js").status, static_status::not_found);
  EXPECT_EQ(resolve_static(root_, "/app/nope/").status, static_status::not_found);
}

TEST_F(static_path, no_spelling_of_dot_dot_leaves_the_root) {
  for (const char* t : {"/../secret.txt", "/app/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt",
                        "/..%2fsecret.txt", "/app/%2e%2e%2f%2e%2e%2fsecret.txt", "/.%2e/secret.txt",
                        "/..%5csecret.txt", "/app%2f..%2f..%2fsecret.txt", "/%00/secret.txt"}) {
    const auto r = resolve_static(root_, t);
    EXPECT_NE(r.status, static_status::ok) << t;
  }
}

TEST_F(static_path, symlinks_out_of_the_root_are_forbidden) {
  EXPECT_EQ(resolve_static(root_, "/leak.txt").status, static_status::forbidden);
  EXPECT_EQ(resolve_static(root_, "/up/secret.txt").status, static_status::forbidden);
}

TEST_F(static_path, targets_that_are_not_paths_are_bad_requests) {
  EXPECT_EQ(resolve_static(root_, "http://example.com/index.html").status, static_status::bad_request);
  EXPECT_EQ(resolve_static(root_, "index.html").status, static_status::bad_request);
  EXPECT_EQ(resolve_static(root_, "/a b").status, static_status::bad_request);
}

}  // namespace
}  // namespace ringcast::bridge
