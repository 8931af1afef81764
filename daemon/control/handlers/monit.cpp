#include "daemon/control/handlers/handler.hpp"

namespace rein::daemon::handlers {

// monit {}: the dashboard's feed on one connection. Right away and then every second (from the
// daemon's sampling tick) a `rows` event with every instance's row; every log line as a `line`
// event (a follower of all apps, skipped ahead when it falls behind). The same connection may
// carry requests (restart, stop, ...) meanwhile.
void monit(Context& ctx, const nlohmann::json&, const Responder& reply) {
    if (!ctx.log_hub.has_room())
        return reply.fail(protocol::code::busy, "the daemon serves at most " +
                                                    std::to_string(k_max_followers) +
                                                    " live followers at once");
    reply.streaming();
    nlohmann::json rows = nlohmann::json::array();
    for (auto& [id, inst] : ctx.registry.instances())
        if (!inst.retired && !is_shadow(inst)) rows.push_back(instance_row(ctx, inst));
    reply.event({{"event", "rows"}, {"rows", rows}});
    ctx.monitors.push_back(reply);
    LogFilter all;
    all.all = true;
    ctx.log_hub.subscribe(all, reply);
}

void feed_monitors(Context& ctx) {
    std::erase_if(ctx.monitors, [](const Responder& r) { return !r.connected(); });
    if (ctx.monitors.empty()) return;
    nlohmann::json rows = nlohmann::json::array();
    for (auto& [id, inst] : ctx.registry.instances())
        if (!inst.retired && !is_shadow(inst)) rows.push_back(instance_row(ctx, inst));
    nlohmann::json ev = {{"event", "rows"}, {"rows", rows}};
    for (const auto& m : ctx.monitors)
        if (m.queued_bytes() < k_follower_backlog) m.event(ev); // a stalled screen skips a tick
}

} // namespace rein::daemon::handlers
