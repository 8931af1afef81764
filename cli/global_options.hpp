#pragma once
// rein's own options (before or after any command), in one place: run() adds them to the
// command line it parses, and the man page and completion scripts read them from here.
#include <CLI/CLI.hpp>
#include <string>

namespace rein::cli {

/// The one-line summary of rein (the help's first line, the man page's NAME).
inline constexpr const char* k_rein_summary =
    "a process manager for programs in any language (PM2's workflow)";

/// Adds --no-color (into `no_color`), -v/--version (printing `version`), --host and
/// --hosts-file (documented here, taken out of the command line before parsing) to `app`;
/// CLI11 adds -h/--help itself.
void add_global_options(CLI::App& app, bool& no_color, const std::string& version);

} // namespace rein::cli
