#pragma once
// The only place rein forks, execs and signals processes.
#include "common/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace rein::daemon {

/// Everything needed to start one process.
struct SpawnRequest {
    std::vector<std::string> argv; ///< argv[0] is the program: a path or a name looked up in PATH
    std::vector<std::string> env;  ///< "KEY=VALUE" entries; PATH here drives the lookup
    std::string cwd;
    int stdout_fd = -1;
    int stderr_fd = -1;
    /// Descriptors the process gets at 3, 4, ... in this order (listen sockets, IPC channel).
    std::vector<int> pass_fds;
    /// Adds LISTEN_PID=<the new process's own pid> (systemd socket activation), which only the
    /// child can know.
    bool listen_pid = false;
    std::optional<std::uint32_t> uid;
    std::optional<std::uint32_t> gid;
    /// Supplementary groups, set with uid (resolved before fork: the child must not read the
    /// group database). Empty with uid: none.
    std::vector<gid_t> groups;
    /// The read end of the spawn gate, -1 for none: the child, once set up, waits for one byte
    /// on it before execve, and leaves without running anything when it reads EOF instead (the
    /// daemon died before its state named the new pid: no instance runs that nobody knows of).
    int gate_fd = -1;
};

/// Error code of spawn_process when the system is short of processes or memory (fork failed
/// with EAGAIN or ENOMEM): the same request may well succeed a moment later.
inline constexpr const char* k_resource_shortage = "resource_shortage";

/// True for the errno values of a resource that runs out and comes back (descriptors, memory,
/// processes), as opposed to a request that can never succeed.
bool is_resource_shortage(int err);

/// Forks and execs in a new session (so the process leads its own process group), with stdin
/// /dev/null, stdout/stderr on the given fds, `pass_fds` from 3 on and no other descriptor, and
/// the RLIMIT_NOFILE soft limit the daemon itself started with (see raise_fd_limit). An exec
/// failure shows as a message on the process's stderr and exit status 127. With a gate, the
/// exec waits for the gate's byte (exit status 0 without exec on EOF).
Result<pid_t> spawn_process(const SpawnRequest& req);

/// Raises this process's RLIMIT_NOFILE soft limit to its hard limit, so that the daemon has room
/// to reap, restart and log however many apps and clients it serves, and remembers the soft
/// limit it had: spawn_process gives that one back to every process it starts, so an app sees
/// the limit it would have had without rein. The remembered value is kept in the environment
/// (REIND_APP_NOFILE) for an image exec'd by rein update, which passes `inherited` and restores
/// the original rather than the raised limit it inherits.
void raise_fd_limit(bool inherited);

/// Runs `argv` (stdout and stderr captured together) and waits at most `timeout_ms` for it to
/// end; returns what it printed when it exited with status 0, else an error naming why. Blocks
/// the caller: only for quick questions to a program (rein update asks the new reind).
Result<std::string> run_for_output(const std::vector<std::string>& argv, int timeout_ms);

/// Finds `name` in the colon-separated `path` when it has no '/'; returns it unchanged otherwise
/// or when nothing matches (exec then reports the error).
std::string find_executable(const std::string& name, const std::string& path);

/// Sends `sig` to every process of the group led by `pgid`; false when the group is empty.
bool signal_group(pid_t pgid, int sig);

/// True while any process of the group led by `pgid` is alive.
bool group_alive(pid_t pgid);

} // namespace rein::daemon
