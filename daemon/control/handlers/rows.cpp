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

RowSample write_instance_row(RowSink& out, Context& ctx, Instance& inst) {
    const App* app = ctx.registry.find_app(inst.app);
    const AppSpec& spec = app->spec;
    bool alive = inst.pid > 0;
    // The once-a-second samples; an instance started since the last one is sampled now.
    if (alive && inst.last_cpu_mono == 0) ctx.supervisor.sample(inst);
    RowSample sample{alive ? double(int(inst.cpu_percent * 10 + 0.5)) / 10 : 0.0,
                     alive ? inst.memory_bytes : 0};
    // In key order, the order they go out in (TextSink then has nothing to sort).
    out.strings("args", spec.args);
    out.real("cpu", sample.cpu);
    out.integer("created_at", inst.created_at_wall);
    out.string("cwd", spec.cwd);
    if (out.wants("error_file")) out.string("error_file", app->logs->err_path(inst.id));
    out.string("exec_mode", to_string(spec.exec_mode));
    inst.exit_code ? out.integer("exit_code", *inst.exit_code) : out.null("exit_code");
    out.integer("id", inst.id);
    out.integer("instance", inst.index);
    // A full disk holds the app's output (it blocks) rather than lose it: say so where users look.
    if (out.wants("log_error")) {
        std::string log_problem = app->logs->problem();
        log_problem.empty() ? out.null("log_error") : out.string("log_error", log_problem);
    }
    spec.max_memory_restart > 0 ? out.integer("max_memory_restart", spec.max_memory_restart)
                                : out.null("max_memory_restart");
    out.unsigned_integer("memory", sample.memory);
    out.string("name", spec.name);
    out.string("namespace", spec.namespace_name);
    if (out.wants("out_file")) out.string("out_file", app->logs->out_path(inst.id));
    alive ? out.integer("pid", inst.pid) : out.null("pid");
    out.boolean("reloading", inst.replacing); // a reload is starting this instance's successor
    out.integer("restarts", inst.restarts);
    out.string("script", spec.script);
    inst.signal ? out.string("signal", signal_name(*inst.signal)) : out.null("signal");
    out.string("status", to_string(inst.status));
    out.integer("unstable_restarts", inst.history.unstable_restarts);
    out.integer("uptime_ms", alive ? mono_ms() - inst.started_mono : 0);
    return sample;
}

nlohmann::json instance_row(Context& ctx, Instance& inst) {
    nlohmann::json row = nlohmann::json::object();
    TreeSink sink(row);
    write_instance_row(sink, ctx, inst);
    return row;
}

const std::vector<std::string_view>& list_row_keys() {
    static const std::vector<std::string_view> keys = {"args",
                                                       "created_at",
                                                       "cpu",
                                                       "cwd",
                                                       "error_file",
                                                       "exec_mode",
                                                       "exit_code",
                                                       "id",
                                                       "instance",
                                                       "log_error",
                                                       "max_memory_restart",
                                                       "memory",
                                                       "monit",
                                                       "name",
                                                       "namespace",
                                                       "out_file",
                                                       "pid",
                                                       "pm2_env",
                                                       "pm_id",
                                                       "reloading",
                                                       "restarts",
                                                       "script",
                                                       "signal",
                                                       "status",
                                                       "unstable_restarts",
                                                       "uptime_ms"};
    return keys;
}

} // namespace rein::daemon
