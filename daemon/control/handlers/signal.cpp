#include "daemon/control/handlers/handler.hpp"

#include <csignal>

namespace rein::daemon::handlers {

// signal {selector, signal: number}: sends it to each running matched instance's group.
void signal(Context& ctx, const nlohmann::json& req, const Responder& reply) {
    int sig = strict_integer<int>(req.at("signal"), "signal");
    if (sig <= 0 || sig >= NSIG)
        return reply.fail(protocol::code::bad_request, "invalid signal number");
    auto ids = select_instances(ctx, req);
    if (!ids) return reply.fail(ids.error().code, ids.error().message);
    std::vector<int> sent;
    for (int id : *ids)
        if (ctx.supervisor.send_signal(id, sig)) sent.push_back(id);
    if (sent.empty()) return reply.fail(protocol::code::failed, "no matched process is running");
    reply.ok({{"signalled", sent}});
}

} // namespace rein::daemon::handlers
