#include "cli/commands/redeploy.hpp"
#include "cli/commands/selector_command.hpp"

namespace rein::cli {

// rein reload <sel...>: zero-downtime rolling restart in cluster mode; a restart in fork mode.
// With an ecosystem file its current config is applied first and apps it adds are started
// (`pm2 reload ecosystem.config.js --env production`, the standard deploy).
Runner setup_reload(CLI::App& sub) {
    auto o = std::make_shared<RedeployOpts>();
    o->parallel = 1;
    add_selectors(sub, o->selectors);
    add_redeploy_options(sub, *o);
    sub.add_option("--parallel", o->parallel, "instances replaced at once (default 1)")
        ->check(CLI::PositiveNumber);
    return [o](Context& ctx) { return run_redeploy(ctx, "reload", *o); };
}

} // namespace rein::cli
