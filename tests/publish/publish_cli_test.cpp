// ringcast-publish, the real binary, as a command: --help, FILE and stdin,
// the segment from --segment or $RINGCAST_SEGMENT, and the usage errors
// (exit 2) that publish nothing and create no segment.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "publish_process.hpp"
#include "ringcast/shm/publisher.hpp"

namespace ringcast::test {
namespace {

const std::string k_line =
    R"({"type":"PNL_UPDATE","userId":"alice","payload":{"totalPnl":12.5,"dailyPnl":-3.25,"positionPnl":1,"realizedPnl":0}})";
const arrived k_event{"PNL_UPDATE", "alice", R"({"totalPnl":12.5,"dailyPnl":-3.25,"positionPnl":1,"realizedPnl":0})"};

bool segment_exists(const std::string& name) { return std::filesystem::exists("/dev/shm/" + name); }

// A scratch file, removed at the end of the test.
struct scratch_file {
  explicit scratch_file(const std::string& content) {
    const char* base = std::getenv("TMPDIR");
    path = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/rcpublish-input-" +
           unique_segment_name("f") + ".jsonl";
    std::ofstream(path, std::ios::binary) << content;
  }
  ~scratch_file() { std::filesystem::remove(path); }
  scratch_file(const scratch_file&) = delete;
  scratch_file& operator=(const scratch_file&) = delete;
  scratch_file(scratch_file&&) = delete;
  scratch_file& operator=(scratch_file&&) = delete;
  std::string path;
};

TEST(publish_cli, help_describes_the_line_format_options_exit_codes_and_every_event_type) {
  const run_result r = run_publish({"--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.err, "");
  EXPECT_TRUE(r.out.starts_with("usage: ringcast-publish [--segment NAME]")) << r.out;
  for (const char* text : {R"("userId":"alice")", "--segment NAME", "--wait-ms MS", "--verbose", "exit status", "1 MiB"})
    EXPECT_NE(r.out.find(text), std::string::npos) << text;
  for (std::uint16_t t = 1; t < shm::k_event_type_count; ++t)
    EXPECT_NE(r.out.find(shm::wire_name(static_cast<shm::event_type>(t))), std::string::npos) << t;
}

TEST(publish_cli, a_file_argument_is_read_like_stdin_and_dash_means_stdin) {
  scoped_segment_name name("cli-file");
  segment_sink sink(small_options(name.name));
  const scratch_file file(k_line + "\n" + k_line + "\n");
  EXPECT_EQ(run_publish({"--segment", name.name, file.path}).code, 0);
  EXPECT_EQ(run_publish({"--segment", name.name, "-"}, k_line + "\n").code, 0);
  EXPECT_EQ(sink.drain(), (std::vector<arrived>{k_event, k_event, k_event}));
}

TEST(publish_cli, without_segment_option_the_segment_comes_from_ringcast_segment) {
  scoped_segment_name name("cli-env");
  segment_sink sink(small_options(name.name));
  ::setenv("RINGCAST_SEGMENT", name.name.c_str(), 1);
  const run_result r = run_publish({}, k_line + "\n");
  ::unsetenv("RINGCAST_SEGMENT");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(sink.drain(), std::vector<arrived>{k_event});
}

TEST(publish_cli, empty_input_publishes_nothing_and_succeeds) {
  scoped_segment_name name("cli-empty");
  segment_sink sink(small_options(name.name));
  const run_result r = run_publish({"--segment", name.name, "--verbose"}, "");
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.err, "ringcast-publish: 0 of 0 events published to segment '" + name.name +
                       "'; 0 bad lines, 0 not published\n");
  EXPECT_TRUE(sink.drain().empty());
}

struct usage_case {
  std::vector<std::string> args;  // after --segment NAME
  std::string first_line;         // of stderr
};

TEST(publish_cli, usage_errors_exit_2_with_a_message_and_create_no_segment) {
  scoped_segment_name name("cli-usage");
  const std::string missing = "/nonexistent-ringcast-dir/events.jsonl";
  const std::vector<usage_case> cases = {
      {{"--bogus"}, "ringcast-publish: unknown option --bogus"},
      {{"--wait-ms", "soon"}, "ringcast-publish: --wait-ms needs a whole number of milliseconds, not 'soon'"},
      {{"--wait-ms"}, "ringcast-publish: --wait-ms needs a value"},
      {{"a.jsonl", "b.jsonl"}, "ringcast-publish: one FILE at most (got a.jsonl and b.jsonl)"},
      {{missing}, "ringcast-publish: cannot open " + missing + ": No such file or directory"},
      {{"/"}, "ringcast-publish: cannot open /: Is a directory"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args{"--segment", name.name};
    args.insert(args.end(), c.args.begin(), c.args.end());
    SCOPED_TRACE(c.first_line);
    const run_result r = run_publish(args, k_line + "\n");
    EXPECT_EQ(r.code, 2);
    const auto err = lines_of(r.err);
    ASSERT_FALSE(err.empty());
    EXPECT_EQ(err[0], c.first_line);
    EXPECT_FALSE(segment_exists(name.name)) << "a refused command must not create the segment";
  }
  const run_result r = run_publish({"--segment"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(r.err.starts_with("ringcast-publish: --segment needs a value\n")) << r.err;
}

TEST(publish_cli, a_refused_segment_exits_2_with_the_segment_error_message) {
  std::string invalid_name_message;
  try {
    shm::validate_segment_name("bad/name");
  } catch (const shm::segment_error& e) {
    invalid_name_message = e.what();
  }
  ASSERT_FALSE(invalid_name_message.empty());
  const run_result bad_name = run_publish({"--segment", "bad/name"}, k_line + "\n");
  EXPECT_EQ(bad_name.code, 2);
  EXPECT_EQ(bad_name.err, "ringcast-publish: " + invalid_name_message + "\n");

  // Every lane held by a live producer: the publisher cannot claim one.
  scoped_segment_name name("cli-full-lanes");
  auto seg = shm::segment::open_or_create(small_options(name.name, 1));
  shm::publisher holder(seg);
  const run_result no_lane = run_publish({"--segment", name.name}, k_line + "\n");
  EXPECT_EQ(no_lane.code, 2);
  EXPECT_EQ(no_lane.err, "ringcast-publish: segment '" + name.name +
                             "': all 1 lanes are claimed by live producers; stop a producer, publish from fewer "
                             "threads, or create the segment with more lanes\n");
  EXPECT_EQ(holder.published(), 0u);
}

}  // namespace
}  // namespace ringcast::test
