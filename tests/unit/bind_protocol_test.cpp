// The bind hand-off messages (preload/bind_protocol.h): what is handed off, and what the daemon
// accepts from any local process.
#include "preload/bind_protocol.h"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <cstddef>
#include <cstring>

namespace {

sockaddr_in v4(int port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(uint16_t(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

const sockaddr* sa(const void* p) {
    return static_cast<const sockaddr*>(p);
}

} // namespace

TEST_CASE("bind hand-off: TCP with a port and Unix paths are handed off, the rest is not") {
    auto a = v4(8080);
    CHECK(rein_bind_wanted(sa(&a), sizeof a));
    auto zero = v4(0);
    CHECK_FALSE(rein_bind_wanted(sa(&zero), sizeof zero)); // port 0: the kernel picks
    CHECK_FALSE(rein_bind_wanted(sa(&a), sizeof a - 1));   // truncated
    CHECK_FALSE(rein_bind_wanted(nullptr, 0));
    sockaddr_in6 b{};
    b.sin6_family = AF_INET6;
    b.sin6_port = htons(443);
    CHECK(rein_bind_wanted(sa(&b), sizeof b));
    sockaddr_un u{};
    u.sun_family = AF_UNIX;
    std::memcpy(u.sun_path, "api.sock", 9);
    CHECK(rein_bind_wanted(sa(&u), offsetof(sockaddr_un, sun_path) + 9));
    u.sun_path[0] = '\0'; // abstract
    CHECK_FALSE(rein_bind_wanted(sa(&u), offsetof(sockaddr_un, sun_path) + 9));
    CHECK_FALSE(rein_bind_wanted(sa(&u), offsetof(sockaddr_un, sun_path))); // unnamed
    sockaddr_in6 udp_like{};
    udp_like.sin6_family = AF_PACKET;
    CHECK_FALSE(rein_bind_wanted(sa(&udp_like), sizeof udp_like));
}

TEST_CASE("bind hand-off: a request survives encoding, anything malformed is refused") {
    auto a = v4(3000);
    rein_bind_request req;
    REQUIRE(rein_bind_encode(&req, sa(&a), sizeof a, REIN_BIND_REUSEADDR | 0x100) == 0);
    CHECK(req.flags == REIN_BIND_REUSEADDR); // unknown option bits are not sent
    rein_bind_request back;
    REQUIRE(rein_bind_decode(&req, sizeof req, &back) == 0);
    CHECK(back.addr_len == sizeof a);
    CHECK(std::memcmp(&back.addr, &a, sizeof a) == 0);

    CHECK(rein_bind_decode(&req, sizeof req - 1, &back) == -1); // short
    rein_bind_request bad = req;
    bad.magic = 0;
    CHECK(rein_bind_decode(&bad, sizeof bad, &back) == -1);
    bad = req;
    bad.flags = 0x80;
    CHECK(rein_bind_decode(&bad, sizeof bad, &back) == -1);
    bad = req;
    bad.addr_len = sizeof bad.addr + 1;
    CHECK(rein_bind_decode(&bad, sizeof bad, &back) == -1);
    bad = req;
    bad.reserved = 1;
    CHECK(rein_bind_decode(&bad, sizeof bad, &back) == -1);
    auto zero = v4(0);
    CHECK(rein_bind_encode(&req, sa(&zero), sizeof zero, 0) == -1);
}
