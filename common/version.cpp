// The build's revision comes from build/generated/rein_revision.h, which cmake/revision.cmake
// rewrites at build time only when the revision changed: this is the one file that includes it,
// so a new commit recompiles this file and relinks, nothing more.
#include "common/version.hpp"

#include "rein_revision.h"

namespace rein {

namespace {
// The revision sits in the binary right after a fixed tag, so `strings reind | grep
// rein-revision=` tells which build a binary is without running it (and a test can make a copy
// that claims another revision by rewriting these bytes).
constexpr std::string_view k_tag = "rein-revision=";
[[gnu::used]] const char k_tagged[] = "rein-revision=" REIN_REVISION;
} // namespace

std::string_view revision() {
    const char* p = k_tagged;
    // The optimizer must not copy the bytes into the code as immediates: the array in the binary
    // stays the only copy, read at run time.
    asm("" : "+r"(p));
    return std::string_view(p + k_tag.size());
}

std::string version_line(std::string_view program, std::string_view version, std::string_view rev) {
    std::string line;
    line.reserve(program.size() + version.size() + rev.size() + 8);
    line.append(program).append(" ").append(version).append(" (git ").append(rev).append(")");
    return line;
}

std::string version_line(std::string_view program) {
    return version_line(program, k_version, revision());
}

} // namespace rein
