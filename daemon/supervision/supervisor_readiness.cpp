// Readiness (wait_ready) and zero-downtime reload: the part of the Supervisor that decides
// when an instance counts as serving.
#include "daemon/reactor/clock.hpp"
#include "daemon/supervision/process_tree.hpp"
#include "daemon/supervision/readiness.hpp"
#include "daemon/supervision/supervisor.hpp"

#include <algorithm>
#include <spdlog/spdlog.h>

namespace rein::daemon {

void Supervisor::finish_launch(Instance& inst, bool ready) {
    if (inst.ready_timer) {
        m_reactor.cancel(inst.ready_timer);
        inst.ready_timer = 0;
    }
    if (ready && inst.status == Status::launching) {
        inst.status = Status::online;
        metrics::came_online(inst.counters, inst.app);
    }
    m_registry.changed();
    auto callbacks = std::move(inst.on_ready);
    inst.on_ready.clear();
    for (auto& cb : callbacks) cb(ready); // may change or erase `inst`
}

void Supervisor::notify(pid_t sender, std::string_view message) {
    // The sender itself, or a process below it (a shell wrapper's child, a worker).
    Instance* inst = nullptr;
    for (pid_t p = sender; p > 1 && !inst; p = parent_of(p)) inst = m_registry.find_by_pid(p);
    if (!inst) return;
    auto fields = parse_notify(message);
    if (auto it = fields.find("STATUS"); it != fields.end()) inst->status_text = it->second;
    if (fields.count("STOPPING")) spdlog::info("{}[{}]: says it is stopping", inst->app, inst->id);
    if (fields["READY"] == "1" && inst->status == Status::launching) {
        spdlog::info("{}[{}]: ready", inst->app, inst->id);
        finish_launch(*inst, true);
    }
}

/// One reload in progress: the instances still to replace, shared by its parallel lanes.
struct Supervisor::ReloadRun {
    std::vector<int> ids;
    std::size_t next = 0;
    int active = 0; ///< lanes replacing an instance right now
    std::string error;
    std::function<void(const std::string&)> done;
};

void Supervisor::reload(std::vector<int> ids, int parallel,
                        std::function<void(const std::string&)> done) {
    auto run = std::make_shared<ReloadRun>();
    run->ids = std::move(ids);
    ++m_reloads;
    run->done = [this, done = std::move(done)](const std::string& error) {
        --m_reloads;
        if (done) done(error);
    };
    int lanes = std::max(1, std::min<int>(parallel, int(run->ids.size())));
    for (int i = 0; i < lanes; ++i) reload_next(run);
}

void Supervisor::reload_next(std::shared_ptr<ReloadRun> run) {
    if (!run->error.empty() || run->next == run->ids.size()) {
        // This lane is out of work; the last lane out reports.
        if (run->active == 0 && run->done) {
            auto done = std::move(run->done);
            run->done = nullptr;
            done(run->error);
        }
        return;
    }
    int old_id = run->ids[run->next++];
    ++run->active;
    auto lane_done = [this, run](const std::string& error) {
        --run->active;
        if (run->error.empty()) run->error = error;
        reload_next(run);
    };
    Instance* old = m_registry.find(old_id);
    App* app = old ? m_registry.find_app(old->app) : nullptr;
    if (!old || !app) return lane_done("");
    if (app->spec.exec_mode == ExecMode::fork ||
        (old->status != Status::online && old->status != Status::launching)) {
        // Nothing serving to keep up (fork mode, or not running, or on its way down): a plain
        // restart.
        return restart(old_id, [lane_done] { lane_done(""); });
    }
    old->replacing = true;
    // The successor runs under a hidden record until it is ready, then takes the old id (PM2's
    // pm_id stays across a reload) and the old process finishes under the hidden one.
    Instance& fresh = m_registry.add_replacement(*app, old_id, wall_ms());
    int fresh_id = fresh.id;
    fresh.shadow_of = old_id;
    fresh.restarts = old->restarts + 1;
    fresh.on_ready.push_back([this, lane_done, old_id, fresh_id](bool ready) {
        Instance* o = m_registry.find(old_id);
        // Stopped meanwhile (rein stop): the successor must not bring the id back up.
        if (!ready || !o || o->status == Status::stopping || o->status == Status::stopped) {
            Instance* f = m_registry.find(fresh_id);
            std::string name = f ? f->app : "?";
            if (o) o->replacing = false;
            m_registry.retire(fresh_id);
            remove(fresh_id, nullptr);
            if (ready) {
                spdlog::info("{}[{}]: stopped during its reload: not replaced", name, old_id);
                return lane_done("reload of " + name + " stopped: instance " +
                                 std::to_string(old_id) + " was stopped meanwhile");
            }
            spdlog::error("{}[{}]: reload aborted: its new process failed before it was ready",
                          name, old_id);
            return lane_done("reload of " + name +
                             " aborted: a new instance exited before it was ready; the old "
                             "instances keep serving");
        }
        m_registry.swap_ids(old_id, fresh_id);
        swap_run_ids(old_id, fresh_id);
        Instance* now = m_registry.find(old_id);
        Instance* before = m_registry.find(fresh_id);
        now->shadow_of = -1;
        before->shadow_of = old_id;
        before->replacing = false;
        spdlog::info("{}[{}]: reloaded: pid {} serves, pid {} stops", now->app, old_id, now->pid,
                     before->pid);
        m_registry.retire(fresh_id);
        remove(fresh_id, [lane_done] { lane_done(""); });
    });
    spawn(fresh);
}

} // namespace rein::daemon
