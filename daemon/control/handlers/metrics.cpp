#include "daemon/control/handlers/handler.hpp"
#include "daemon/metrics/collect.hpp"

namespace rein::daemon::handlers {

// metrics: {"text": "<the exposition of /metrics>"}, whether or not the HTTP endpoint is on
// (node_exporter's textfile collector reads `rein metrics` output instead of a port).
void metrics(Context& ctx, const nlohmann::json&, const Responder& reply) {
    reply.ok({{"text", daemon::metrics::render(ctx)}});
}

} // namespace rein::daemon::handlers
