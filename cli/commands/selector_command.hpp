#pragma once
// Commands of the form `rein <verb> <selector>` that change state and then show the table.
#include "cli/command.hpp"

namespace rein::cli {

/// `rein stop|delete|reset <sel>`: the subcommand's own name is the request sent with the
/// selector, then the table is shown.
Runner setup_selector_verb(CLI::App& sub);

/// Sends `cmd` with the selector's fields plus `extra`, then prints the table.
int run_selector_command(Context& ctx, const std::string& cmd, const std::string& selector,
                         nlohmann::json extra = nlohmann::json::object());

} // namespace rein::cli
