// The segment seen from several processes: a refused segment (other layout
// version, corrupt header, a creator that died before its magic) gets a
// clear message and is left as it was; the file is never world-accessible
// whatever the umask; one consumer at a time, a dead one's claim taken over;
// processes racing to create one segment agree on it.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/interprocess/shared_memory_object.hpp>
#include <cstring>

#include "mp_fixture.hpp"
#include "ringcast/shm/layout.hpp"
#include "ringcast/shm/segment.hpp"

namespace ringcast::test {
namespace {

namespace bip = boost::interprocess;

struct op_result {
  int status = -1;
  std::string line;
  std::chrono::milliseconds took{0};
};

// Runs ringcast_test_segment_op in its own process.
op_result open_in_child(const std::string& name, std::vector<std::string> extra = {}) {
  std::vector<std::string> argv{k_segment_op_exe, "--segment", name, "--lanes", "2", "--capacity", "4096"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  const auto start = steady::now();
  auto p = child_process::spawn(argv);
  op_result r;
  r.line = p.read_line(30s).value_or("(no line)");
  const auto st = p.wait(30s);
  r.took = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start);
  EXPECT_TRUE(st.has_value()) << "segment op still running";
  r.status = st.value_or(-1);
  return r;
}

std::vector<std::byte> snapshot(const shm::segment& seg) { return {seg.bytes().begin(), seg.bytes().end()}; }

#define EXPECT_CONTAINS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

TEST(mp_segment, another_layout_version_is_refused_naming_the_segment_and_both_versions_and_left_untouched) {
  scoped_segment_name n("mp-version");
  const auto seg = shm::segment::open_or_create(small_options(n.name, 2, 4096));
  seg->header().identity.layout_version = shm::k_layout_version + 1;
  const auto before = snapshot(*seg);

  const auto r = open_in_child(n.name);
  EXPECT_TRUE(exited_with(r.status, 1)) << describe_status(r.status) << ": " << r.line;
  EXPECT_CONTAINS(r.line, "segment '" + n.name + "' has layout v" + std::to_string(shm::k_layout_version + 1) +
                              ", this build expects v" + std::to_string(shm::k_layout_version));
  EXPECT_TRUE(snapshot(*seg) == before) << "a refused open changed the segment";
  struct stat st{};
  EXPECT_EQ(::stat(("/dev/shm/" + n.name).c_str(), &st), 0) << "a refused open removed the segment";
  EXPECT_EQ(static_cast<std::size_t>(st.st_size), seg->bytes().size());
}

TEST(mp_segment, a_corrupt_header_is_refused_with_a_message_naming_the_segment_and_left_untouched) {
  scoped_segment_name n("mp-corrupt");
  const auto seg = shm::segment::open_or_create(small_options(n.name, 2, 4096));
  auto& id = seg->header().identity;

  id.magic.store(0x0123456789abcdefULL);
  auto before = snapshot(*seg);
  auto r = open_in_child(n.name);
  EXPECT_TRUE(exited_with(r.status, 1)) << describe_status(r.status) << ": " << r.line;
  EXPECT_CONTAINS(r.line, "segment '" + n.name + "'");
  EXPECT_CONTAINS(r.line, "bad magic 0x123456789abcdef");
  EXPECT_TRUE(snapshot(*seg) == before);

  id.magic.store(shm::k_magic);
  id.total_size += 4096;
  before = snapshot(*seg);
  r = open_in_child(n.name);
  EXPECT_TRUE(exited_with(r.status, 1)) << describe_status(r.status) << ": " << r.line;
  EXPECT_CONTAINS(r.line, "segment '" + n.name + "'");
  EXPECT_CONTAINS(r.line, "corrupt header: total size");
  EXPECT_TRUE(snapshot(*seg) == before);

  id.total_size -= 4096;
  EXPECT_TRUE(exited_with(open_in_child(n.name).status, 0)) << "the repaired header opens again";
}

TEST(mp_segment, a_segment_whose_creator_died_before_its_magic_is_refused_at_the_open_timeout_not_hung) {
  scoped_segment_name n("mp-nomagic");
  {
    // What a creator killed between sizing the object and storing the magic leaves.
    bip::shared_memory_object shm(bip::create_only, n.name.c_str(), bip::read_write, bip::permissions(0600));
    shm.truncate(static_cast<bip::offset_t>(shm::total_size_for(2, 4096)));
  }
  auto r = open_in_child(n.name, {"--timeout-ms", "300"});
  EXPECT_TRUE(exited_with(r.status, 1)) << describe_status(r.status) << ": " << r.line;
  EXPECT_CONTAINS(r.line, "segment '" + n.name + "' exists but was never initialised");
  EXPECT_GE(r.took, 300ms) << "refused before the creator had its open timeout to finish";
  EXPECT_LT(r.took, 20s);

  // Killed even earlier: the object exists but was never sized.
  shm::segment::remove(n.name);
  { bip::shared_memory_object shm(bip::create_only, n.name.c_str(), bip::read_write, bip::permissions(0600)); }
  r = open_in_child(n.name, {"--timeout-ms", "300"});
  EXPECT_TRUE(exited_with(r.status, 1)) << describe_status(r.status) << ": " << r.line;
  EXPECT_CONTAINS(r.line, "segment '" + n.name + "' exists but is 0 bytes");
  EXPECT_GE(r.took, 300ms);
  EXPECT_LT(r.took, 20s);
}

TEST(mp_segment, the_segment_file_is_never_world_accessible_whatever_the_umask) {
  struct variant {
    bool group;
    const char* umask;
    unsigned expected;
  };
  for (const variant v : {variant{false, "0", 0600}, variant{true, "0", 0660}, variant{false, "022", 0600},
                          variant{true, "077", 0660}}) {
    SCOPED_TRACE(std::string("group_access ") + (v.group ? "on" : "off") + ", umask " + v.umask);
    scoped_segment_name n("mp-mode");
    std::vector<std::string> extra{"--umask", v.umask};
    if (v.group) extra.emplace_back("--group");
    const auto r = open_in_child(n.name, extra);
    ASSERT_TRUE(exited_with(r.status, 0)) << r.line;
    EXPECT_CONTAINS(r.line, "created=1");
    struct stat st{};
    ASSERT_EQ(::stat(("/dev/shm/" + n.name).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0007, 0u) << std::oct << st.st_mode;
    EXPECT_EQ(st.st_mode & 0777, v.expected) << std::oct << st.st_mode;
    const auto seg = shm::segment::open_or_create(small_options(n.name));
    EXPECT_EQ(seg->header().identity.mode, v.expected);
  }
}

TEST(mp_segment, a_second_live_consumer_is_refused_naming_the_pid_and_a_dead_consumers_claim_is_taken_over) {
  scoped_segment_name n("mp-consumers");
  scratch_dir dir;
  const std::string out = dir.file("out.bin");
  dir.file("out.bin.redelivered");
  const auto seg = shm::segment::open_or_create(small_options(n.name));
  std::string line;
  auto first = spawn_consumer(n.name, out, {}, &line);
  ASSERT_TRUE(line.starts_with("attached")) << line;

  auto second = spawn_consumer(n.name, out, {}, &line);
  EXPECT_CONTAINS(line, "segment '" + n.name + "' already has a live consumer (pid " + std::to_string(first.pid()) + ")");
  const auto st = second.wait(30s);
  ASSERT_TRUE(st.has_value());
  EXPECT_TRUE(exited_with(*st, 3)) << describe_status(*st);
  EXPECT_EQ(shm::owner_pid(seg->header().consumer.owner.load()), static_cast<std::uint32_t>(first.pid()))
      << "the refused consumer changed the claim";

  first.kill_and_reap();
  auto third = spawn_consumer(n.name, out, {}, &line);
  ASSERT_TRUE(line.starts_with("attached")) << "a dead consumer's claim must be taken over: " << line;
  EXPECT_EQ(shm::owner_pid(seg->header().consumer.owner.load()), static_cast<std::uint32_t>(third.pid()));
  stop_consumer(third);
  EXPECT_EQ(shm::owner_pid(seg->header().consumer.owner.load()), 0u) << "a stopped consumer releases its claim";
}

TEST(mp_segment, processes_racing_to_create_a_segment_all_open_it_and_agree_on_its_epoch) {
  const auto rounds = static_cast<int>(env_number("RINGCAST_CREATE_RACE_ROUNDS", 20));
  for (int round = 0; round < rounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    scoped_segment_name n("mp-race");
    std::vector<child_process> racers;
    for (int i = 0; i < 2; ++i)
      racers.push_back(child_process::spawn({k_segment_op_exe, "--segment", n.name, "--lanes", "2", "--capacity",
                                             "4096", "--timeout-ms", "10000", "--go-on-stdin"},
                                            true));
    for (auto& r : racers) r.write_stdin('g');  // both blocked on stdin: released together
    int created = 0;
    std::vector<std::string> epochs;
    for (auto& r : racers) {
      const auto result = r.read_line(30s).value_or("(no line)");
      const auto st = r.wait(30s);
      ASSERT_TRUE(st && exited_with(*st, 0)) << result;
      ASSERT_TRUE(result.starts_with("ok ")) << result;
      created += field(result, "created") == 1 ? 1 : 0;
      epochs.push_back(result.substr(result.find("epoch=")));
    }
    EXPECT_EQ(created, 1) << "exactly one racer creates the segment";
    EXPECT_EQ(epochs[0], epochs[1]) << "both racers must map the same segment";
  }
}

}  // namespace
}  // namespace ringcast::test
