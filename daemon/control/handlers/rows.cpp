#include "common/signals.hpp"

#include "daemon/control/handlers/handler.hpp"
#include "daemon/reactor/clock.hpp"

#include <unistd.h>

namespace rein::daemon {

nlohmann::json last_exit_text(const Instance& inst, const AppSpec& spec) {
    if (inst.last_run_ms < 0) return nullptr;
    std::string text = inst.exit_code ? "exited with code " + std::to_string(*inst.exit_code)
                       : inst.signal  ? "killed by " + signal_name(*inst.signal)
                                      : std::string("ended");
    text += " after " + std::to_string(inst.last_run_ms) + " ms";
    if (inst.last_exit_early)
        text += " (early: before min_uptime, " + std::to_string(spec.min_uptime_ms) + " ms)";
    return text;
}

nlohmann::json instance_row(Context& ctx, Instance& inst) {
    const App* app = ctx.registry.find_app(inst.app);
    const AppSpec& spec = app->spec;
    std::int64_t now = mono_ms();
    bool alive = inst.pid > 0;
    // The once-a-second samples; an instance started since the last one is sampled now.
    if (alive && inst.last_cpu_mono == 0) ctx.supervisor.sample(inst);
    double cpu = alive ? inst.cpu_percent : 0;
    std::uint64_t memory = alive ? inst.memory_bytes : 0;
    nlohmann::json row = {
        {"id", inst.id},
        {"name", spec.name},
        {"namespace", spec.namespace_name},
        {"instance", inst.index},
        {"exec_mode", to_string(spec.exec_mode)},
        {"pid", alive ? nlohmann::json(inst.pid) : nlohmann::json()},
        {"status", to_string(inst.status)},
        {"reloading", inst.replacing}, // a reload is starting this instance's successor
        {"restarts", inst.restarts},
        {"unstable_restarts", inst.history.unstable_restarts},
        {"uptime_ms", alive ? now - inst.started_mono : 0},
        {"created_at", inst.created_at_wall},
        {"cpu", double(int(cpu * 10 + 0.5)) / 10},
        {"memory", memory},
        {"exit_code", inst.exit_code ? nlohmann::json(*inst.exit_code) : nlohmann::json()},
        {"signal", inst.signal ? nlohmann::json(signal_name(*inst.signal)) : nlohmann::json()},
        {"script", spec.script},
        {"args", spec.args},
        {"cwd", spec.cwd},
        {"out_file", app->logs->out_path(inst.id)},
        {"error_file", app->logs->err_path(inst.id)},
        {"max_memory_restart",
         spec.max_memory_restart > 0 ? nlohmann::json(spec.max_memory_restart) : nlohmann::json()},
    };
    // A full disk holds the app's output (it blocks) rather than lose it: say so where users look.
    std::string log_problem = app->logs->problem();
    row["log_error"] = log_problem.empty() ? nlohmann::json() : nlohmann::json(log_problem);
    return row;
}

} // namespace rein::daemon
