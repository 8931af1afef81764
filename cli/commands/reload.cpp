#include "cli/commands/selector_command.hpp"

namespace rein::cli {

// rein reload <sel>: zero-downtime rolling restart in cluster mode; a restart in fork mode.
Runner setup_reload(CLI::App& sub) {
    struct Opts {
        std::string sel;
        int parallel = 1;
    };
    auto o = std::make_shared<Opts>();
    sub.add_option("selector", o->sel, "all, an id, a name, a namespace or an ecosystem file")
        ->required();
    sub.add_option("--parallel", o->parallel, "instances replaced at once (default 1)")
        ->check(CLI::PositiveNumber);
    return [o](Context& ctx) {
        return run_selector_command(ctx, "reload", o->sel, {{"parallel", o->parallel}});
    };
}

} // namespace rein::cli
