// ringcast-stat refuses what it cannot read - a missing segment, another
// layout version, a corrupt or unfinished header, a bad option - with the
// message and exit code the docs give, and never writes to a segment.
#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "ringcast/shm/consumer.hpp"
#include "ringcast/shm/publisher.hpp"
#include "stat_fixture.hpp"
#include "test_segment.hpp"

namespace ringcast {
namespace {

test::tool_result run_stat_once(const std::string& segment) {
  return test::run_tool({test::k_stat_bin, "--segment", segment, "--once", "--interval", "0.05"});
}

TEST(stat_refusal, a_missing_segment_exits_1_with_the_message) {
  test::scoped_segment_name n("stat-missing");
  const auto r = run_stat_once(n.name);
  EXPECT_TRUE(r.exited_with(1)) << "status " << r.status;
  EXPECT_NE(r.err.find(fmt::format("ringcast-stat: segment '{}' does not exist", n.name)), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_FALSE(shm::segment::remove(n.name)) << "and it did not create one";
}

TEST(stat_refusal, another_layout_version_exits_1_naming_both_versions) {
  test::scoped_segment_name n("stat-version");
  auto seg = shm::segment::open_or_create(test::small_options(n.name));
  const std::uint32_t other = shm::k_layout_version + 1;
  seg->header().identity.layout_version = other;  // as a build of the next layout would have made it
  const auto r = run_stat_once(n.name);
  EXPECT_TRUE(r.exited_with(1)) << "status " << r.status;
  EXPECT_NE(r.err.find(fmt::format("segment '{}' has layout v{}, this build expects v{}", n.name, other,
                                   shm::k_layout_version)),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_EQ(seg->header().identity.layout_version, other) << "refused, not repaired";
}

TEST(stat_refusal, a_corrupt_header_exits_1_with_the_message) {
  test::scoped_segment_name n("stat-corrupt");
  auto seg = shm::segment::open_or_create(test::small_options(n.name));
  seg->header().identity.total_size += shm::k_page;  // sizes that do not add up
  const auto r = run_stat_once(n.name);
  EXPECT_TRUE(r.exited_with(1)) << "status " << r.status;
  EXPECT_NE(r.err.find(fmt::format("segment '{}' (layout v{}) has a corrupt header", n.name, shm::k_layout_version)),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(stat_refusal, a_segment_never_initialised_exits_1_with_the_message) {
  test::scoped_segment_name n("stat-uninit");
  auto seg = shm::segment::open_or_create(test::small_options(n.name));
  seg->header().identity.magic.store(0, std::memory_order_relaxed);  // as if its creator died while creating it
  const auto r = run_stat_once(n.name);
  EXPECT_TRUE(r.exited_with(1)) << "status " << r.status;
  EXPECT_NE(r.err.find(fmt::format("segment '{}' is not an initialised ringcast segment", n.name)), std::string::npos)
      << r.err;
}

TEST(stat_refusal, bad_options_and_names_get_a_message_and_change_nothing) {
  struct refusal {
    std::vector<std::string> args;
    int code;
    std::string message;
  };
  const std::vector<refusal> cases = {
      {{"--interval", "0"}, 2, "--interval '0' is not a number of seconds"},
      {{"--interval", "1s"}, 2, "--interval '1s' is not a number of seconds"},
      {{"--interval", "nan"}, 2, "--interval 'nan' is not a number of seconds"},
      {{"--count", "0"}, 2, "--count '0' is not a whole number"},
      {{"--count", "-3"}, 2, "--count '-3' is not a whole number"},
      {{"--once", "--count", "2"}, 2, "--once and --count N say different things"},
      {{"--segment"}, 2, "--segment needs a value"},
      {{"--verbose"}, 2, "unknown option '--verbose'"},
      {{"--segment", "../etc"}, 1, "segment name '../etc' is invalid"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> argv{test::k_stat_bin};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    const auto r = test::run_tool(argv);
    EXPECT_TRUE(r.exited_with(c.code)) << c.message << ": status " << r.status;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  const auto help = test::run_tool({test::k_stat_bin, "--help"});
  EXPECT_TRUE(help.exited_with(0));
  EXPECT_TRUE(help.out.starts_with("usage: ringcast-stat [--segment NAME]")) << help.out;
  EXPECT_TRUE(help.err.empty()) << help.err;
}

TEST(stat_refusal, a_run_leaves_every_byte_of_the_segment_as_it_was) {
  test::scoped_segment_name n("stat-bytes");
  auto seg = shm::segment::open_or_create(test::small_options(n.name, 4, shm::k_min_lane_capacity));
  shm::publisher pub(seg);  // stays the lane's owner, idle
  {
    shm::consumer con(seg);
    for (int i = 0; i < 20; ++i)
      ASSERT_EQ(pub.publish("alice", shm::pnl_update{.total_pnl = static_cast<double>(i)}),
                shm::publish_status::published);
    ASSERT_GT(con.poll([](const shm::record_view&) {}), 0u);
    for (int i = 0; i < 5; ++i) ASSERT_EQ(pub.publish("", shm::pnl_update{}), shm::publish_status::published);
  }  // the consumer detached: from here on nothing in this process writes to the segment
  const auto bytes = seg->bytes();
  const std::vector<std::byte> before(bytes.begin(), bytes.end());

  const auto json = test::run_tool({test::k_stat_bin, "--segment", n.name, "--once", "--json", "--interval", "0.05"});
  EXPECT_TRUE(json.exited_with(0)) << json.err;
  const auto live = test::run_tool({test::k_stat_bin, "--segment", n.name, "--count", "3", "--interval", "0.05"});
  EXPECT_TRUE(live.exited_with(0)) << live.err;

  const auto diff = std::mismatch(before.begin(), before.end(), bytes.begin());
  EXPECT_TRUE(diff.first == before.end()) << "first changed byte at offset " << (diff.first - before.begin());
}

}  // namespace
}  // namespace ringcast
