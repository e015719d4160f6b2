// Segment create/open in one process: idempotent, sizes adopted from the
// creator, names and sizes validated, read-only opens never write.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>

#include "ringcast/shm/consumer.hpp"
#include "ringcast/shm/publisher.hpp"
#include "test_segment.hpp"

namespace ringcast {
namespace {

std::string error_of(auto&& f) {
  try {
    f();
  } catch (const shm::segment_error& e) {
    return e.what();
  }
  return "";
}

TEST(segment, create_then_open_shares_one_segment_with_the_creators_sizes) {
  test::scoped_segment_name n("seg-open");
  auto a = shm::segment::open_or_create(test::small_options(n.name, 4, 1u << 14));
  auto b = shm::segment::open_or_create(test::small_options(n.name, 16, 1u << 16));  // sizes ignored: it exists
  EXPECT_TRUE(a->created());
  EXPECT_FALSE(b->created());
  EXPECT_EQ(a->epoch(), b->epoch());
  EXPECT_NE(a->epoch(), 0u);
  EXPECT_EQ(b->lane_count(), 4u);
  EXPECT_EQ(b->lane_capacity(), 1u << 14);
  const auto& id = b->header().identity;
  EXPECT_EQ(id.magic.load(), shm::k_magic);
  EXPECT_EQ(id.layout_version, shm::k_layout_version);
  EXPECT_EQ(id.creator_pid, static_cast<std::uint32_t>(::getpid()));
  EXPECT_EQ(id.total_size, shm::total_size_for(4, 1u << 14));
  EXPECT_EQ(b->bytes().size(), id.total_size);
}

TEST(segment, a_recreated_segment_has_a_new_epoch) {
  test::scoped_segment_name n("seg-epoch");
  const auto first = shm::segment::open_or_create(test::small_options(n.name))->epoch();
  ASSERT_TRUE(shm::segment::remove(n.name));
  const auto second = shm::segment::open_or_create(test::small_options(n.name))->epoch();
  EXPECT_NE(first, second);
}

TEST(segment, is_owner_only_by_default_and_group_with_the_option) {
  test::scoped_segment_name a("seg-mode-a"), b("seg-mode-b");
  const auto old_umask = ::umask(0);  // the mode must not depend on the caller's umask
  auto sa = shm::segment::open_or_create(test::small_options(a.name));
  auto ob = test::small_options(b.name);
  ob.group_access = true;
  auto sb = shm::segment::open_or_create(ob);
  ::umask(old_umask);
  struct stat st {};
  ASSERT_EQ(::stat(("/dev/shm/" + a.name).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(("/dev/shm/" + b.name).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0660u);
}

TEST(segment, refuses_bad_names_and_sizes_with_a_clear_message) {
  EXPECT_NE(error_of([] { shm::validate_segment_name("a/b"); }).find("segment name 'a/b' is invalid"), std::string::npos);
  EXPECT_NE(error_of([] { shm::validate_segment_name(""); }), "");
  EXPECT_EQ(error_of([] { shm::validate_segment_name("ringcast-prod_1.a"); }), "");
  test::scoped_segment_name n("seg-sizes");
  EXPECT_NE(error_of([&] { (void)shm::segment::open_or_create(test::small_options(n.name, 4, 5000)); })
                .find("must be a power of two"),
            std::string::npos);
  EXPECT_NE(error_of([&] { (void)shm::segment::open_or_create(test::small_options(n.name, 0)); })
                .find("lane count 0"),
            std::string::npos);
}

TEST(segment, name_comes_from_the_option_then_the_environment_then_the_default) {
  ::unsetenv("RINGCAST_SEGMENT");
  EXPECT_EQ(shm::resolve_segment_name(), "ringcast");
  ::setenv("RINGCAST_SEGMENT", "from-env", 1);
  EXPECT_EQ(shm::resolve_segment_name(), "from-env");
  EXPECT_EQ(shm::resolve_segment_name("from-cli"), "from-cli");
  ::unsetenv("RINGCAST_SEGMENT");
}

TEST(segment, read_only_open_of_a_missing_segment_says_so) {
  const auto msg = error_of([] { (void)shm::segment::open_read_only("rctest-does-not-exist"); });
  EXPECT_NE(msg.find("segment 'rctest-does-not-exist' does not exist"), std::string::npos) << msg;
}

TEST(segment, read_only_mapping_sees_counters_and_refuses_to_publish_or_consume) {
  test::scoped_segment_name n("seg-ro");
  auto rw = shm::segment::open_or_create(test::small_options(n.name));
  shm::publisher pub(rw);
  ASSERT_EQ(pub.publish("alice", shm::pnl_update{}), shm::publish_status::published);
  auto ro = shm::segment::open_read_only(n.name);
  EXPECT_TRUE(ro->read_only());
  EXPECT_EQ(ro->lane(pub.lane()).producer.published.load(), 1u);
  EXPECT_EQ(ro->header().lanes.in_use.load(), 1u);
  EXPECT_NE(error_of([&] { shm::publisher p(ro); }).find("read-only"), std::string::npos);
  EXPECT_NE(error_of([&] { shm::consumer c(ro); }).find("read-only"), std::string::npos);
}

TEST(segment, a_second_consumer_in_a_live_process_is_refused) {
  test::scoped_segment_name n("seg-consumer");
  auto seg = shm::segment::open_or_create(test::small_options(n.name));
  {
    shm::consumer first(seg);
    EXPECT_NE(error_of([&] { shm::consumer second(seg); }).find("already has a live consumer (pid"),
              std::string::npos);
  }
  shm::consumer again(seg);  // released on destruction: attach works again
  EXPECT_NE(shm::owner_pid(seg->header().consumer.owner.load()), 0u);
}

}  // namespace
}  // namespace ringcast
