#include "cli/commands/selector_command.hpp"

namespace rein::cli {

// rein stop <sel>: graceful stop; returns once every matched process is gone.
Runner setup_stop(CLI::App& sub) {
    auto sel = std::make_shared<std::string>();
    sub.add_option("selector", *sel, "all, an id, a name, a namespace or an ecosystem file")
        ->required();
    return [sel](Context& ctx) { return run_selector_command(ctx, "stop", *sel); };
}

} // namespace rein::cli
