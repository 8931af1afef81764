#include "cli/commands/selector_command.hpp"

namespace rein::cli {

// rein delete <sel> (alias del): stop, then forget.
Runner setup_delete(CLI::App& sub) {
    auto sel = std::make_shared<std::string>();
    sub.add_option("selector", *sel, "all, an id, a name, a namespace or an ecosystem file")
        ->required();
    return [sel](Context& ctx) { return run_selector_command(ctx, "delete", *sel); };
}

} // namespace rein::cli
