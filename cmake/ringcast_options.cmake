# Compiler settings shared by every ringcast target, applied through the
# interface target ringcast_build_flags so that nothing leaks into
# third-party code.
find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_C_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
endif()

add_library(ringcast_build_flags INTERFACE)
target_compile_options(ringcast_build_flags INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wnull-dereference)
if(RINGCAST_WERROR)
  target_compile_options(ringcast_build_flags INTERFACE -Werror)
endif()

if(RINGCAST_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
elseif(RINGCAST_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
  add_compile_definitions(RINGCAST_TSAN=1)
  # Asio's handler-memory fences (std_fenced_block) are atomic_thread_fence,
  # which GCC's -Wtsan reports as unmodelled; Asio's scheduler orders its
  # handlers with a mutex, which TSan does see. Our own code has no fences
  # under TSan (doorbell.hpp), so the warning has nothing else to say.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    add_compile_options(-Wno-tsan)
  endif()
elseif(NOT RINGCAST_SANITIZE STREQUAL "")
  message(FATAL_ERROR "RINGCAST_SANITIZE must be empty, 'address' or 'thread', not '${RINGCAST_SANITIZE}'")
endif()

find_package(Threads REQUIRED)
# Boost 1.81 from Debian's libboost1.81-* packages (scripts/setup installs them).
find_package(Boost 1.81 REQUIRED COMPONENTS json url)
