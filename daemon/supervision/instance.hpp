#pragma once
// Runtime state of apps and their instances (config lives in AppSpec, never here).
#include "common/app_spec.hpp"
#include "daemon/logs/app_logs.hpp"
#include "daemon/metrics/counters.hpp"
#include "daemon/reactor/reactor.hpp"
#include "daemon/sockets/listen_sockets.hpp"
#include "daemon/supervision/file_watch.hpp"
#include "daemon/supervision/process_tree.hpp"
#include "daemon/supervision/restart_policy.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace rein::daemon {

enum class Status { launching, online, stopping, stopped, errored, waiting_restart };

/// The contract's status names ("waiting_restart", ...).
const char* to_string(Status s);

/// True while a process of the instance exists or is being replaced.
inline bool is_running(Status s) {
    return s == Status::launching || s == Status::online || s == Status::stopping;
}

/// One running (or not) copy of an app: a row of the process table.
struct Instance {
    int id = 0;
    std::string app;        ///< owning app's name
    int index = 0;          ///< 0..instances-1 within the app
    bool retired = false;   ///< no longer counted by its app; erased once stopped
    bool replacing = false; ///< a reload is starting its successor (no other trigger applies)
    /// A hidden part of instance `shadow_of`'s reload: its successor until ready, then its
    /// predecessor until stopped. -1: an instance of its own (listed).
    int shadow_of = -1;

    pid_t pid = 0; ///< main process, 0 when none
    /// Serial of the current (or last) spawn, daemon-wide (Registry::next_run): names its
    /// pipes and channel in the holder (`out/<run>`, ...), so a restart never mixes them up.
    std::uint64_t run = 0;
    std::uint64_t proc_start = 0; ///< start time of `pid` (/proc/PID/stat field 22), 0: none
    /// Not the daemon's child (taken over from a daemon that died): its exit is seen through a
    /// pidfd, and its zombie is never reaped here.
    bool adopted = false;
    pid_t pgid = 0; ///< its process group while any member may live (outlives pid during stop)
    /// Its processes outside that group (setsid, setpgid) or inherited by the daemon, as last
    /// gathered by a stop or an exit: they are ended with it.
    std::vector<ProcId> strays;
    Status status = Status::stopped;
    int restarts = 0;
    /// waiting_restart after a crash: `restarts` grows when the spawn happens, not before.
    bool restart_counted_at_spawn = false;
    RestartHistory history;
    std::int64_t created_at_wall = 0;
    std::int64_t started_mono = 0;
    std::int64_t started_wall = 0;
    std::optional<int> exit_code;
    std::optional<int> signal;
    std::int64_t last_run_ms = -1; ///< how long the last run lasted; -1: none ended yet
    bool last_exit_early = false;  ///< it ended on its own within min_uptime

    Reactor::TimerId restart_timer = 0;
    Reactor::TimerId kill_timer = 0;
    Reactor::TimerId ready_timer = 0; ///< listen_timeout while launching
    std::string status_text;          ///< the app's own STATUS= (sd_notify)
    /// Called once the current launch ends: true when the instance became ready (READY=1,
    /// 'ready' or listen_timeout), false when it exited or was stopped first.
    std::vector<std::function<void(bool)>> on_ready;
    /// Called once the current stop has finished (the whole process group is gone).
    std::vector<std::function<void()>> on_stopped;

    // Resource samples (once a second while running; see Supervisor::sample).
    std::uint64_t last_cpu_ticks = 0; ///< CPU ticks of the process tree at the last sample
    std::int64_t last_cpu_mono = 0;   ///< when that was; 0: not sampled since it started
    double cpu_percent = 0;           ///< of one core, between the last two samples
    std::uint64_t memory_bytes = 0;   ///< resident memory of the process tree

    /// What /metrics counts beyond the above (not carried across rein update).
    metrics::InstanceCounters counters;
};

/// True for the process a reload is starting or stopping behind another instance's row.
inline bool is_shadow(const Instance& inst) {
    return inst.shadow_of >= 0;
}

/// An app: its spec, its shared log files, its listen sockets and its instances (by index).
struct App {
    AppSpec spec;
    std::shared_ptr<AppLogs> logs;
    std::shared_ptr<ListenSet> sockets; ///< null without `listen`
    Reactor::TimerId cron_timer = 0;    ///< the next cron_restart
    std::shared_ptr<FileWatch> watch;   ///< null without `watch`
    std::vector<int> instance_ids;
    int retiring = 0; ///< retired instances still stopping (the app outlives them)
    /// Sockets bound for the app's own bind() calls (bind hand-off); null until the first.
    std::shared_ptr<ListenSet> handed;
};

} // namespace rein::daemon
