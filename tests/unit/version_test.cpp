// The version line every program prints (`rein --version`, `reind --version`, `rein ping`).
#include "common/version.hpp"

#include <doctest/doctest.h>

#include <string>

using rein::version_line;

TEST_CASE("version_line: program, version and git revision in one fixed format") {
    CHECK(version_line("rein", "0.1.0", "c0d5cad") == "rein 0.1.0 (git c0d5cad)");
    CHECK(version_line("reind", "1.2.3", "c0d5cad+dirty") == "reind 1.2.3 (git c0d5cad+dirty)");
    CHECK(version_line("reind", "0.1.0", "unknown") == "reind 0.1.0 (git unknown)");
}

TEST_CASE("this build's revision is a short hash, +dirty, or unknown, and its line uses it") {
    CHECK(rein::k_version == REIN_VERSION);
    std::string rev(rein::revision());
    REQUIRE_FALSE(rev.empty());
    // Only what cmake/revision.cmake lets through: one word, safe in a log line or a JSON string.
    for (char c : rev)
        CHECK(std::string("0123456789abcdefghijklmnopqrstuvwxyz"
                          "ABCDEFGHIJKLMNOPQRSTUVWXYZ._+-")
                  .find(c) != std::string::npos);
    CHECK(version_line("rein") == "rein " REIN_VERSION " (git " + rev + ")");
}
