#include "cli/commands/selector_command.hpp"
#include "common/ecosystem.hpp"

namespace rein::cli {

// rein restart <sel> [--update-env]: stop+start, counted in restarts. With an ecosystem file,
// its current config is applied first (apps it adds are started).
Runner setup_restart(CLI::App& sub) {
    struct Opts {
        std::string sel;
        bool update_env = false;
    };
    auto o = std::make_shared<Opts>();
    sub.add_option("selector", o->sel, "all, an id, a name, a namespace or an ecosystem file")
        ->required();
    sub.add_flag("--update-env", o->update_env, "replace the apps' base environment with this one");
    return [o](Context& ctx) {
        nlohmann::json extra = nlohmann::json::object();
        if (o->update_env) extra["env"] = current_env();
        if (!is_ecosystem_path(o->sel)) return run_selector_command(ctx, "restart", o->sel, extra);
        auto apps = load_ecosystem(o->sel, caller_load_options());
        if (!apps) return report(apps.error());
        extra.update(apps_request(*apps));
        auto client = ctx.connect();
        if (!client) return k_exit_failed;
        auto reply = client->call("restart", extra);
        if (!reply) return report(reply.error());
        return show_table(ctx, *client);
    };
}

} // namespace rein::cli
