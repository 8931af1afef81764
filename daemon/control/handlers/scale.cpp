#include "daemon/control/handlers/app_update.hpp"

namespace rein::daemon::handlers {

// scale {name, instances: N} or {name, delta: +N|-N}: grows (new instances start at once) or
// shrinks (the highest instances stop gracefully) the app. Listen sockets stay as they are.
void scale(Context& ctx, const nlohmann::json& req, const Responder& reply) {
    const std::string& name = req.at("name").get_ref<const std::string&>();
    App* app = ctx.registry.find_app(name);
    if (!app) return reply.fail(protocol::code::not_found, "no app named '" + name + "'");
    long long target = req.contains("delta")
                           ? app->spec.instances + strict_integer<int>(req.at("delta"), "delta")
                           : strict_integer<int>(req.at("instances"), "instances");
    if (target < 1 || target > k_max_instances)
        return reply.fail(protocol::code::bad_request,
                          "an app runs 1.." + std::to_string(k_max_instances) +
                              " instances (use stop or delete for none), not " +
                              std::to_string(target));
    app->spec.instances = int(target);
    auto ids = resize_app(ctx, *app);
    for (int id : ids) ctx.supervisor.start(id);
    reply.ok({{"rows", rows_of(ctx, ids)}});
}

} // namespace rein::daemon::handlers
