// Listen addresses: the spellings users write, and the errors for the ones that are wrong.
#include "common/listen_address.hpp"

#include <doctest/doctest.h>

using namespace rein;

TEST_CASE("a bare port listens on every interface") {
    auto a = parse_listen_address("8080");
    REQUIRE(a.ok());
    CHECK(a->kind == ListenAddress::Kind::tcp);
    CHECK(a->host.empty());
    CHECK(a->port == 8080);
    CHECK(a->to_string() == "8080");
}

TEST_CASE("IPv4 and bracketed IPv6 hosts") {
    auto v4 = parse_listen_address("127.0.0.1:9000");
    REQUIRE(v4.ok());
    CHECK(v4->host == "127.0.0.1");
    CHECK(v4->port == 9000);
    auto v6 = parse_listen_address("[::1]:80");
    REQUIRE(v6.ok());
    CHECK(v6->host == "::1");
    CHECK(v6->to_string() == "[::1]:80");
}

TEST_CASE("Unix sockets take an absolute path") {
    auto u = parse_listen_address("unix:/run/app.sock");
    REQUIRE(u.ok());
    CHECK(u->kind == ListenAddress::Kind::unix_path);
    CHECK(u->path == "/run/app.sock");
    CHECK_FALSE(parse_listen_address("unix:").ok());
    CHECK_FALSE(parse_listen_address("unix:rel.sock").ok());
}

TEST_CASE("wrong addresses are errors that say what was expected") {
    for (const char* bad : {"", "0", "65536", "http", "localhost:80", "::1:80", "[::1]80",
                            "[nope]:80", "1.2.3.4:", "1.2.3.4:x"})
        CHECK_MESSAGE(!parse_listen_address(bad).ok(), bad);
    CHECK(parse_listen_address("localhost:80").error().message.find("not resolved") !=
          std::string::npos);
}
