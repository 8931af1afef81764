#pragma once
// The systemd unit of `rein startup`: pure text, so it is unit-tested.
#include <string>

namespace rein::cli::render {

struct UnitParams {
    std::string user;  ///< reind runs as this user
    std::string home;  ///< its REIN_HOME
    std::string reind; ///< absolute path of reind
    std::string rein;  ///< absolute path of rein (for `systemctl reload`)
};

/// The unit's file name for `user` ("rein-root.service").
std::string unit_name(const std::string& user);

/// The unit: reind in the foreground as a Type=notify service that brings back dump.json at
/// start; systemd's SIGTERM (to reind only: KillMode=mixed) stops the apps gracefully.
std::string systemd_unit(const UnitParams& p);

/// One word of a unit's command line or assignment, quoted for systemd when needed ('%' and
/// '$' escaped, which systemd would expand).
std::string unit_quote(const std::string& word);

} // namespace rein::cli::render
