// Saving the app set and bringing it back: save, resurrect.
#include "cli/command.hpp"

#include <iostream>

namespace rein::cli {

// rein save: writes every app's config, and whether it runs, to $REIN_HOME/dump.json.
Runner setup_save(CLI::App&) {
    return [](Context& ctx) {
        auto client = ctx.connect();
        if (!client) return k_exit_failed;
        auto reply = client->call("save");
        if (!reply) return report(reply.error());
        std::size_t n = reply->value("apps", std::size_t(0));
        std::cout << "saved " << n << (n == 1 ? " app" : " apps") << " to "
                  << reply->value("file", "") << "\n";
        return k_exit_ok;
    };
}

// rein resurrect: creates the saved apps the daemon does not have and starts those that were
// running when saved; apps of the same name already there are left as they are.
Runner setup_resurrect(CLI::App&) {
    return [](Context& ctx) {
        auto client = ctx.connect();
        if (!client) return k_exit_failed;
        auto reply = client->call("resurrect");
        if (!reply) return report(reply.error());
        if (reply->contains("warning"))
            std::cerr << "rein: " << reply->at("warning").get<std::string>() << "\n";
        for (const auto& a : reply->at("apps"))
            if (a.value("action", "") == "already_present")
                std::cerr << "rein: " << a.value("name", "")
                          << " is already present, left as it is\n";
        return show_table(ctx, *client);
    };
}

} // namespace rein::cli
