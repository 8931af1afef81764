#pragma once
// Commands of the form `rein <verb> <selector...>` that change state and then show the table.
#include "cli/command.hpp"

namespace rein::cli {

/// The help text of a selector argument (one or more words).
inline constexpr const char* k_selector_help =
    "all, ids, names, namespaces, /regex/, script paths or an ecosystem file";

/// Adds the `selector...` positional argument (at least one word) to `sub`.
void add_selectors(CLI::App& sub, std::vector<std::string>& into);

/// `rein stop|delete|reset <sel...>`: the subcommand's own name is the request sent with the
/// selectors, then the table is shown.
Runner setup_selector_verb(CLI::App& sub);

/// Sends `cmd` with the selectors' fields plus `extra`, then prints the table.
int run_selector_command(Context& ctx, const std::string& cmd,
                         const std::vector<std::string>& selectors,
                         nlohmann::json extra = nlohmann::json::object());

} // namespace rein::cli
