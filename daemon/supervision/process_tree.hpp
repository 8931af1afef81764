#pragma once
// Every process that belongs to an instance, including those that left its process group
// (setpgid, setsid) or lost their parent. A stop must end them all, or a daemonising grandchild
// outlives `stop`, `delete` and `kill`. Linux only: reads /proc.
#include <cstdint>
#include <functional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace rein::daemon {

/// A process as it was seen: pid plus its start time, so a reused pid is never mistaken for it.
struct ProcId {
    pid_t pid = 0;
    std::uint64_t start = 0; ///< start time in clock ticks since boot (/proc/PID/stat field 22)
    pid_t pgid = 0;          ///< its process group when it was seen
    bool same_process(const ProcId& o) const { return pid == o.pid && start == o.start; }
};

/// `pid` as it is now (start 0 when it is gone or a zombie).
ProcId proc_id_of(pid_t pid);

/// True while `p` runs (not exited, not a zombie, pid not reused).
bool still_running(const ProcId& p);

/// The first `cap` bytes of a /proc file ("" when it cannot be read).
std::string read_proc_text(const std::string& path, std::size_t cap);

/// The parent of `pid` (0 when it is gone).
pid_t parent_of(pid_t pid);

/// Appends the children of `pid` (of all its threads) to `out`, from /proc/PID/task/*/children.
void children_of(pid_t pid, std::vector<pid_t>& out);

/// `root` and its descendants, following /proc/PID/task/TID/children (bounded).
std::vector<ProcId> process_tree(pid_t root);

/// Tells whether a pid is an instance's main process.
using IsMain = std::function<bool(pid_t)>;

/// The daemon's own children that are not instance main processes and whose environment says
/// REIN_APP_ID=`id`, with their descendants: processes of instance `id` whose parent died and
/// that the daemon, as subreaper, inherited.
std::vector<ProcId> inherited_processes(int id, const IsMain& is_main);

/// Sends `sig` to each process of `procs` that still runs and is not in process group `pgid`
/// (which the caller signals as a whole: no process gets the signal twice).
void signal_outside_group(const std::vector<ProcId>& procs, pid_t pgid, int sig);

/// Every process the daemon inherited (its children that are not main processes), with their
/// descendants: what is left of apps when the daemon ends.
std::vector<ProcId> all_inherited(const IsMain& is_main);

} // namespace rein::daemon
