#include "daemon/supervision/supervisor.hpp"

#include "common/signals.hpp"

#include "daemon/logs/output_capture.hpp"
#include "daemon/reactor/clock.hpp"
#include "daemon/supervision/child.hpp"
#include "daemon/supervision/identity.hpp"
#include "daemon/supervision/proc_state.hpp"
#include "daemon/supervision/readiness.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

namespace rein::daemon {

Supervisor::Done make_barrier(std::size_t count, Supervisor::Done done) {
    if (count == 0) {
        done();
        return [] {};
    }
    auto left = std::make_shared<std::size_t>(count);
    auto shared = std::make_shared<Supervisor::Done>(std::move(done));
    return [left, shared] {
        if (*left > 0 && --*left == 0) (*shared)();
    };
}

Supervisor::Supervisor(Reactor& reactor, Registry& registry, Paths paths)
    : m_reactor(reactor), m_registry(registry), m_paths(std::move(paths)) {}

Supervisor::~Supervisor() = default;

void Supervisor::schedule_restart(Instance& inst, std::int64_t delay_ms) {
    inst.status = Status::waiting_restart;
    m_registry.changed();
    if (inst.restart_timer) m_reactor.cancel(inst.restart_timer); // one pending start at most
    int id = inst.id;
    inst.restart_timer = m_reactor.after(delay_ms, [this, id] {
        Instance* i = m_registry.find(id);
        if (!i || i->status != Status::waiting_restart) return;
        i->restart_timer = 0;
        m_spawn_queue.push_back(id);
        if (!m_spawn_queued) {
            m_spawn_queued = true;
            m_reactor.after(0, [this] { spawn_queued(); });
        }
    });
}

void Supervisor::spawn_queued() {
    m_spawn_queued = false;
    // A fork costs a fraction of a millisecond (more on a busy machine): 200 instances crashing
    // at once would hold the loop for a good part of a second. Pipes, clients and signals get
    // their turn between slices.
    constexpr std::int64_t k_slice_us = 10000;
    std::int64_t start = mono_us();
    bool spawned = false;
    while (!m_spawn_queue.empty() && mono_us() - start < k_slice_us) {
        int id = m_spawn_queue.front();
        m_spawn_queue.pop_front();
        // Stopped, started by hand or deleted meanwhile, or waiting again (a newer timer).
        Instance* inst = m_registry.find(id);
        if (inst && inst->status == Status::waiting_restart && !inst->restart_timer) {
            if (inst->restart_counted_at_spawn) inst->restarts++;
            inst->restart_counted_at_spawn = false;
            spawn(*inst);
            spawned = true;
        }
    }
    // The slice's spawns are complete: their gates open now rather than a loop turn later.
    if (spawned) m_registry.commit_now();
    if (!m_spawn_queue.empty()) {
        m_spawn_queued = true;
        m_reactor.after(0, [this] { spawn_queued(); });
    }
}

void Supervisor::start(int id) {
    Instance* inst = m_registry.find(id);
    if (!inst || is_running(inst->status)) return;
    if (inst->restart_timer) {
        m_reactor.cancel(inst->restart_timer);
        inst->restart_timer = 0;
    }
    if (inst->status == Status::errored) inst->history = {};
    inst->restart_counted_at_spawn = false; // started by hand: not a restart
    inst->counters.pending = metrics::Trigger::none;
    spawn(*inst);
}

void Supervisor::stop(int id, Done done) {
    Instance* inst = m_registry.find(id);
    if (!inst) {
        if (done) done();
        return;
    }
    if (inst->restart_timer) {
        m_reactor.cancel(inst->restart_timer);
        inst->restart_timer = 0;
    }
    if (inst->status == Status::stopping) {
        if (done) inst->on_stopped.push_back(std::move(done));
        return;
    }
    if (inst->status == Status::launching) finish_launch(*inst, false);
    if (!is_running(inst->status)) {
        if (inst->status == Status::waiting_restart) {
            inst->status = Status::stopped;
            m_registry.changed();
            close_sockets_when_idle(inst->app);
        }
        inst->restart_counted_at_spawn = false;
        if (done) done();
        return;
    }
    const AppSpec& spec = m_registry.find_app(inst->app)->spec;
    inst->status = Status::stopping;
    m_registry.changed();
    if (done) inst->on_stopped.push_back(std::move(done));
    if (spec.shutdown_with_message && send_shutdown_message(inst->pid)) {
        // PM2's order: the message alone, then SIGKILL once kill_timeout has passed.
        spdlog::info("{}[{}]: stopping pid {} with the message 'shutdown'", inst->app, id,
                     inst->pid);
    } else if (!spec.treekill) {
        // PM2's treekill: false: the main process alone; its children are its business.
        spdlog::info("{}[{}]: stopping pid {} (not its children) with {}", inst->app, id, inst->pid,
                     signal_name(spec.kill_signal));
        ::kill(inst->pid, spec.kill_signal);
        ::kill(inst->pid, SIGCONT);
    } else {
        spdlog::info("{}[{}]: stopping pid {} with {}", inst->app, id, inst->pid,
                     signal_name(spec.kill_signal));
        signal_group(inst->pgid, spec.kill_signal);
        // SIGCONT too: a stopped (SIGSTOP) process would never act on the stop signal.
        signal_group(inst->pgid, SIGCONT);
        // Processes that left the group (setsid, setpgid) get the same, once each.
        gather_strays(*inst);
        signal_outside_group(inst->strays, inst->pgid, spec.kill_signal);
        signal_outside_group(inst->strays, inst->pgid, SIGCONT);
    }
    inst->kill_timer = m_reactor.after(spec.kill_timeout_ms, [this, id] { escalate(id); });
}

void Supervisor::escalate(int id) {
    Instance* inst = m_registry.find(id);
    if (!inst) return;
    inst->kill_timer = 0;
    if (inst->status != Status::stopping) return;
    spdlog::warn("{}[{}]: still running after kill_timeout, sending SIGKILL", inst->app, id);
    const App* app = m_registry.find_app(inst->app);
    if (app && !app->spec.treekill) {
        ::kill(inst->pid, SIGKILL); // the main process alone (treekill: false)
        return;
    }
    signal_group(inst->pgid, SIGKILL);
    gather_strays(*inst); // they may have forked meanwhile
    signal_outside_group(inst->strays, 0, SIGKILL);
    // The last of them are reaped by reap() (the daemon is their subreaper once their parents
    // are gone); nothing survives SIGKILL for long.
}

void Supervisor::gather_strays(Instance& inst) {
    std::vector<ProcId> found = process_tree(inst.pid);
    auto is_main = [this](pid_t pid) { return m_registry.find_by_pid(pid) != nullptr; };
    for (auto& p : inherited_processes(inst.id, is_main)) found.push_back(p);
    for (const auto& old : inst.strays)
        if (still_running(old)) found.push_back(old);
    inst.strays.clear();
    for (const auto& p : found) {
        if (p.pid == inst.pid || p.pgid == inst.pgid) continue; // the group is signalled whole
        bool dup = false;
        for (const auto& q : inst.strays) dup = dup || q.same_process(p);
        if (!dup) inst.strays.push_back(p);
    }
}

bool Supervisor::strays_alive(Instance& inst) {
    std::erase_if(inst.strays, [](const ProcId& p) { return !still_running(p); });
    return !inst.strays.empty();
}

void Supervisor::drain_output(int id) {
    std::vector<std::uint64_t> keys;
    for (const auto& [key, c] : m_captures)
        if (c.instance_id == id) keys.push_back(key);
    // drain() may reach EOF and erase its entry: look each one up again.
    for (auto key : keys)
        if (auto it = m_captures.find(key); it != m_captures.end()) it->second.capture->drain();
}

void Supervisor::drain_all_output() {
    std::vector<std::uint64_t> keys;
    for (const auto& [key, c] : m_captures) keys.push_back(key);
    for (auto key : keys)
        if (auto it = m_captures.find(key); it != m_captures.end()) it->second.capture->drain();
}

void Supervisor::finish_stop(Instance& inst) {
    // Whoever waits on this stop (a reply, a restart) sees the app's last lines in its files.
    drain_output(inst.id);
    if (inst.kill_timer) {
        m_reactor.cancel(inst.kill_timer);
        inst.kill_timer = 0;
    }
    inst.pgid = 0;
    inst.status = Status::stopped;
    m_registry.changed();
    spdlog::info("{}[{}]: stopped", inst.app, inst.id);
    close_sockets_when_idle(inst.app);
    auto callbacks = std::move(inst.on_stopped);
    inst.on_stopped.clear();
    // Callbacks may erase the instance: `inst` is not touched after this point.
    for (auto& cb : callbacks) cb();
}

void Supervisor::restart(int id, Done done, metrics::Trigger trigger) {
    if (Instance* inst = m_registry.find(id)) metrics::restart_began(inst->counters, trigger);
    stop(id, [this, id, done = std::move(done)] {
        if (Instance* inst = m_registry.find(id); inst && !is_running(inst->status)) {
            inst->restarts++;
            inst->history = {};
            spawn(*inst);
        }
        if (done) done();
    });
}

void Supervisor::remove(int id, Done done) {
    stop(id, [this, id, done = std::move(done)] {
        m_registry.erase(id);
        if (done) done();
    });
}

void Supervisor::reset(int id) {
    if (Instance* inst = m_registry.find(id)) {
        inst->restarts = 0;
        inst->history = {};
        // Out of the errored state: the counters that put it there are gone. It stays down
        // until started, as a stop would leave it.
        if (inst->status == Status::errored) inst->status = Status::stopped;
        m_registry.changed();
    }
}

bool Supervisor::send_signal(int id, int sig) {
    Instance* inst = m_registry.find(id);
    return inst && inst->pid && signal_group(inst->pid, sig);
}

bool Supervisor::tree_killed(const Instance& inst) {
    const App* app = m_registry.find_app(inst.app);
    return !app || app->spec.treekill;
}

void Supervisor::reap() {
    int status = 0;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        if (Instance* inst = m_registry.find_by_pid(pid)) on_exit(*inst, status);
    }
    finish_stops();
}

void Supervisor::finish_stops() {
    // A stop finishes once the main process and every group member are gone. An adopted
    // group's zombies are nobody's to reap here: they count as gone.
    std::vector<int> finished;
    bool adopted_waiting = false;
    for (auto& [id, inst] : m_registry.instances()) {
        if (inst.status != Status::stopping || inst.pid != 0) continue;
        bool alive = inst.adopted ? group_running(inst.pgid) : group_alive(inst.pgid);
        if (!tree_killed(inst) || (!alive && !strays_alive(inst)))
            finished.push_back(id);
        else if (inst.adopted)
            adopted_waiting = true;
    }
    for (int id : finished)
        if (Instance* inst = m_registry.find(id)) finish_stop(*inst);
    // No SIGCHLD tells of the end of processes that are not the daemon's children: look again.
    if (adopted_waiting && !m_stop_poll) {
        m_stop_poll = true;
        m_reactor.after(50, [this] {
            m_stop_poll = false;
            finish_stops();
        });
    }
}

void Supervisor::on_exit(Instance& inst, std::optional<int> wait_status) {
    App* app = m_registry.find_app(inst.app);
    RunEnd end;
    end.uptime_ms = mono_ms() - inst.started_mono;
    if (wait_status && WIFEXITED(*wait_status)) {
        inst.exit_code = WEXITSTATUS(*wait_status);
        end.exit_code = inst.exit_code;
    } else if (wait_status && WIFSIGNALED(*wait_status)) {
        inst.signal = WTERMSIG(*wait_status);
        end.signal = inst.signal;
    }
    if (auto it = m_pidfds.find(inst.pid); it != m_pidfds.end()) {
        m_reactor.remove(it->second.get());
        m_pidfds.erase(it);
    }
    m_channels.erase(inst.pid);
    m_registry.set_pid(inst, 0);
    // A reloaded process's pid file is its successor's now (the same index, the same path).
    if (auto pf = pid_file_for(app->spec, inst); !pf.empty() && !is_shadow(inst)) {
        auto identity = app_identity(app->spec);
        remove_pid_file(pf, identity && *identity ? &**identity : nullptr);
    }
    inst.last_run_ms = end.uptime_ms;
    inst.counters.last_exit = end.exit_code ? *end.exit_code : end.signal ? 128 + *end.signal : -1;
    // A run shorter than min_uptime that nobody asked to end: an app whose listen failed may
    // exit 0 with nothing in its error log, and this line is then the only trace.
    inst.last_exit_early =
        inst.status != Status::stopping && end.uptime_ms < app->spec.min_uptime_ms;
    std::string how = end.exit_code ? "code " + std::to_string(*end.exit_code)
                      : end.signal  ? signal_name(*end.signal)
                                    : std::string("status unknown: it was not the daemon's child");
    if (inst.last_exit_early)
        spdlog::warn("{}[{}]: exited ({}) after {} ms: early, before min_uptime ({} ms)", inst.app,
                     inst.id, how, end.uptime_ms, app->spec.min_uptime_ms);
    else
        spdlog::info("{}[{}]: exited ({}) after {} ms", inst.app, inst.id, how, end.uptime_ms);

    if (inst.status == Status::stopping) return; // reap() finishes it once the group is gone
    if (inst.status == Status::launching) {
        int id = inst.id;
        finish_launch(inst, false); // a reload waiting on it gives up (and may retire it)
        Instance* again = m_registry.find(id);
        if (!again) return;
        if (again->retired) {
            signal_group(again->pgid, SIGKILL);
            again->pgid = 0;
            again->status = Status::stopped;
            finish_stop(*again); // runs the remove() that retired it
            return;
        }
    }

    // The main process is gone on its own: like systemd, take its leftovers with it, those
    // that left its group included (treekill: false leaves them, as PM2 does).
    if (app->spec.treekill) {
        signal_group(inst.pgid, SIGKILL);
        gather_strays(inst);
        signal_outside_group(inst.strays, 0, SIGKILL);
    }
    inst.strays.clear();
    inst.pgid = 0;

    RestartDecision d = decide_restart(app->spec, inst.history, end);
    if (d.history.unstable_restarts > inst.history.unstable_restarts)
        ++inst.counters.unstable_restarts_total;
    inst.history = d.history;
    switch (d.action) {
    case RestartDecision::Action::stop:
        inst.status = Status::stopped;
        close_sockets_when_idle(inst.app);
        break;
    case RestartDecision::Action::error:
        inst.status = Status::errored;
        close_sockets_when_idle(inst.app);
        spdlog::warn("{}[{}]: errored after {} unstable restarts", inst.app, inst.id,
                     inst.history.unstable_restarts);
        break;
    case RestartDecision::Action::restart:
        // Counted when it happens (spawn_queued), as PM2 does: not while it waits out a delay.
        inst.restart_counted_at_spawn = true;
        metrics::restart_began(inst.counters, metrics::Trigger::crash);
        // The run's last lines go to the files now and its pipes close (the process is gone;
        // only a grandchild that left the group could still hold them): a crash loop holds two
        // pipes per instance, however busy the loop is.
        drain_output(inst.id);
        // Never spawned from here, even without a delay: reap() calls this for each exited
        // child in one go, and a fork per exit would keep it reaping children that exit
        // meanwhile, never back in the loop (no pipe read or closed, no client answered).
        schedule_restart(inst, std::max<std::int64_t>(d.delay_ms, 0));
        break;
    }
}

} // namespace rein::daemon
