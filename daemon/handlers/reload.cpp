#include "daemon/handlers/handler.hpp"

namespace rein::daemon::handlers {

// reload {selector | names}: zero-downtime rolling restart of cluster-mode instances, one at a
// time (fork mode: restart). Replies once every instance is replaced, or with the reason the
// reload stopped (the instances not yet replaced keep running).
void reload(Context& ctx, const nlohmann::json& req, const Responder& reply) {
    auto ids = select_instances(ctx, req);
    if (!ids) return reply.fail(ids.error().code, ids.error().message);
    ctx.supervisor.reload(*ids, [&ctx, reply](const std::string& error) {
        if (!error.empty()) return reply.fail(protocol::code::failed, error);
        nlohmann::json rows = nlohmann::json::array();
        for (auto& [id, inst] : ctx.registry.instances())
            if (!inst.retired) rows.push_back(instance_row(ctx, inst));
        reply.ok({{"rows", rows}});
    });
}

} // namespace rein::daemon::handlers
