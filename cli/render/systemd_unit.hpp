#pragma once
// The systemd unit of `rein startup`: pure text, so it is unit-tested.
#include <string>

namespace rein::cli::render {

struct UnitParams {
    std::string user;  ///< reind runs as this user
    std::string home;  ///< its REIN_HOME ("": unset, so reind serves $HOME/.rein)
    std::string reind; ///< absolute path of reind
    std::string rein;  ///< absolute path of rein (for `systemctl reload`)
};

/// The unit's file name for `user` ("rein-root.service").
std::string unit_name(const std::string& user);

/// The unit: reind in the foreground as a Type=notify service that brings back dump.json at
/// start; systemd's SIGTERM (to reind only: KillMode=mixed) stops the apps gracefully.
std::string systemd_unit(const UnitParams& p);

/// The template unit of the packages (rein@.service): the same unit for the user named by the
/// instance (`systemctl enable --now rein@alice`), serving that user's ~/.rein.
std::string systemd_template_unit(const std::string& reind, const std::string& rein);

/// One word of a unit's command line or assignment, quoted for systemd when needed ('%' and
/// '$' escaped, which systemd would expand).
std::string unit_quote(const std::string& word);

} // namespace rein::cli::render
