// PM2's shape of a process row (`pm_id`, `pm2_env`, `monit`), added beside rein's own keys so
// scripts written against `pm2 jlist` read rein's jlist unchanged.
#include "daemon/control/handlers/handler.hpp"

namespace rein::daemon {

namespace {

// PM2's status words: the same as rein's except the one with a space.
const char* pm2_status(Status s) {
    return s == Status::waiting_restart ? "waiting restart" : to_string(s);
}

void path_or_null(RowSink& out, std::string_view key, const std::string& path) {
    path.empty() ? out.null(key) : out.string(key, path);
}

} // namespace

void write_pm2_fields(RowSink& out, Context& ctx, const Instance& inst, const RowSample& sample) {
    const App* app = ctx.registry.find_app(inst.app);
    const AppSpec& spec = app->spec;
    // In key order, the order they go out in (TextSink then has nothing to sort).
    if (out.wants("monit")) {
        out.begin_object("monit");
        out.real("cpu", sample.cpu);
        out.unsigned_integer("memory", sample.memory);
        out.end_object();
    }
    out.integer("pm_id", inst.id);
    if (!out.wants("pm2_env")) return;
    out.begin_object("pm2_env");
    out.strings("args", spec.args);
    out.boolean("autorestart", spec.autorestart);
    out.boolean("autostart", spec.autostart);
    out.integer("created_at", inst.created_at_wall);
    // The app's own environment and what rein adds per instance; the environment inherited
    // from the shell that started it stays out (PM2 lists it too: it is most of a row's size).
    out.begin_object("env");
    for (const auto& [key, value] : spec.env) out.string(key, value);
    out.string("REIN_APP_NAME", spec.name);
    out.string("REIN_APP_ID", std::to_string(inst.id));
    out.string("REIN_APP_INSTANCE", std::to_string(inst.index));
    if (!spec.instance_var.empty()) out.string(spec.instance_var, std::to_string(inst.index));
    out.end_object();
    out.string("exec_interpreter", spec.interpreter.empty() ? "none" : spec.interpreter);
    out.string("exec_mode", spec.exec_mode == ExecMode::cluster ? "cluster_mode" : "fork_mode");
    inst.exit_code ? out.integer("exit_code", *inst.exit_code) : out.null("exit_code");
    out.string("instance_var", spec.instance_var);
    out.integer("instances", spec.instances);
    out.string("name", spec.name);
    out.string("namespace", spec.namespace_name);
    out.strings("node_args", spec.interpreter_args);
    out.string("pm_cwd", spec.cwd);
    out.string("pm_err_log_path", app->logs->err_path(inst.id));
    out.string("pm_exec_path", spec.script);
    out.integer("pm_id", inst.id);
    path_or_null(out, "pm_log_path", app->logs->combined_path(inst.id));
    out.string("pm_out_log_path", app->logs->out_path(inst.id));
    path_or_null(out, "pm_pid_path", pid_file_for(spec, inst));
    // The last start's time, as PM2 keeps it once the process is down.
    out.integer("pm_uptime", inst.started_wall ? inst.started_wall : inst.created_at_wall);
    out.integer("restart_time", inst.restarts);
    out.string("status", pm2_status(inst.status));
    out.boolean("treekill", spec.treekill);
    out.integer("unstable_restarts", inst.history.unstable_restarts);
    out.null("versioning");
    out.boolean("watch", !spec.watch.empty());
    // PM2 keeps the instance index at the top of pm2_env too, as a number (scripts read
    // `pm2_env.NODE_APP_INSTANCE`).
    if (!spec.instance_var.empty()) out.integer(spec.instance_var, inst.index);
    out.end_object();
}

} // namespace rein::daemon
