#include "common/version.hpp"
#include "daemon/control/handlers/handler.hpp"
#include "daemon/reactor/clock.hpp"

#include <unistd.h>

namespace rein::daemon::handlers {

void ping(Context& ctx, const nlohmann::json&, const Responder& reply) {
    nlohmann::json result = {
        {"version", k_version},
        {"revision", revision()},
        {"pid", getpid()},
        {"uptime_ms", wall_ms() - ctx.started_wall},
        {"home", ctx.paths.home},
        {"updated_at", ctx.updated_wall ? nlohmann::json(ctx.updated_wall) : nlohmann::json()}};
    if (!ctx.metrics_address.empty()) result["metrics"] = ctx.metrics_address;
    reply.ok(std::move(result));
}

} // namespace rein::daemon::handlers
