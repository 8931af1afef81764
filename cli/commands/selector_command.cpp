#include "cli/commands/selector_command.hpp"

namespace rein::cli {

Runner setup_selector_verb(CLI::App& sub) {
    auto sel = std::make_shared<std::string>();
    sub.add_option("selector", *sel, "all, an id, a name, a namespace or an ecosystem file")
        ->required();
    std::string cmd = sub.get_name(); // "delete" for `del` too
    return [sel, cmd](Context& ctx) { return run_selector_command(ctx, cmd, *sel); };
}

int run_selector_command(Context& ctx, const std::string& cmd, const std::string& selector,
                         nlohmann::json extra) {
    auto params = selector_params(selector);
    if (!params) return report(params.error());
    params->update(extra);
    auto client = ctx.connect();
    if (!client) return k_exit_failed;
    auto reply = client->call(cmd, *params);
    if (!reply) return report(reply.error());
    return show_table(ctx, *client);
}

} // namespace rein::cli
