// rein metrics: prints the daemon's Prometheus exposition once (what GET /metrics answers), for
// node_exporter's textfile collector on hosts that do not want a port open. Works whether the
// HTTP endpoint is on or not.
#include "cli/command.hpp"

#include <iostream>

namespace rein::cli {

Runner setup_metrics(CLI::App&) {
    return [](Context& ctx) {
        auto client = ctx.connect();
        if (!client) return k_exit_failed;
        auto reply = client->call("metrics");
        if (!reply) return report(reply.error());
        std::cout << reply->value("text", "") << std::flush;
        return k_exit_ok;
    };
}

} // namespace rein::cli
