#pragma once
// Reads CPU time and resident memory of a process tree from /proc.
#include <cstdint>
#include <sys/types.h>

namespace rein::daemon {

struct ProcSample {
    std::uint64_t cpu_ticks = 0; ///< utime+stime of the tree, in clock ticks
    std::uint64_t rss_bytes = 0; ///< resident memory of the tree
};

/// Samples `pid` and its descendants (followed through /proc/PID/task/*/children). Processes
/// that vanish meanwhile are skipped; an unknown pid gives zeros.
ProcSample sample_tree(pid_t pid);

} // namespace rein::daemon
