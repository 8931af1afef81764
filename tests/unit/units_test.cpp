#include "common/units.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>

using rein::parse_duration_ms;
using rein::parse_size_bytes;

TEST_CASE("a plain integer duration is milliseconds") {
    CHECK(*parse_duration_ms("0") == 0);
    CHECK(*parse_duration_ms("1500") == 1500);
}

TEST_CASE("durations take ms, s, m and h units, with fractions") {
    CHECK(*parse_duration_ms("500ms") == 500);
    CHECK(*parse_duration_ms("2s") == 2000);
    CHECK(*parse_duration_ms("1.5s") == 1500);
    CHECK(*parse_duration_ms("1.1s") == 1100);
    CHECK(*parse_duration_ms("1m") == 60'000);
    CHECK(*parse_duration_ms("0.5m") == 30'000);
    CHECK(*parse_duration_ms("1h") == 3'600'000);
    CHECK(*parse_duration_ms("0.0001s") == 0); // rounded down to whole ms
}

TEST_CASE("negative, malformed or overflowing durations are errors") {
    for (const char* bad : {"", "-1", "-2s", "abc", "2 s", "2x", "s", "1.5", ".5s", "1.s", "2S",
                            "1e3", "99999999999999999999", "9999999999999999h"}) {
        CAPTURE(bad);
        const auto r = parse_duration_ms(bad);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == "bad_value");
    }
    CHECK(parse_duration_ms("2x").error().message ==
          "'2x' is not a duration (use milliseconds, or a number with ms, s, m or h, e.g. 500ms, "
          "2s, 1.5m)");
}

TEST_CASE("sizes are bytes or 1024-based K, M, G in any spelling") {
    CHECK(*parse_size_bytes("1048576") == 1048576);
    CHECK(*parse_size_bytes("100B") == 100);
    CHECK(*parse_size_bytes("512K") == 512 * 1024);
    CHECK(*parse_size_bytes("512k") == 512 * 1024);
    CHECK(*parse_size_bytes("512KB") == 512 * 1024);
    CHECK(*parse_size_bytes("512kb") == 512 * 1024);
    CHECK(*parse_size_bytes("200M") == 200LL * 1024 * 1024);
    CHECK(*parse_size_bytes("200mb") == 200LL * 1024 * 1024);
    CHECK(*parse_size_bytes("1G") == 1024LL * 1024 * 1024);
    CHECK(*parse_size_bytes("1gB") == 1024LL * 1024 * 1024);
    CHECK(*parse_size_bytes("1.5G") == 1536LL * 1024 * 1024);
}

TEST_CASE("fractions are exact to the last digit, rounded down") {
    // G is 2^30 > 10^9 bytes, so the 10th fraction digit still counts.
    CHECK(*parse_size_bytes("0.9999999999G") == 1073741823); // floor(1073741823.8926...)
    CHECK(*parse_size_bytes("0.999999999G") == 1073741822);
    CHECK(*parse_size_bytes("1.0000000001G") == 1073741824);
    CHECK(*parse_size_bytes("0.1G") == 107374182);
    CHECK(*parse_size_bytes("0.99999999999999999999999999K") == 1023);
    CHECK(*parse_size_bytes("1." + std::string(5000, '0') + "1G") == 1073741824);
    CHECK(*parse_size_bytes("0." + std::string(5000, '9') + "M") == 1048575);
    CHECK(*parse_duration_ms("0.33333333333333333333s") == 333);
    CHECK(*parse_duration_ms("1.99999999999999h") == 7'199'999);
    CHECK(*parse_duration_ms("0.0000000001h") == 0);
}

TEST_CASE("the largest size that fits is accepted, one byte more is not") {
    // (2^33 - 1) * 2^30 + floor(0.9999999999999 * 2^30) == 2^63 - 1
    CHECK(*parse_size_bytes("8589934591.9999999999999G") == INT64_MAX);
    CHECK(*parse_size_bytes("9223372036854775807") == INT64_MAX);
    CHECK_FALSE(parse_size_bytes("8589934592G").ok());
    CHECK_FALSE(parse_size_bytes("9223372036854775808").ok());
    CHECK_FALSE(parse_duration_ms("2562047788015.216h").ok()); // just past 2^63 ms
}

TEST_CASE("negative or malformed sizes are errors") {
    for (const char* bad : {"", "-1", "-5M", "M", "12X", "1.5", "5 M", "10TB", "99999999999G"}) {
        CAPTURE(bad);
        REQUIRE_FALSE(parse_size_bytes(bad).ok());
    }
    CHECK(parse_size_bytes("12X").error().message ==
          "'12X' is not a size (use bytes, or a number with K, M or G, e.g. 512K, 200M, 1G)");
}
