#pragma once
// The CLI's command table: each subcommand's file declares its options on a CLI11 subcommand and
// returns the function that runs it.
#include "cli/client.hpp"
#include "common/ecosystem.hpp"
#include "common/paths.hpp"

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace rein::cli {

/// Exit statuses of `rein` (the contract).
inline constexpr int k_exit_ok = 0;
inline constexpr int k_exit_failed = 1;
inline constexpr int k_exit_usage = 2;

/// What every command can use once the command line is parsed.
struct Context {
    Paths paths;
    bool color = false;
    /// The words after `--` on a `start` command line: the script's own arguments.
    std::vector<std::string> passthrough;
    /// Connects, starting the daemon if needed; prints the error and returns nullopt on failure.
    std::optional<Client> connect();
};

using Runner = std::function<int(Context&)>;
using Setup = Runner (*)(CLI::App& sub);

struct CommandDef {
    const char* name;
    const char* help;
    std::vector<std::string> aliases;
    Setup setup;
    /// Left out of `rein --help`'s list (still in the man page and completion): plumbing.
    bool hidden = false;
};

/// Every subcommand, in help order (commands/table.cpp).
const std::vector<CommandDef>& command_table();

/// Prints "rein: <message>" on stderr and returns k_exit_failed.
int report(const std::string& message);
int report(const Error& error);

/// The request fields for a selector argument: `{"names":[...]}` for an ecosystem file (its
/// apps), else `{"selector": arg}`.
Result<nlohmann::json> selector_params(const std::string& arg);
/// The request fields for one or more selector arguments: one is as above (a script path made
/// absolute); several give `{"selectors":[...]}`, an ecosystem file among them adding its apps.
Result<nlohmann::json> selector_params(const std::vector<std::string>& args);

/// Loads an ecosystem file for a command that applies it to running apps (start, restart,
/// reload, startOrRestart, startOrReload). Without --env, each app the daemon already runs
/// keeps the profile it was started with (its env_profile), so a redeploy never drops it.
/// `client` is connected (the daemon started) only once the file has loaded: a bad file
/// touches no daemon.
Result<std::vector<AppSpec>> load_keeping_profiles(Context& ctx, std::optional<Client>& client,
                                                   const std::string& file,
                                                   const LoadOptions& opts);

/// The caller's environment as a map (the base environment of apps it starts).
std::map<std::string, std::string> current_env();
/// The base environment of the apps this command starts: the caller's, or over --host the
/// host's (remote_env(); exits with its error when the host cannot be reached).
std::map<std::string, std::string> caller_env();
/// "a,b,,c" -> {"a", "b", "c"} (`--only`).
std::vector<std::string> split_commas(const std::string& s);
/// LoadOptions filled from this process: environment, working directory, usable cores.
LoadOptions caller_load_options();

/// `rein start` of one target: the script and its arguments. A target with blanks that names
/// no file is a command line (`"python3 -m http.server 8000"`), split as a shell would with no
/// expansion; its words come before `passthrough` (the words after `--`).
Result<std::pair<std::string, std::vector<std::string>>>
script_and_args(const std::string& target, const std::vector<std::string>& passthrough);

/// Prints the process table (every instance) after a command changed something.
int show_table(Context& ctx, Client& client);

} // namespace rein::cli
