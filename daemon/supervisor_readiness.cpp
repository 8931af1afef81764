// Readiness (wait_ready) and zero-downtime reload: the part of the Supervisor that decides
// when an instance counts as serving.
#include "daemon/clock.hpp"
#include "daemon/readiness.hpp"
#include "daemon/supervisor.hpp"

#include <fstream>
#include <spdlog/spdlog.h>
#include <sstream>

namespace rein::daemon {

namespace {

pid_t parent_of(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return 0;
    auto close = line.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream rest(line.substr(close + 2));
    std::string state;
    pid_t ppid = 0;
    rest >> state >> ppid;
    return ppid;
}

} // namespace

void Supervisor::finish_launch(Instance& inst, bool ready) {
    if (inst.ready_timer) {
        m_reactor.cancel(inst.ready_timer);
        inst.ready_timer = 0;
    }
    if (ready && inst.status == Status::launching) inst.status = Status::online;
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

void Supervisor::reload(std::vector<int> ids, std::function<void(const std::string&)> done) {
    reload_step(std::make_shared<std::vector<int>>(std::move(ids)), 0, std::move(done));
}

void Supervisor::reload_step(std::shared_ptr<std::vector<int>> ids, std::size_t next,
                             std::function<void(const std::string&)> done) {
    if (next == ids->size()) return done("");
    auto go_on = [this, ids, next, done] { reload_step(ids, next + 1, done); };
    Instance* old = m_registry.find((*ids)[next]);
    App* app = old ? m_registry.find_app(old->app) : nullptr;
    if (!old || !app) return go_on();
    if (app->spec.exec_mode == ExecMode::fork || !is_running(old->status)) {
        // Nothing serving to keep up (fork mode, or not running): a plain restart.
        return restart(old->id, go_on);
    }
    Instance& fresh = m_registry.add_replacement(*app, old->id, wall_ms());
    int old_id = old->id, fresh_id = fresh.id;
    fresh.restarts = old->restarts + 1;
    (*ids)[next] = fresh_id; // the rows the reply shows
    fresh.on_ready.push_back([this, ids, next, done, go_on, old_id, fresh_id](bool ready) {
        if (!ready) {
            Instance* f = m_registry.find(fresh_id);
            std::string name = f ? f->app : "?";
            spdlog::error("{}: reload aborted: the new instance {} failed before it was ready",
                          name, fresh_id);
            (*ids)[next] = old_id;
            m_registry.retire(fresh_id);
            remove(fresh_id, nullptr);
            return done("reload of " + name +
                        " aborted: a new instance exited before it was "
                        "ready; the old instances keep serving");
        }
        m_registry.retire(old_id);
        remove(old_id, go_on);
    });
    spawn(fresh);
}

} // namespace rein::daemon
