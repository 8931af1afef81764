#include "daemon/control/handlers/handler.hpp"

namespace rein::daemon::handlers {

// delete {selector}: stop, then forget; replies with the ids removed once all are down.
void remove(Context& ctx, const nlohmann::json& req, const Responder& reply) {
    auto ids = select_instances(ctx, req);
    if (!ids) return reply.fail(ids.error().code, ids.error().message);
    auto done = make_barrier(ids->size(), [ids = *ids, reply] { reply.ok({{"deleted", ids}}); });
    for (int id : *ids) {
        ctx.registry.retire(id);
        ctx.supervisor.remove(id, done);
    }
}

} // namespace rein::daemon::handlers
