#include "cli/commands/selector_command.hpp"

namespace rein::cli {

// rein reload <sel>: zero-downtime rolling restart in cluster mode; a restart in fork mode.
Runner setup_reload(CLI::App& sub) {
    auto sel = std::make_shared<std::string>();
    sub.add_option("selector", *sel, "all, an id, a name, a namespace or an ecosystem file")
        ->required();
    return [sel](Context& ctx) { return run_selector_command(ctx, "reload", *sel); };
}

} // namespace rein::cli
