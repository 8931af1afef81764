#include "daemon/control/handlers/app_update.hpp"

namespace rein::daemon::handlers {

namespace {

// How many of the app's instances run (or wait to restart).
std::size_t running_count(Context& ctx, const App& app) {
    std::size_t n = 0;
    for (int id : app.instance_ids) {
        const Instance* inst = ctx.registry.find(id);
        n += is_running(inst->status) || inst->status == Status::waiting_restart;
    }
    return n;
}

} // namespace

// start {"apps": [AppSpec...]}: new apps are created and started (an app with autostart false
// is only registered). Apps of an ecosystem file (source_file set) that already run take the
// file's current config and restart, as PM2 does; a script's app whose instances all run is left
// as it is and reported "already_online". A stopped app takes the new config and starts.
// start {selector | selectors | names}: starts the matched instances that are not running
// (`rein start api` for an app that was stopped, as in PM2). `env` (--update-env) replaces the
// base environment of known apps.
void start(Context& ctx, const nlohmann::json& req, const Responder& reply) {
    if (!req.contains("apps")) {
        auto ids = select_instances(ctx, req);
        if (!ids) return reply.fail(ids.error().code, ids.error().message);
        for (int id : *ids) ctx.supervisor.start(id);
        return reply.ok({{"apps", nlohmann::json::array()}, {"rows", rows_of(ctx, *ids)}});
    }
    auto new_env = request_env(req);
    if (!new_env) return reply.fail(new_env.error().code, new_env.error().message);
    auto prepared = prepare_apps(ctx, req);
    if (!prepared) return reply.fail(prepared.error().code, prepared.error().message);

    nlohmann::json report = nlohmann::json::array();
    std::vector<PreparedApp> to_apply;
    std::vector<int> untouched;
    for (auto& p : *prepared) {
        const App* existing = ctx.registry.find_app(p.spec.name);
        const std::size_t running = existing ? running_count(ctx, *existing) : 0;
        std::string action = running                        ? "restarted"
                             : existing || p.spec.autostart ? "started"
                                                            : "stopped";
        if (existing && running == existing->instance_ids.size() && running > 0 &&
            p.spec.source_file.empty()) {
            report.push_back({{"name", p.spec.name}, {"action", "already_online"}});
            untouched.insert(untouched.end(), existing->instance_ids.begin(),
                             existing->instance_ids.end());
            continue;
        }
        report.push_back({{"name", p.spec.name}, {"action", action}});
        to_apply.push_back(std::move(p));
    }
    const AppliedApps applied = apply_apps(ctx, std::move(to_apply), *new_env);
    for (int id : applied.idle) ctx.supervisor.start(id);
    std::vector<int> ids = applied.all();
    ids.insert(ids.end(), untouched.begin(), untouched.end());
    auto done = make_barrier(applied.running.size(), [&ctx, report, ids, reply] {
        reply.ok({{"apps", report}, {"rows", rows_of(ctx, ids)}});
    });
    for (int id : applied.running) ctx.supervisor.restart(id, done);
}

} // namespace rein::daemon::handlers
