#pragma once
// rein's own options (before or after any command), in one place: run() adds them to the
// command line it parses, and the man page and completion scripts read them from here.
#include <CLI/CLI.hpp>
#include <string>

namespace rein::cli {

/// The one-line summary of rein (the help's first line, the man page's NAME).
inline constexpr const char* k_rein_summary =
    "a process manager for programs in any language (PM2's workflow)";

/// Adds --no-color (into `no_color`) and -v/--version (printing `version`) to `app`;
/// CLI11 adds -h/--help itself.
void add_global_options(CLI::App& app, bool& no_color, const std::string& version);

/// Adds --host and --hosts-file, for help, the man page and completion only: run() takes them
/// off the command line before parsing (cli/host_dispatch.cpp), so a command's parse does not
/// build them.
void add_host_options(CLI::App& app);

} // namespace rein::cli
