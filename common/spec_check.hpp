#pragma once
// The daemon's own check of an AppSpec that arrived over the socket. The CLI validates an
// ecosystem file with file:line:col errors first; the daemon checks again, because anything that
// can talk to the socket can send a spec the CLI would never have produced.
#include "common/app_spec.hpp"
#include "common/result.hpp"

#include <optional>
#include <string>

namespace rein {

/// Most instances one app may have (a bound on what one request can make the daemon create).
inline constexpr int k_max_instances = 4096;

/// Why `name` cannot name an app (empty, a path, a number, `all`, ...), or nothing.
std::optional<std::string> name_problem(const std::string& name);

/// Checks every field of `spec` the way the ecosystem parser does, plus what the file system
/// says now (the script exists and can run, cwd is a directory). One sentence on failure,
/// starting with "app 'NAME': ".
Status check_spec(const AppSpec& spec);

} // namespace rein
