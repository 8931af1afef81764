#include "daemon/control/handlers/handler.hpp"

namespace rein::daemon::handlers {

// list: every instance's row, ordered by id, with PM2's keys beside rein's (jlist). The process
// a reload is starting, or stopping, for an instance is part of that instance's row.
void list(Context& ctx, const nlohmann::json&, const Responder& reply) {
    nlohmann::json rows = nlohmann::json::array();
    for (auto& [id, inst] : ctx.registry.instances()) {
        if (is_shadow(inst)) continue;
        rows.push_back(instance_row(ctx, inst));
        add_pm2_fields(ctx, inst, rows.back());
    }
    reply.ok({{"rows", rows}});
}

} // namespace rein::daemon::handlers
