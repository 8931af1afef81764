#pragma once
// The environment variables rein's programs read, and those the daemon sets for apps. The man
// pages' ENVIRONMENT sections are generated from this table, and a unit test checks that every
// getenv("...") in the sources names a variable listed here, so the two cannot drift.
#include <string_view>
#include <vector>

namespace rein {

/// Who reads a variable, or that the daemon sets it in an app's environment.
enum class EnvUse {
    cli,    ///< read by `rein`
    daemon, ///< read by `reind`
    both,   ///< read by `rein` and `reind`
    app,    ///< set by reind for the apps it starts
};

/// One environment variable.
struct EnvVar {
    std::string_view name;
    EnvUse use;
    std::string_view meaning; ///< one or two sentences, plain text
};

/// Every variable, in the order the man pages list them.
const std::vector<EnvVar>& env_vars();

} // namespace rein
