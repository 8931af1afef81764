#pragma once
// What /proc says of processes that are not (or no longer) the daemon's children: taken over
// from a daemon that died, they are watched through pidfds and their zombies are never reaped
// here (PID 1 may not reap them either). Linux only.
#include "common/unique_fd.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace rein::daemon {

/// The fields of /proc/PID/stat the daemon needs.
struct ProcStat {
    char state = 0;            ///< 'R', 'S', 'Z', ...; 0 when the pid does not exist
    pid_t ppid = 0;            ///< field 4
    pid_t pgid = 0;            ///< field 5
    std::uint64_t start = 0;   ///< field 22, clock ticks since boot
    std::optional<int> status; ///< field 52: the wait status once it has exited (zombie)
};

/// /proc/PID/stat of `pid` (state 0 when it cannot be read).
ProcStat proc_stat(pid_t pid);

/// The wait status of the process `pid` that started at `start`, once it has exited and is a
/// zombie; nothing while it runs, when it is gone altogether, or when `pid` is another process.
std::optional<int> zombie_status(pid_t pid, std::uint64_t start);

/// The number of a descriptor of `pid` that is one of the sockets `inodes` (as /proc writes
/// them: "socket:[INODE]"), or -1.
int socket_fd_of(pid_t pid, const std::vector<std::string>& inodes);

/// True while a process of group `pgid` runs (zombies do not count: see group_alive).
bool group_running(pid_t pgid);

/// pidfd_open(2): a descriptor that becomes readable when `pid` exits; invalid on failure.
UniqueFd open_pidfd(pid_t pid);

/// pidfd_getfd(2): a duplicate of descriptor `fd` of the process behind `pidfd` (same user or
/// CAP_SYS_PTRACE, Linux >= 5.6); invalid on failure.
UniqueFd take_fd(int pidfd, int fd);

} // namespace rein::daemon
