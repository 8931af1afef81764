#include "daemon/clock.hpp"
#include "daemon/handlers/handler.hpp"
#include "daemon/proc_stats.hpp"

#include <unistd.h>

namespace rein::daemon {

namespace {

std::string signal_name_of(int sig) {
    const char* abbrev = sigabbrev_np(sig);
    return abbrev ? std::string("SIG") + abbrev : "SIG" + std::to_string(sig);
}

} // namespace

nlohmann::json instance_row(Context& ctx, Instance& inst) {
    const App* app = ctx.registry.find_app(inst.app);
    const AppSpec& spec = app->spec;
    std::int64_t now = mono_ms();
    double cpu = 0;
    std::uint64_t memory = 0;
    bool alive = inst.pid > 0;
    if (alive) {
        ProcSample s = sample_tree(inst.pid);
        memory = s.rss_bytes;
        static const long hz = sysconf(_SC_CLK_TCK);
        // Since the previous sample, or since the start for the first one.
        std::int64_t since = inst.last_cpu_mono ? inst.last_cpu_mono : inst.started_mono;
        std::uint64_t base = inst.last_cpu_mono ? inst.last_cpu_ticks : 0;
        if (now > since && s.cpu_ticks >= base)
            cpu = double(s.cpu_ticks - base) * 1000.0 / double(hz) / double(now - since) * 100.0;
        inst.last_cpu_ticks = s.cpu_ticks;
        inst.last_cpu_mono = now;
    }
    nlohmann::json row = {
        {"id", inst.id},
        {"name", spec.name},
        {"namespace", spec.namespace_name},
        {"instance", inst.index},
        {"exec_mode", to_string(spec.exec_mode)},
        {"pid", alive ? nlohmann::json(inst.pid) : nlohmann::json()},
        {"status", to_string(inst.status)},
        {"restarts", inst.restarts},
        {"unstable_restarts", inst.history.unstable_restarts},
        {"uptime_ms", alive ? now - inst.started_mono : 0},
        {"created_at", inst.created_at_wall},
        {"cpu", double(int(cpu * 10 + 0.5)) / 10},
        {"memory", memory},
        {"exit_code", inst.exit_code ? nlohmann::json(*inst.exit_code) : nlohmann::json()},
        {"signal", inst.signal ? nlohmann::json(signal_name_of(*inst.signal)) : nlohmann::json()},
        {"script", spec.script},
        {"args", spec.args},
        {"cwd", spec.cwd},
        {"out_file", app->logs->out_path()},
        {"error_file", app->logs->err_path()},
        {"max_memory_restart", nullptr},
    };
    return row;
}

} // namespace rein::daemon
