#include "daemon/control/handlers/app_update.hpp"

namespace rein::daemon::handlers {

// restart {selector | selectors | names} [env]: stop+start each matched instance, counted in
// restarts. restart {apps: [AppSpec...]} (an ecosystem file): apply each app's current config
// first; apps not yet known, and instances not running, are started. `env` (--update-env)
// replaces the base environment.
void restart(Context& ctx, const nlohmann::json& req, const Responder& reply) {
    auto new_env = request_env(req);
    if (!new_env) return reply.fail(new_env.error().code, new_env.error().message);

    if (req.contains("apps")) {
        auto applied = apply_request(ctx, req, *new_env);
        if (!applied) return reply.fail(applied.error().code, applied.error().message);
        auto done = make_barrier(applied->running.size(), [&ctx, all = applied->all(), reply] {
            reply.ok({{"rows", rows_of(ctx, all)}});
        });
        for (int id : applied->running) ctx.supervisor.restart(id, done);
        return;
    }

    auto ids = select_instances(ctx, req);
    if (!ids) return reply.fail(ids.error().code, ids.error().message);
    if (*new_env) set_base_env(ctx, *ids, **new_env);
    auto done = make_barrier(ids->size(), [&ctx, ids = *ids, reply] {
        reply.ok({{"rows", rows_of(ctx, ids)}});
    });
    for (int id : *ids) ctx.supervisor.restart(id, done);
}

} // namespace rein::daemon::handlers
