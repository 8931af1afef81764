#include "cli/commands/redeploy.hpp"
#include "cli/commands/selector_command.hpp"

namespace rein::cli {

// rein restart <sel...> [--update-env] [--env P] [--only A,B]: stop+start, counted in restarts.
// With an ecosystem file, its current config is applied first (apps it adds are started).
Runner setup_restart(CLI::App& sub) {
    auto o = std::make_shared<RedeployOpts>();
    add_selectors(sub, o->selectors);
    add_redeploy_options(sub, *o);
    return [o](Context& ctx) { return run_redeploy(ctx, "restart", *o); };
}

} // namespace rein::cli
