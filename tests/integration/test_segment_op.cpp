// ringcast_test_segment_op: opens (or creates) a segment in a process of its
// own, for the multi-process segment tests.
//
//   ringcast_test_segment_op --segment S [--lanes L --capacity C] [--group]
//       [--umask OCTAL] [--timeout-ms MS] [--go-on-stdin]
//
// --umask sets the process umask first; --go-on-stdin waits for one byte on
// stdin before opening (a start line for races). Prints
// "ok created=0|1 epoch=E" and exits 0, or "error: <message>" and exits 1.
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "helper_args.hpp"

namespace {

int run(const ringcast::test::helper_args& args) {
  using ringcast::test::say;
  if (args.has("umask")) ::umask(static_cast<mode_t>(args.number("umask", 077, 8)));
  const auto options = args.segment();
  if (args.has("go-on-stdin")) {
    char c = 0;
    if (::read(STDIN_FILENO, &c, 1) != 1) return 2;
  }
  try {
    const auto seg = ringcast::shm::segment::open_or_create(options);
    say("ok created=" + std::to_string(seg->created() ? 1 : 0) + " epoch=" + std::to_string(seg->epoch()));
    return 0;
  } catch (const std::exception& e) {
    say(std::string("error: ") + e.what());
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) { return run(ringcast::test::helper_args(argc, argv)); }
