#pragma once
// restart, reload, startOrRestart and startOrReload: the verbs that apply a config to apps that
// may be running.
#include "cli/command.hpp"

namespace rein::cli {

/// The options those verbs share.
struct RedeployOpts {
    std::vector<std::string> selectors;
    bool update_env = false; ///< --update-env: the caller's environment becomes the apps' base
    std::string env_profile; ///< --env PROFILE: re-read each app's file with env_PROFILE
    std::string only;        ///< --only: with an ecosystem file, just these apps
    int parallel = 0;        ///< reload's --parallel; 0: not sent
};

/// Adds --update-env/-a, --env and --only to `sub`.
void add_redeploy_options(CLI::App& sub, RedeployOpts& o);

/// Sends `cmd` ("restart" or "reload"): with an ecosystem file its current config (apps not
/// running are started); with --env the apps' own files re-read with that profile; else the
/// selectors. Prints the table.
int run_redeploy(Context& ctx, const std::string& cmd, const RedeployOpts& o);

} // namespace rein::cli
