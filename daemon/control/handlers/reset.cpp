#include "daemon/control/handlers/handler.hpp"

namespace rein::daemon::handlers {

// reset {selector}: zero restarts and unstable_restarts.
void reset(Context& ctx, const nlohmann::json& req, const Responder& reply) {
    auto ids = select_instances(ctx, req);
    if (!ids) return reply.fail(ids.error().code, ids.error().message);
    for (int id : *ids) ctx.supervisor.reset(id);
    reply.ok({{"rows", rows_of(ctx, *ids)}});
}

} // namespace rein::daemon::handlers
