#pragma once
// Applies lifecycle transitions: spawns instances, reaps them, runs the restart policy's
// decisions and graceful stops. The only user of child.hpp; handlers call it, never fork.
#include "common/paths.hpp"
#include "daemon/supervision/registry.hpp"

#include <ctime>
#include <deque>
#include <functional>
#include <memory>
#include <unordered_map>

namespace rein::daemon {

class OutputCapture;
struct Identity;
class NodeChannel;

/// An instance's output pipe that a new daemon image takes over (rein update).
struct CarriedPipe {
    int instance_id = 0;
    std::uint64_t run = 0; ///< the spawn it came from (0: the instance's current run)
    Stream stream = Stream::out;
    int fd = -1;
    std::string partial; ///< the unfinished line already read from it
};

/// An instance's Node IPC channel that a new daemon image takes over.
struct CarriedChannel {
    int instance_id = 0;
    std::uint64_t run = 0; ///< the spawn it came from
    int fd = -1;
};

class Supervisor {
  public:
    using Done = std::function<void()>;

    Supervisor(Reactor& reactor, Registry& registry, Paths paths);
    ~Supervisor();

    /// Starts the instance unless it is running. A manual start clears `errored`.
    void start(int id);
    /// Graceful stop: kill_signal to the group, SIGKILL after kill_timeout. `done` runs once no
    /// process of the instance is left (at once if none was running).
    void stop(int id, Done done);
    /// Stop then start, counted in `restarts`; clears errored and the unstable count. `done`
    /// runs once the new process is spawned. `trigger` labels its duration in /metrics.
    void restart(int id, Done done, metrics::Trigger trigger = metrics::Trigger::manual);
    /// Stop then forget the instance (and the app with its last instance).
    void remove(int id, Done done);
    /// Zeroes the restart counters; an errored instance becomes stopped.
    void reset(int id);

    /// Reaps every exited child (SIGCHLD). Also reaps orphaned grandchildren: the daemon is a
    /// child subreaper, so a stop can tell when the whole process group is gone.
    void reap();

    /// Commits every line still in any pipe (daemon shutdown: every process is gone).
    void drain_all_output();

    /// Sends a signal to the instance's process group (its main process leads it).
    bool send_signal(int id, int sig);

    /// (Re)arms the app's cron_restart timer from its spec (cancels it when there is none). At
    /// each match every instance that is not stopped restarts.
    void schedule_cron(const std::string& app, std::time_t after = 0);
    /// inotify on the spec's watch paths: a burst of changes restarts the app once, after
    /// watch_delay of quiet. Fails with one sentence (kernel limit, too many directories).
    Result<std::shared_ptr<FileWatch>> make_watch(const AppSpec& spec);
    /// Restarts every instance of the app that is not stopped (cron_restart, watch).
    void restart_running(const std::string& app, metrics::Trigger trigger);

    /// Samples CPU and memory of the instance's process tree (cpu_percent, memory_bytes).
    void sample(Instance& inst);
    /// Samples every running instance (once a second) and restarts, gracefully (rolling in
    /// cluster mode), each one whose tree is over its max_memory_restart.
    void sample_all();
    /// The same for the instances whose id is `slice` modulo `slices` (ids are >= 0): a loop
    /// turn then reads only that share of the process trees.
    void sample_slice(int slice, int slices);

    /// An sd_notify message from `sender` (the kernel vouches for the pid): it counts for the
    /// instance whose process is `sender` or one of its ancestors.
    void notify(pid_t sender, std::string_view message);

    /// Zero-downtime rolling restart of `ids`, `parallel` at a time: a replacement instance
    /// starts, becomes ready, then the old one is stopped. A replacement that exits before it is
    /// ready aborts the reload (no further instance is replaced; the old ones keep running).
    /// `done` gets "" or the reason.
    void reload(std::vector<int> ids, int parallel,
                std::function<void(const std::string& error)> done);

    /// True when no instance is launching, stopping or being replaced and no reload runs: the
    /// registry then holds each instance's whole state, with no callback waiting on it.
    bool settled() const;
    /// Calls `done(true)` once settled (looked at every 20 ms), or `done(false)` after
    /// `timeout_ms`.
    void when_settled(std::int64_t timeout_ms, std::function<void(bool)> done);

    /// What a new daemon image takes over besides the registry (rein update).
    std::vector<CarriedPipe> carried_pipes() const;
    std::vector<CarriedChannel> carried_channels() const;
    /// Takes over a pipe or a channel of an earlier image; the new object owns the fd.
    void adopt_pipe(const CarriedPipe& pipe);
    void adopt_channel(const CarriedChannel& channel);
    /// Milliseconds left before a waiting_restart instance starts again.
    std::optional<std::int64_t> restart_in_ms(int id) const;
    /// Re-arms the restart of a waiting_restart instance taken over from an earlier image.
    void resume_restart(int id, std::int64_t delay_ms);
    /// From now on every spawn waits at its gate (SpawnRequest::gate_fd) until
    /// release_gates(): the persisted state names a pid before its process runs the app.
    void enable_gates() { m_gated = true; }
    /// Lets every gated child exec (the state naming them was written).
    void release_gates();

    /// Takes over the live process of an instance a daemon that died had started (adoption):
    /// `pidfd` tells when it exits. The instance must be in the registry with its pid.
    void adopt_running(int id, UniqueFd pidfd);
    /// An instance of a daemon that died whose process is gone: its exit goes through the
    /// restart policy. `wait_status` as waitpid gives it, nothing when unknown (counted as a
    /// crash).
    void exited_meanwhile(int id, std::optional<int> wait_status);
    /// An adopted instance that was launching waits for its readiness again (notify socket,
    /// channel), online anyway after a whole listen_timeout.
    void resume_launch(int id);

    /// The environment the instance's process gets at its next spawn, as KEY=value strings
    /// (`rein env <id>`); an error when its user cannot be resolved.
    Result<std::vector<std::string>> instance_env(const Instance& inst) const;

  private:
    struct ReloadRun;
    /// Captures one output pipe of instance `id` into the app's files.
    void capture(int id, std::uint64_t run, std::shared_ptr<AppLogs> logs, UniqueFd fd,
                 Stream stream, std::string_view partial);
    /// The id an instance's row, log lines and environment show: a reload's successor shows
    /// the id it will take.
    static int shown_id(const Instance& inst) {
        return inst.shadow_of >= 0 ? inst.shadow_of : inst.id;
    }
    /// Serves the daemon's end of the Node IPC channel of the process `pid` (one run of an
    /// instance: a restart reuses the id, never the run).
    void open_channel(pid_t pid, std::uint64_t run, UniqueFd fd);
    /// Sends 'shutdown' over the run's Node IPC channel (shutdown_with_message); false when it
    /// has none or the message could not be written.
    bool send_shutdown_message(pid_t pid);
    /// waiting_restart, then a spawn after `delay_ms` (through the spawn queue).
    void schedule_restart(Instance& inst, std::int64_t delay_ms);
    /// Spawns the queued instances that still wait, for at most a slice of time, then leaves
    /// the rest to a later loop turn: a storm of restarts shares the loop with everything else.
    void spawn_queued();
    void reload_next(std::shared_ptr<ReloadRun> run);
    /// The supervisor's side of Registry::swap_ids: pipes follow their processes.
    void swap_run_ids(int a, int b);
    void spawn(Instance& inst);
    /// A spawn that could not happen; `why` says what failed. Short of a resource (descriptors,
    /// memory, processes), the instance waits and tries again on the restart policy's backoff
    /// for as long as the shortage lasts, logged once: that is not a run of the app, so it never
    /// counts as an unstable restart. Anything else leaves it errored.
    void spawn_failed(Instance& inst, const std::string& why, bool shortage);
    /// Ends a launch: online when `ready`, and runs the instance's on_ready callbacks.
    void finish_launch(Instance& inst, bool ready);
    /// The main process ended; `wait_status` as waitpid gives it, nothing when unknown (an
    /// adopted process reaped by someone else).
    void on_exit(Instance& inst, std::optional<int> wait_status);
    /// An adopted instance's pidfd became readable: its process ended.
    void adopted_exit(pid_t pid, std::uint64_t run);
    /// Finishes the stops whose processes are all gone (reap(), and polled for adopted ones,
    /// whose group members are not the daemon's children: no SIGCHLD tells of them).
    void finish_stops();
    void finish_stop(Instance& inst);
    /// True when a stop ends the instance's whole tree (treekill, the default), false when only
    /// its main process is the daemon's to end.
    bool tree_killed(const Instance& inst);
    void escalate(int id);
    /// Finds the instance's processes outside its group (inst.strays): its tree, what the
    /// daemon inherited of it, and earlier strays still running.
    void gather_strays(Instance& inst);
    /// Forgets strays that have ended; true while any runs.
    bool strays_alive(Instance& inst);
    /// Binds the app's `listen` sockets again when they were closed (every instance had
    /// stopped); "" or why that failed.
    std::string reopen_sockets(App& app);
    /// Closes the app's sockets (`listen` and bind hand-off) once no instance will accept any
    /// more, so clients are refused at once instead of waiting in a backlog nobody reads.
    /// Looked at after the current loop turn: a restart's stop then start keeps them.
    void close_sockets_when_idle(const std::string& app);
    std::vector<std::string> build_env(const App& app, const Instance& inst,
                                       const Identity* identity) const;

    Reactor& m_reactor;
    Registry& m_registry;
    Paths m_paths;
    /// Commits whatever the instance's pipes still hold (its processes are gone).
    void drain_output(int id);

    struct Capture {
        int instance_id;   ///< the record it belongs to (its lines are tagged with shown_id)
        std::uint64_t run; ///< the spawn whose pipe it reads
        std::unique_ptr<OutputCapture> capture;
    };
    std::unordered_map<std::uint64_t, Capture> m_captures;
    struct ChannelRun {
        std::uint64_t serial; ///< tells this run's channel from a later one of the same pid
        std::uint64_t run;    ///< the instance's run (holder key chan/<run>)
        std::unique_ptr<NodeChannel> channel;
    };
    std::unordered_map<pid_t, ChannelRun> m_channels; ///< by the main pid of the run
    std::uint64_t m_next_channel = 1;
    std::uint64_t m_next_capture = 1;
    /// Instances whose last spawn failed for a resource shortage: the wait before the next try.
    std::unordered_map<int, std::int64_t> m_shortage_retry_ms;
    /// Instances whose restart is due, oldest first (see spawn_queued); an id whose instance no
    /// longer waits is skipped.
    std::deque<int> m_spawn_queue;
    bool m_spawn_queued = false; ///< a spawn_queued() is scheduled
    int m_reloads = 0;           ///< reloads running
    bool m_gated = false;        ///< spawns wait at a gate (enable_gates)
    /// The gate of the children spawned since the last commit (both ends; invalid: none yet),
    /// and how many wait at it.
    UniqueFd m_gate_r, m_gate_w;
    std::size_t m_gated_children = 0;
    /// pidfds of adopted instances, by pid (a reload's swap moves records between ids).
    std::unordered_map<int, UniqueFd> m_pidfds;
    bool m_stop_poll = false; ///< a finish_stops() poll is scheduled (adopted groups)
};

/// The pid file of an instance: spec.pid_file, with -<index> before its extension when the
/// app has several instances (app.pid -> app-1.pid); empty when none.
std::string pid_file_for(const AppSpec& spec, const Instance& inst);

/// Calls `done` once `count` completions have been reported through the returned callable.
Supervisor::Done make_barrier(std::size_t count, Supervisor::Done done);

} // namespace rein::daemon
