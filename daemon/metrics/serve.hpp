#pragma once
// Turns the /metrics endpoint on as `reind --metrics ADDR` or REIN_METRICS says (the flag wins),
// and puts the address bound back into REIN_METRICS: `rein update`'s next image reads it there
// and serves on the same address (port 0 included: the kernel's pick is kept).
#include "common/result.hpp"
#include "daemon/metrics/http_endpoint.hpp"

#include <memory>
#include <optional>
#include <string>

namespace rein::daemon {
struct Context;
}

namespace rein::daemon::metrics {

/// The endpoint serving `ctx`'s metrics, null when off; sets ctx.metrics_address. A bad address
/// or one that cannot be bound is one sentence naming it.
Result<std::unique_ptr<HttpEndpoint>> serve(Reactor& reactor, Context& ctx,
                                            const std::optional<std::string>& flag);

} // namespace rein::daemon::metrics
