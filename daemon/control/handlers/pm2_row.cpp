// PM2's shape of a process row (`pm_id`, `pm2_env`, `monit`), added beside rein's own keys so
// scripts written against `pm2 jlist` read rein's jlist unchanged.
#include "daemon/control/handlers/handler.hpp"

namespace rein::daemon {

namespace {

// PM2's status words: the same as rein's except the one with a space.
const char* pm2_status(Status s) {
    return s == Status::waiting_restart ? "waiting restart" : to_string(s);
}

} // namespace

void add_pm2_fields(Context& ctx, const Instance& inst, nlohmann::json& row) {
    const App* app = ctx.registry.find_app(inst.app);
    const AppSpec& spec = app->spec;
    // The app's own environment and what rein adds per instance; the environment inherited
    // from the shell that started it stays out (PM2 lists it too: it is most of a row's size).
    nlohmann::json env = spec.env;
    env["REIN_APP_NAME"] = spec.name;
    env["REIN_APP_ID"] = std::to_string(inst.id);
    env["REIN_APP_INSTANCE"] = std::to_string(inst.index);
    if (!spec.instance_var.empty()) env[spec.instance_var] = std::to_string(inst.index);
    auto path_or_null = [](const std::string& p) {
        return p.empty() ? nlohmann::json() : nlohmann::json(p);
    };
    row["pm_id"] = inst.id;
    row["monit"] = {{"memory", row.value("memory", 0ULL)}, {"cpu", row.value("cpu", 0.0)}};
    row["pm2_env"] = {
        {"name", spec.name},
        {"pm_id", inst.id},
        {"namespace", spec.namespace_name},
        {"status", pm2_status(inst.status)},
        {"restart_time", inst.restarts},
        {"unstable_restarts", inst.history.unstable_restarts},
        // The last start's time, as PM2 keeps it once the process is down.
        {"pm_uptime", inst.started_wall ? inst.started_wall : inst.created_at_wall},
        {"created_at", inst.created_at_wall},
        {"exec_mode", spec.exec_mode == ExecMode::cluster ? "cluster_mode" : "fork_mode"},
        {"instances", spec.instances},
        {"pm_exec_path", spec.script},
        {"pm_cwd", spec.cwd},
        {"args", spec.args},
        {"exec_interpreter", spec.interpreter.empty() ? "none" : spec.interpreter},
        {"node_args", spec.interpreter_args},
        {"pm_out_log_path", app->logs->out_path(inst.id)},
        {"pm_err_log_path", app->logs->err_path(inst.id)},
        {"pm_log_path", path_or_null(app->logs->combined_path(inst.id))},
        {"pm_pid_path", path_or_null(pid_file_for(spec, inst))},
        {"autorestart", spec.autorestart},
        {"autostart", spec.autostart},
        {"treekill", spec.treekill},
        {"watch", !spec.watch.empty()},
        {"instance_var", spec.instance_var},
        {"exit_code", inst.exit_code ? nlohmann::json(*inst.exit_code) : nlohmann::json()},
        {"env", std::move(env)},
        {"versioning", nullptr},
    };
    // PM2 keeps the instance index at the top of pm2_env too, as a number (scripts read
    // `pm2_env.NODE_APP_INSTANCE`).
    if (!spec.instance_var.empty()) row["pm2_env"][spec.instance_var] = inst.index;
}

} // namespace rein::daemon
