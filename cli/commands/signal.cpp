#include "cli/command.hpp"
#include "common/signals.hpp"

#include <iostream>

namespace rein::cli {

// rein signal <SIGNAME> <sel> (alias sendSignal): the signal goes to each instance's group.
Runner setup_signal(CLI::App& sub) {
    struct Opts {
        std::string signal, sel;
    };
    auto o = std::make_shared<Opts>();
    sub.add_option("signal", o->signal, "SIGUSR2, USR2 or a number")->required();
    sub.add_option("selector", o->sel, "all, an id, a name, a namespace or an ecosystem file")
        ->required();
    return [o](Context& ctx) {
        auto sig = parse_signal(o->signal);
        if (!sig) {
            std::cerr << "rein: " << sig.error().message << "\n";
            return k_exit_usage;
        }
        auto params = selector_params(o->sel);
        if (!params) return report(params.error());
        (*params)["signal"] = *sig;
        auto client = ctx.connect();
        if (!client) return k_exit_failed;
        auto reply = client->call("signal", *params);
        if (!reply) return report(reply.error());
        std::cerr << "rein: sent " << signal_name(*sig) << " to " << reply->at("signalled").size()
                  << " instance(s)\n";
        return k_exit_ok;
    };
}

} // namespace rein::cli
