#include "daemon/metrics/serve.hpp"

#include "daemon/control/handlers/handler.hpp"
#include "daemon/metrics/address.hpp"
#include "daemon/metrics/collect.hpp"

#include <cstdlib>
#include <spdlog/spdlog.h>

namespace rein::daemon::metrics {

Result<std::unique_ptr<HttpEndpoint>> serve(Reactor& reactor, Context& ctx,
                                            const std::optional<std::string>& flag) {
    const char* env = std::getenv("REIN_METRICS");
    std::string value = flag ? *flag : env ? env : "";
    auto addr = parse_address(value);
    if (!addr)
        return make_error(addr.error().code,
                          (flag ? "--metrics: " : "REIN_METRICS: ") + addr.error().message);
    std::unique_ptr<HttpEndpoint> endpoint;
    if (*addr) {
        endpoint = std::make_unique<HttpEndpoint>(reactor, [&ctx] { return render(ctx); });
        if (auto s = endpoint->listen(**addr); !s) return s.error();
        ctx.metrics_address = endpoint->address();
        spdlog::info("metrics: serving http://{}/metrics", ctx.metrics_address);
    }
    // What this image serves is what the next one (rein update) serves: off stays off too.
    setenv("REIN_METRICS", endpoint ? ctx.metrics_address.c_str() : "off", 1);
    return endpoint;
}

} // namespace rein::daemon::metrics
