// Applying an ecosystem file to apps that may already run: which --env profile each app gets.
#include "cli/command.hpp"

#include <map>

namespace rein::cli {

Result<std::vector<AppSpec>> load_keeping_profiles(Context& ctx, std::optional<Client>& client,
                                                   const std::string& file,
                                                   const LoadOptions& opts) {
    auto specs = load_ecosystem(file, opts);
    if (!specs) return specs;
    if (!client) {
        auto connected = connect_or_start(ctx.paths);
        if (!connected) return connected.error();
        client.emplace(std::move(*connected));
    }
    if (!opts.env_profile.empty()) return specs;

    // The profile each running app was started with (not_found: the daemon manages nothing).
    auto rows = client->call("describe", {{"selector", "all"}});
    if (!rows && rows.error().code != "not_found") return rows.error();
    std::map<std::string, std::string> kept; // app name -> its env_profile
    if (rows)
        for (const auto& row : rows->at("rows")) {
            const auto& spec = row.at("spec");
            kept[spec.value("name", "")] = spec.value("env_profile", "");
        }
    std::map<std::string, std::vector<std::string>> by_profile; // profile -> app names
    for (const auto& s : *specs)
        if (auto it = kept.find(s.name); it != kept.end() && !it->second.empty())
            by_profile[it->second].push_back(s.name);

    for (const auto& [profile, names] : by_profile) {
        LoadOptions again = opts;
        again.env_profile = profile;
        again.only = names;
        auto with = load_ecosystem(file, again);
        if (!with)
            return make_error(with.error().code,
                              "the running apps were started with --env " + profile +
                                  " (give --env to change it): " + with.error().message);
        for (auto& s : *specs)
            for (auto& w : *with)
                if (w.name == s.name) s = std::move(w);
    }
    return specs;
}

} // namespace rein::cli
