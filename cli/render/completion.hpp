#pragma once
// The shell completion scripts `rein completion` prints, generated from command_docs() (the
// command table's own CLI11 declarations), so that a new command or option completes at once.
#include "cli/command_docs.hpp"

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace rein::cli {

/// What a positional argument completes to.
enum class ArgKind {
    none,      ///< nothing rein can guess (a count, a mode)
    apps,      ///< names and ids of the running daemon's apps
    selector,  ///< the same plus `all`
    files,     ///< any file
    ecosystem, ///< ecosystem files (and folders, to descend)
    signal,    ///< signal names
};

/// The kind of a positional argument, from its name ("selector", "target", "signal", ...).
ArgKind arg_kind(const OptionDoc& arg);

/// The endings that make a file an ecosystem file (is_ecosystem_path()'s rule), as globs.
inline constexpr std::array<std::string_view, 6> k_ecosystem_globs = {
    "*.yaml", "*.yml", "*.json", "*.config.js", "*.config.cjs", "*.config.mjs"};

/// Signal names as `rein signal` takes them: SIGHUP, SIGINT, ... (standard signals only).
std::vector<std::string> signal_words();

/// The script for `shell` ("bash", "zsh", "fish"); nullopt for another shell.
std::optional<std::string> completion_script(std::string_view shell);

/// The bash script: a _rein function and `complete -F` (completion_bash.cpp).
std::string bash_script(const std::vector<CommandDoc>& commands,
                        const std::vector<OptionDoc>& globals);
/// The zsh script: a #compdef function over _arguments (completion_zsh.cpp).
std::string zsh_script(const std::vector<CommandDoc>& commands,
                       const std::vector<OptionDoc>& globals);
/// The fish script: `complete` lines (completion_fish.cpp).
std::string fish_script(const std::vector<CommandDoc>& commands,
                        const std::vector<OptionDoc>& globals);

} // namespace rein::cli
