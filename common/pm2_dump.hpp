#pragma once
// PM2's saved process list (`pm2 save` writes $PM2_HOME/dump.pm2) turned into AppSpecs, for
// `rein import`. Pure: it reads nothing but the text and names it is given (docs/import.md).
#include "common/app_spec.hpp"
#include "common/result.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace rein {

/// One app of the dump: PM2 saves one entry per instance, grouped here by name.
struct Pm2App {
    AppSpec spec; ///< base_env is PM2's saved environment; autostart false when PM2 had it stopped
    /// PM2 settings rein has no use for, as `key=value`: only those set away from PM2's default.
    std::vector<std::string> ignored;
    /// Values that could not be carried over (rein's default is kept), one sentence each.
    std::vector<std::string> notes;
};

/// What a dump holds.
struct Pm2Dump {
    std::vector<Pm2App> apps;         ///< in the order PM2 listed them
    std::vector<std::string> skipped; ///< entries that cannot become an app, one sentence each
};

/// Converts the text of a PM2 dump (a JSON array of PM2's process records). `pm2_home` is the
/// PM2 home it came from: log and pid files PM2 kept there are its defaults, which become rein's
/// own defaults instead of pointing into PM2's folder. Fails (code "bad_dump") only when the
/// text is not such an array; an entry that cannot be used is skipped and said so.
Result<Pm2Dump> convert_pm2_dump(std::string_view text, const std::string& pm2_home);

/// The dump `rein import` reads without an argument: `$PM2_HOME/dump.pm2` when PM2_HOME is set
/// (non-empty), else `$HOME/.pm2/dump.pm2`.
std::string default_pm2_dump_path(const char* pm2_home, const char* home);

} // namespace rein
