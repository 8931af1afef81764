#include "daemon/control/handlers/handler.hpp"

namespace rein::daemon::handlers {

// kill: stop every app gracefully, reply, then end the daemon.
void kill(Context& ctx, const nlohmann::json&, const Responder& reply) {
    std::vector<int> ids;
    for (const auto& [id, inst] : ctx.registry.instances()) ids.push_back(id);
    auto done = make_barrier(ids.size(), [&ctx, reply, n = ids.size()] {
        reply.ok({{"stopped", n}});
        ctx.shutdown();
    });
    for (int id : ids) ctx.supervisor.stop(id, done);
}

} // namespace rein::daemon::handlers
