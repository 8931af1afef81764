#include "daemon/handlers/app_update.hpp"

#include <algorithm>

namespace rein::daemon::handlers {

namespace {

void restart_ids(Context& ctx, const std::vector<int>& ids, const Responder& reply) {
    auto done = make_barrier(ids.size(), [&ctx, ids, reply] {
        reply.ok({{"rows", rows_of(ctx, ids)}});
    });
    for (int id : ids) ctx.supervisor.restart(id, done);
}

} // namespace

// restart {selector | names} [env]: stop+start each matched instance, counted in restarts.
// restart {apps: [AppSpec...]} (an ecosystem file): apply each app's current config first;
// apps not yet known are started. `env` (--update-env) replaces the base environment.
void restart(Context& ctx, const nlohmann::json& req, const Responder& reply) {
    std::optional<std::map<std::string, std::string>> new_env;
    if (req.contains("env")) new_env = req.at("env").get<std::map<std::string, std::string>>();
    if (new_env)
        for (const auto& [k, v] : *new_env)
            if (k.empty() || k.find_first_of(std::string("=\0", 2)) != std::string::npos ||
                v.find('\0') != std::string::npos)
                return reply.fail(protocol::code::bad_request,
                                  "\"env\" holds a bad variable name or a NUL character");

    if (req.contains("apps")) {
        auto prepared = prepare_apps(ctx, req);
        if (!prepared) return reply.fail(prepared.error().code, prepared.error().message);
        std::vector<int> ids, fresh;
        for (auto& p : *prepared) {
            const App* existing = ctx.registry.find_app(p.spec.name);
            std::vector<int> before = existing ? existing->instance_ids : std::vector<int>{};
            // The base environment is the creator's unless --update-env says otherwise.
            if (existing && !new_env) p.spec.base_env = existing->spec.base_env;
            for (int id : install_app(ctx, std::move(p))) {
                bool known = std::find(before.begin(), before.end(), id) != before.end();
                (known ? ids : fresh).push_back(id);
            }
        }
        for (int id : fresh) {
            const App* app = ctx.registry.find_app(ctx.registry.find(id)->app);
            if (app->spec.autostart) ctx.supervisor.start(id);
        }
        std::vector<int> all = ids;
        all.insert(all.end(), fresh.begin(), fresh.end());
        auto done = make_barrier(ids.size(), [&ctx, all, reply] {
            reply.ok({{"rows", rows_of(ctx, all)}});
        });
        for (int id : ids) ctx.supervisor.restart(id, done);
        return;
    }

    auto ids = select_instances(ctx, req);
    if (!ids) return reply.fail(ids.error().code, ids.error().message);
    if (new_env) {
        for (int id : *ids)
            if (App* app = ctx.registry.find_app(ctx.registry.find(id)->app))
                app->spec.base_env = *new_env;
    }
    restart_ids(ctx, *ids, reply);
}

} // namespace rein::daemon::handlers
