// Restart triggers: CPU and memory of every instance's process tree once a second and the
// memory limit that acts on them, cron_restart, and watch.
#include "common/cron.hpp"
#include "daemon/reactor/clock.hpp"
#include "daemon/supervision/proc_stats.hpp"
#include "daemon/supervision/supervisor.hpp"

#include <algorithm>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace rein::daemon {

void Supervisor::sample(Instance& inst) {
    if (inst.pid <= 0) return;
    static const long hz = sysconf(_SC_CLK_TCK);
    std::int64_t now = mono_ms();
    ProcSample s = sample_tree(inst.pid);
    inst.memory_bytes = s.rss_bytes;
    // Since the previous sample, or since the start for the first one. A child that exited
    // takes its ticks with it: a tree total below the last one reads as idle, not negative.
    std::int64_t since = inst.last_cpu_mono ? inst.last_cpu_mono : inst.started_mono;
    std::uint64_t base = inst.last_cpu_mono ? inst.last_cpu_ticks : 0;
    inst.cpu_percent = 0;
    if (s.cpu_ticks >= base) inst.counters.cpu_ticks_total += s.cpu_ticks - base;
    if (now > since && s.cpu_ticks >= base)
        inst.cpu_percent =
            double(s.cpu_ticks - base) * 1000.0 / double(hz) / double(now - since) * 100.0;
    inst.last_cpu_ticks = s.cpu_ticks;
    inst.last_cpu_mono = now;
}

void Supervisor::sample_all() {
    sample_slice(0, 1);
}

void Supervisor::sample_slice(int slice, int slices) {
    std::vector<int> over;
    for (auto& [id, inst] : m_registry.instances()) {
        if (inst.pid <= 0 || id % slices != slice) continue;
        sample(inst);
        const App* app = m_registry.find_app(inst.app);
        std::int64_t limit = app ? app->spec.max_memory_restart : 0;
        if (limit > 0 && inst.memory_bytes > std::uint64_t(limit) &&
            inst.status == Status::online && !inst.replacing && !inst.retired)
            over.push_back(id);
    }
    for (int id : over) {
        Instance* inst = m_registry.find(id);
        const App* app = inst ? m_registry.find_app(inst->app) : nullptr;
        if (!app) continue;
        spdlog::warn("{}[{}]: memory {:.1f} MiB is over max_memory_restart {:.1f} MiB: restarting",
                     inst->app, id, double(inst->memory_bytes) / 1048576.0,
                     double(app->spec.max_memory_restart) / 1048576.0);
        if (app->spec.exec_mode == ExecMode::cluster) {
            // A reload replaces the record: its duration is measured here, not on the instance.
            std::int64_t began = mono_ms();
            reload({id}, 1, [id, began, name = inst->app](const std::string& error) {
                if (!error.empty()) return spdlog::error("instance {}: {}", id, error);
                metrics::counters().restarts[{name, metrics::Trigger::memory}].observe(
                    double(mono_ms() - began) / 1000.0);
            });
        } else {
            restart(id, nullptr, metrics::Trigger::memory);
        }
    }
}

Result<std::shared_ptr<FileWatch>> Supervisor::make_watch(const AppSpec& s) {
    std::string name = s.name;
    auto watch = std::make_shared<FileWatch>(
        m_reactor, s.ignore_watch, s.watch_delay_ms, [this, name](const std::string& path, int n) {
            spdlog::info("{}: watch: {} change(s), first {}: restarting", name, n, path);
            restart_running(name, metrics::Trigger::watch);
        });
    // The app's own output never counts as a change of its code.
    for (const auto& own : {s.out_file, s.error_file, s.log_file, s.pid_file})
        if (!own.empty()) watch->ignore_path(own);
    for (const auto& root : s.watch)
        if (auto st = watch->add_tree(root); !st) return st.error();
    return watch;
}

void Supervisor::restart_running(const std::string& name, metrics::Trigger trigger) {
    App* app = m_registry.find_app(name);
    if (!app) return;
    for (int id : std::vector<int>(app->instance_ids))
        if (Instance* inst = m_registry.find(id); inst && inst->status != Status::stopped)
            restart(id, nullptr, trigger);
}

void Supervisor::schedule_cron(const std::string& name, std::time_t after) {
    App* app = m_registry.find_app(name);
    if (!app) return;
    if (app->cron_timer) m_reactor.cancel(app->cron_timer);
    app->cron_timer = 0;
    if (app->spec.cron_restart.empty()) return;
    auto cron = CronExpr::parse(app->spec.cron_restart);
    if (!cron) return; // validated on the way in; nothing to schedule
    std::int64_t now = wall_ms();
    // A timer may fire a moment before the wall clock reaches its minute (timers run on the
    // monotonic clock): `after` keeps the next match from being that same minute again.
    std::time_t at = cron->next_after(std::max(std::time_t(now / 1000), after));
    if (at < 0) return;
    std::string expr = app->spec.cron_restart;
    auto self = std::make_shared<Reactor::TimerId>(0);
    *self = m_reactor.after(std::int64_t(at) * 1000 - now, [this, name, expr, self, at] {
        App* a = m_registry.find_app(name);
        if (!a || a->cron_timer != *self) return; // the app went, or has a newer timer
        a->cron_timer = 0;
        spdlog::info("{}: cron_restart '{}': restarting", name, expr);
        restart_running(name, metrics::Trigger::cron);
        schedule_cron(name, at);
    });
    app->cron_timer = *self;
}

} // namespace rein::daemon
