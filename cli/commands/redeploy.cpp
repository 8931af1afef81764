#include "cli/commands/redeploy.hpp"

#include <algorithm>
#include <map>

namespace rein::cli {

namespace {

/// `restart api --env production`: the selected apps re-read from the files they came from,
/// with that profile (an app started without a file has no profiles to take).
Result<std::vector<AppSpec>> apps_with_profile(Client& client, const nlohmann::json& params,
                                               const std::string& profile) {
    auto rows = client.call("describe", params);
    if (!rows) return rows.error();
    std::map<std::string, std::vector<std::string>> by_file; // source file -> app names
    for (const auto& row : rows->at("rows")) {
        const auto& spec = row.at("spec");
        const std::string name = spec.value("name", ""), file = spec.value("source_file", "");
        if (file.empty())
            return make_error("bad_request", "--env " + profile + ": app '" + name +
                                                 "' was not started from an ecosystem file");
        auto& names = by_file[file];
        if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
    std::vector<AppSpec> out;
    for (const auto& [file, names] : by_file) {
        LoadOptions opts = caller_load_options();
        opts.env_profile = profile;
        opts.only = names;
        auto apps = load_ecosystem(file, opts);
        if (!apps) return apps.error();
        for (auto& a : *apps) out.push_back(std::move(a));
    }
    return out;
}

} // namespace

void add_redeploy_options(CLI::App& sub, RedeployOpts& o) {
    sub.add_flag("-a,--update-env", o.update_env,
                 "replace the apps' base environment with this one");
    sub.add_option("--env", o.env_profile, "apply env_PROFILE of the apps' ecosystem file");
    sub.add_option("--only", o.only, "with an ecosystem file: only these apps (comma-separated)");
}

int run_redeploy(Context& ctx, const std::string& cmd, const RedeployOpts& o) {
    const bool file = o.selectors.size() == 1 && is_ecosystem_path(o.selectors.front());
    if (!file && !o.only.empty()) return report("--only needs an ecosystem file");
    nlohmann::json req = nlohmann::json::object();
    if (o.update_env) req["env"] = caller_env();
    if (o.parallel > 0) req["parallel"] = o.parallel;
    Result<nlohmann::json> params = nlohmann::json::object();
    if (!file) {
        params = selector_params(o.selectors);
        if (!params) return report(params.error());
    }
    std::optional<Client> client;
    if (file) {
        LoadOptions opts = caller_load_options();
        opts.env_profile = o.env_profile;
        opts.only = split_commas(o.only);
        auto apps = load_keeping_profiles(ctx, client, o.selectors.front(), opts);
        if (!apps) return report(apps.error());
        req.update(apps_request(*apps));
    } else if (client = ctx.connect(); !client) {
        return k_exit_failed;
    } else if (!o.env_profile.empty()) {
        auto apps = apps_with_profile(*client, *params, o.env_profile);
        if (!apps) return report(apps.error());
        req.update(apps_request(*apps));
    } else {
        req.update(*params);
    }
    auto reply = client->call(cmd, req);
    if (!reply) return report(reply.error());
    return show_table(ctx, *client);
}

} // namespace rein::cli
