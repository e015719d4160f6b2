// moodycamel::ReaderWriterQueue, the lock-free SPSC queue that carries
// frames from the drain thread to a session's strand.
//
// Under ThreadSanitizer: the queue orders its slots with standalone fences,
// which TSan does not model, and it only annotates them for TSan when
// __has_feature(thread_sanitizer) exists — clang's spelling. GCC says
// __SANITIZE_THREAD__, so its TSan builds switch the annotations on here.
#pragma once

#if defined(__SANITIZE_THREAD__) && !defined(AE_TSAN_ANNOTATE_RELEASE)
namespace moodycamel {
inline int ae_tsan_global;
}
extern "C" void AnnotateHappensBefore(const char*, int, void*);
extern "C" void AnnotateHappensAfter(const char*, int, void*);
#define AE_TSAN_ANNOTATE_RELEASE() AnnotateHappensBefore(__FILE__, __LINE__, &::moodycamel::ae_tsan_global)
#define AE_TSAN_ANNOTATE_ACQUIRE() AnnotateHappensAfter(__FILE__, __LINE__, &::moodycamel::ae_tsan_global)
#endif

#include <readerwriterqueue/readerwriterqueue.h>
