#include "daemon/handlers/handler.hpp"

#include <algorithm>

namespace rein::daemon::handlers {

// reload {selector | names, parallel?: N}: zero-downtime rolling restart of cluster-mode
// instances, N at a time (default 1; fork mode: restart). Replies once every instance is replaced,
// or with the reason the reload stopped (the instances not yet replaced keep running).
void reload(Context& ctx, const nlohmann::json& req, const Responder& reply) {
    auto ids = select_instances(ctx, req);
    if (!ids) return reply.fail(ids.error().code, ids.error().message);
    long long parallel = field_or<long long>(req, "parallel", 1);
    if (parallel < 1) return reply.fail(protocol::code::bad_request, "\"parallel\" must be >= 1");
    ctx.supervisor.reload(*ids, int(std::min(parallel, 4096LL)),
                          [&ctx, reply](const std::string& error) {
                              if (!error.empty()) return reply.fail(protocol::code::failed, error);
                              nlohmann::json rows = nlohmann::json::array();
                              for (auto& [id, inst] : ctx.registry.instances())
                                  if (!inst.retired && !is_shadow(inst))
                                      rows.push_back(instance_row(ctx, inst));
                              reply.ok({{"rows", rows}});
                          });
}

} // namespace rein::daemon::handlers
