#include "common/version.hpp"
#include "daemon/control/handlers/handler.hpp"
#include "daemon/reactor/clock.hpp"

#include <unistd.h>

namespace rein::daemon::handlers {

void ping(Context& ctx, const nlohmann::json&, const Responder& reply) {
    reply.ok(
        {{"version", k_version},
         {"revision", revision()},
         {"pid", getpid()},
         {"uptime_ms", wall_ms() - ctx.started_wall},
         {"home", ctx.paths.home},
         {"updated_at", ctx.updated_wall ? nlohmann::json(ctx.updated_wall) : nlohmann::json()}});
}

} // namespace rein::daemon::handlers
