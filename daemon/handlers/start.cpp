#include "daemon/handlers/app_update.hpp"

namespace rein::daemon::handlers {

// start {"apps": [AppSpec...]}: new apps are created and started; an app whose instances all
// run is left as it is and reported; a stopped app takes the new config and starts (unless its
// autostart is false: it is then registered, or updated, stopped).
// start {selector | names}: starts the matched instances that are not running (`rein start api`
// for an app that was stopped, as in PM2).
void start(Context& ctx, const nlohmann::json& req, const Responder& reply) {
    if (!req.contains("apps")) {
        auto ids = select_instances(ctx, req);
        if (!ids) return reply.fail(ids.error().code, ids.error().message);
        for (int id : *ids) ctx.supervisor.start(id);
        return reply.ok({{"apps", nlohmann::json::array()}, {"rows", rows_of(ctx, *ids)}});
    }
    auto prepared = prepare_apps(ctx, req);
    if (!prepared) return reply.fail(prepared.error().code, prepared.error().message);

    nlohmann::json report = nlohmann::json::array();
    std::vector<int> ids;
    for (auto& p : *prepared) {
        std::string name = p.spec.name;
        const App* existing = ctx.registry.find_app(name);
        std::vector<int> app_ids;
        std::string action = "started";
        if (existing) {
            bool all_running = true, any_running = false;
            for (int id : existing->instance_ids) {
                bool running = is_running(ctx.registry.find(id)->status) ||
                               ctx.registry.find(id)->status == Status::waiting_restart;
                all_running = all_running && running;
                any_running = any_running || running;
            }
            if (all_running) {
                action = "already_online";
                app_ids = existing->instance_ids;
            } else if (any_running) {
                // Partly running: start the rest with the config they already have.
                app_ids = existing->instance_ids;
            }
        }
        // autostart: false registers the app stopped; `rein start <name>` starts it.
        if (!p.spec.autostart && action == "started") action = "stopped";
        if (app_ids.empty()) app_ids = install_app(ctx, std::move(p));
        if (action == "started")
            for (int id : app_ids) ctx.supervisor.start(id);
        report.push_back({{"name", name}, {"action", action}});
        ids.insert(ids.end(), app_ids.begin(), app_ids.end());
    }
    reply.ok({{"apps", report}, {"rows", rows_of(ctx, ids)}});
}

} // namespace rein::daemon::handlers
