#include "daemon/control/handlers/handler.hpp"

namespace rein::daemon::handlers {

// stop {selector}: replies once every matched instance is down.
void stop(Context& ctx, const nlohmann::json& req, const Responder& reply) {
    auto ids = select_instances(ctx, req);
    if (!ids) return reply.fail(ids.error().code, ids.error().message);
    auto done = make_barrier(ids->size(), [&ctx, ids = *ids, reply] {
        reply.ok({{"rows", rows_of(ctx, ids)}});
    });
    // As PM2's stop: watching ends with it, until a start that asks for it again.
    for (int id : *ids)
        if (App* app = ctx.registry.find_app(ctx.registry.find(id)->app); app && app->watch) {
            app->watch.reset();
            app->spec.watch.clear();
        }
    for (int id : *ids) ctx.supervisor.stop(id, done);
}

} // namespace rein::daemon::handlers
