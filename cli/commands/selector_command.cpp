#include "cli/commands/selector_command.hpp"

namespace rein::cli {

void add_selectors(CLI::App& sub, std::vector<std::string>& into) {
    sub.add_option("selector", into, k_selector_help)->required()->expected(1, -1);
}

Runner setup_selector_verb(CLI::App& sub) {
    auto sel = std::make_shared<std::vector<std::string>>();
    add_selectors(sub, *sel);
    std::string cmd = sub.get_name(); // "delete" for `del` too
    return [sel, cmd](Context& ctx) { return run_selector_command(ctx, cmd, *sel); };
}

int run_selector_command(Context& ctx, const std::string& cmd,
                         const std::vector<std::string>& selectors, nlohmann::json extra) {
    auto params = selector_params(selectors);
    if (!params) return report(params.error());
    params->update(extra);
    auto client = ctx.connect();
    if (!client) return k_exit_failed;
    auto reply = client->call(cmd, *params);
    if (!reply) return report(reply.error());
    return show_table(ctx, *client);
}

} // namespace rein::cli
