#include "daemon/heap.hpp"

#include <malloc.h>

namespace rein::daemon {

namespace {

// Blocks from this size on are mapped on their own. glibc's default starts at 128 KiB but
// rises to the largest block freed so far, so after one big commit every later one would sit
// in the heap and keep its pages resident.
constexpr int k_mmap_threshold = 64 * 1024;
// Free heap memory worth a trim: below it, a trim would cost more than the pages it returns.
constexpr std::size_t k_trim_above = 256 * 1024;

} // namespace

void tune_heap() {
    mallopt(M_MMAP_THRESHOLD, k_mmap_threshold);
}

void trim_heap() {
    struct mallinfo2 info = mallinfo2();
    if (info.fordblks > k_trim_above) malloc_trim(0);
}

} // namespace rein::daemon
