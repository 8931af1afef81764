// Processes that leave their instance's process group (setsid, a daemonising double fork) are
// still the instance's: stop, delete, restart, a crash and kill end them (issue 9, finding 5).
#include "harness.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <cstdlib>

using namespace rein::test;

namespace {

// Waits for the fixture to write a pid to `file`, and returns it.
pid_t pid_in(const Home& h, const std::string& file) {
    REQUIRE(wait_until([&] { return !h.read(file).empty(); }));
    return pid_t(std::atoi(h.read(file).c_str()));
}

// Ends a process a failed test left behind.
struct Reap {
    std::vector<pid_t> pids;
    ~Reap() {
        for (pid_t p : pids)
            if (alive(p)) kill(p, SIGKILL);
    }
};

} // namespace

TEST_CASE("stop ends a grandchild that left the group with setsid and ignores SIGINT") {
    Home h;
    Reap reap;
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("a", {"escapee", h.path("e")},
                                                      {"kill_timeout: 300"})})})
                .code == 0);
    pid_t e = pid_in(h, "e");
    reap.pids.push_back(e);
    CHECK(h.rein({"stop", "a"}).code == 0);
    CHECK(wait_until([&] { return !alive(e); }));
}

TEST_CASE("a daemonised leftover goes with its app's crash, and with delete") {
    Home h;
    Reap reap;
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app(
                                 "a", {"daemonize", h.path("d"), "sleep", "200", "exit", "3"},
                                 {"autorestart: false"})})})
                .code == 0);
    pid_t d = pid_in(h, "d");
    reap.pids.push_back(d);
    CHECK(h.wait_status("a", "stopped"));
    CHECK(wait_until([&] { return !alive(d); }));

    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("b", {"daemonize", h.path("d2")},
                                                      {"kill_timeout: 300"})},
                                         "b.yaml")})
                .code == 0);
    pid_t d2 = pid_in(h, "d2");
    reap.pids.push_back(d2);
    CHECK(h.rein({"delete", "b"}).code == 0);
    CHECK(wait_until([&] { return !alive(d2); }));
}

TEST_CASE("three restarts leave no orphans, and kill ends the last one") {
    Home h;
    Reap reap;
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("a", {"escapee", h.path("e")},
                                                      {"kill_timeout: 300"})})})
                .code == 0);
    for (int i = 0; i < 3; ++i) {
        pid_t e = pid_in(h, "e");
        reap.pids.push_back(e);
        std::remove(h.path("e").c_str());
        CHECK(h.rein({"restart", "a"}).code == 0);
        CHECK(wait_until([&] { return !alive(e); }));
    }
    pid_t last = pid_in(h, "e");
    reap.pids.push_back(last);
    CHECK(h.rein({"kill"}).code == 0);
    CHECK(wait_until([&] { return !alive(last); }));
}
