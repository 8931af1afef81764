#pragma once
// Which build this is: the release version and the git revision it was built from, as
// `rein --version`, `reind --version` and `rein ping` print them.
#include <string>
#include <string_view>

namespace rein {

/// The release version (CMake's PROJECT_VERSION), e.g. "0.1.0".
inline constexpr std::string_view k_version = REIN_VERSION;

/// The short git revision of the build ("c0d5cad", "c0d5cad+dirty" when the tree had uncommitted
/// changes, "unknown" when built outside git). Fixed when the binary was built.
std::string_view revision();

/// "<program> <version> (git <revision>)", the one format every version line uses.
std::string version_line(std::string_view program, std::string_view version,
                         std::string_view revision);
/// This build's line: "rein 0.1.0 (git c0d5cad)".
std::string version_line(std::string_view program);

} // namespace rein
