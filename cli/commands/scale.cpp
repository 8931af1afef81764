#include "cli/command.hpp"

#include <charconv>
#include <iostream>

namespace rein::cli {

// rein scale <name> <N|+N|-N>: set, or change by N, the number of instances.
Runner setup_scale(CLI::App& sub) {
    struct Opts {
        std::string name, count;
    };
    auto o = std::make_shared<Opts>();
    sub.add_option("name", o->name, "the app")->required();
    sub.add_option("count", o->count, "N instances, or +N / -N more or fewer")->required();
    return [o](Context& ctx) {
        std::string_view digits = o->count;
        bool relative = !digits.empty() && (digits[0] == '+' || digits[0] == '-');
        if (relative) digits.remove_prefix(1);
        long long n = 0;
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
        if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
            std::cerr << "rein: scale takes N, +N or -N, not '" << o->count << "'\n";
            return k_exit_usage;
        }
        nlohmann::json params = {{"name", o->name}};
        if (relative)
            params["delta"] = o->count[0] == '-' ? -n : n;
        else
            params["instances"] = n;
        auto client = ctx.connect();
        if (!client) return k_exit_failed;
        auto reply = client->call("scale", params);
        if (!reply) return report(reply.error());
        return show_table(ctx, *client);
    };
}

} // namespace rein::cli
