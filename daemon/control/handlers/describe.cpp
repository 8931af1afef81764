#include "daemon/control/handlers/handler.hpp"

namespace rein::daemon::handlers {

// describe {selector}: each instance's row plus its app's whole config and log paths.
void describe(Context& ctx, const nlohmann::json& req, const Responder& reply) {
    auto ids = select_instances(ctx, req);
    if (!ids) return reply.fail(ids.error().code, ids.error().message);
    nlohmann::json out = nlohmann::json::array();
    for (int id : *ids) {
        Instance* inst = ctx.registry.find(id);
        if (is_shadow(*inst)) continue; // part of another instance's row (reload)
        const App* app = ctx.registry.find_app(inst->app);
        nlohmann::json row = instance_row(ctx, *inst);
        nlohmann::json spec = app->spec;
        spec.erase("base_env"); // the creator's whole environment is noise here
        row["spec"] = spec;
        row["log_file"] = app->logs->combined_path(id);
        row["status_text"] = inst->status_text; // the app's own STATUS= (sd_notify)
        row["listen"] = nlohmann::json::array();
        for (const auto& l : app->spec.listen) row["listen"].push_back(l.address);
        // The sockets the daemon holds now, and how each was obtained.
        row["sockets"] = nlohmann::json::array();
        for (const auto& [set, how] : {std::pair{app->sockets.get(), "listen"},
                                       std::pair{app->handed.get(), "bind hand-off"}})
            for (std::size_t i = 0; set && i < set->specs.size(); ++i)
                row["sockets"].push_back({{"address", set->specs[i].address}, {"obtained", how}});
        row["started_at"] = inst->started_wall ? nlohmann::json(inst->started_wall) : nullptr;
        row["last_exit"] = last_exit_text(*inst, app->spec);
        out.push_back(row);
    }
    reply.ok({{"rows", out}});
}

} // namespace rein::daemon::handlers
