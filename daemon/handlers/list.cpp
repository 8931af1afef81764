#include "daemon/handlers/handler.hpp"

namespace rein::daemon::handlers {

// list: every instance's row, ordered by id.
void list(Context& ctx, const nlohmann::json&, const Responder& reply) {
    nlohmann::json rows = nlohmann::json::array();
    for (auto& [id, inst] : ctx.registry.instances()) rows.push_back(instance_row(ctx, inst));
    reply.ok({{"rows", rows}});
}

} // namespace rein::daemon::handlers
