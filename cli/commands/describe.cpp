#include "cli/command.hpp"
#include "cli/render/table.hpp"

#include <iostream>

namespace rein::cli {

// rein describe <sel> (alias show): everything about the matched instances.
Runner setup_describe(CLI::App& sub) {
    auto sel = std::make_shared<std::string>();
    sub.add_option("selector", *sel, "all, an id, a name, a namespace or an ecosystem file")
        ->required();
    return [sel](Context& ctx) {
        auto params = selector_params(*sel);
        if (!params) return report(params.error());
        auto client = ctx.connect();
        if (!client) return k_exit_failed;
        auto reply = client->call("describe", *params);
        if (!reply) return report(reply.error());
        std::cout << render::describe_blocks(reply->at("rows"), ctx.color);
        return k_exit_ok;
    };
}

} // namespace rein::cli
