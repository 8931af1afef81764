// REIN_METRICS / reind --metrics values: what each spelling serves on, and one clear error for
// each bad one.
#include "daemon/metrics/address.hpp"

#include <doctest/doctest.h>

using rein::ListenAddress;
using rein::daemon::metrics::parse_address;

namespace {

std::string canonical(const std::string& text) {
    auto a = parse_address(text);
    REQUIRE(a);
    REQUIRE(*a);
    return (*a)->to_string();
}

std::string error_of(const std::string& text) {
    auto a = parse_address(text);
    REQUIRE(!a);
    CHECK(a.error().code == "bad_value");
    return a.error().message;
}

} // namespace

TEST_CASE("metrics address: off, empty and on") {
    auto off = parse_address("off");
    REQUIRE(off);
    CHECK(!*off);
    auto empty = parse_address("");
    REQUIRE(empty);
    CHECK(!*empty);
    CHECK(canonical("on") == "127.0.0.1:9615");
}

TEST_CASE("metrics address: the spellings that serve") {
    CHECK(canonical("9100") == "127.0.0.1:9100");
    CHECK(canonical("0.0.0.0:9615") == "0.0.0.0:9615");
    CHECK(canonical("10.1.2.3:80") == "10.1.2.3:80");
    CHECK(canonical("[::1]:9615") == "[::1]:9615");
    CHECK(canonical("unix:/run/rein/m.sock") == "unix:/run/rein/m.sock");
    auto any = parse_address("127.0.0.1:0");
    REQUIRE(any);
    REQUIRE(*any);
    CHECK((*any)->port == 0);
    CHECK((*any)->host == "127.0.0.1");
    auto zero = parse_address("0");
    REQUIRE(zero);
    CHECK((*zero)->port == 0);
    CHECK((*zero)->host == "127.0.0.1");
    CHECK((*parse_address("[::1]:0"))->port == 0);
}

TEST_CASE("metrics address: each bad value is one sentence that names it") {
    for (const char* bad :
         {"localhost:9615", "127.0.0.1:http", "127.0.0.1:70000", "ON", "unix:relative.sock",
          "unix:", "[::1]9615", "1.2.3:80", "-1", "127.0.0.1:", ":9615", "9615 "}) {
        CAPTURE(bad);
        std::string msg = error_of(bad);
        CHECK(msg.find(std::string("'") + bad + "'") != std::string::npos);
        CHECK(msg.find('\n') == std::string::npos);
    }
    CHECK(error_of(":9615").find("no host") != std::string::npos);
}
