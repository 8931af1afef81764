// The resource watch: CPU and tree memory once a second, and max_memory_restart.
#include "harness.hpp"

#include <doctest/doctest.h>

#include <sstream>

using namespace rein::test;

namespace {

bool has(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

// "<pid> <ns>" start stamps and "<pid> crossed <ns>" lines of the stamp file.
struct Stamps {
    std::vector<std::pair<long, long long>> starts, crossings;
};

Stamps read_stamps(const std::string& text) {
    Stamps s;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        std::istringstream f(line);
        long pid = 0;
        std::string word;
        long long ns = 0;
        f >> pid >> word;
        if (word == "crossed")
            f >> ns, s.crossings.emplace_back(pid, ns);
        else
            s.starts.emplace_back(pid, std::stoll(word));
    }
    return s;
}

} // namespace

TEST_CASE("a busy app shows its CPU; memory counts the children of the app") {
    Home h;
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("busy", {"spin", "0"}),
                                          fixture_app("parent", {"childgrow", "40"})})})
                .code == 0);
    CHECK(wait_until([&] { return h.rows("busy")[0]["cpu"].get<double>() > 50; }, 15000));
    CHECK(wait_until([&] { return h.rows("parent")[0]["memory"].get<long long>() > 40LL << 20; },
                     15000));
    Run d = h.rein({"describe", "busy"});
    CHECK(has(d.out, "cpu"));
}

TEST_CASE("max_memory_restart restarts a growing app within 3 s of crossing the limit") {
    Home h;
    std::string stamps = h.path("stamps");
    REQUIRE(
        h.rein({"start", h.ecosystem({fixture_app("hog", {"stamp", stamps, "grow", "60", stamps},
                                                  {"max_memory_restart: 60M"})})})
            .code == 0);
    REQUIRE(h.rows("hog")[0]["max_memory_restart"] == 60 << 20);
    // The first run crosses 60 MiB after ~3 s; a second start stamp means it was restarted.
    REQUIRE(wait_until([&] { return read_stamps(h.read("stamps")).starts.size() >= 2; }, 30000));
    auto s = read_stamps(h.read("stamps"));
    REQUIRE(s.crossings.size() >= 1);
    CHECK(s.crossings[0].first == s.starts[0].first);
    long long ms = (s.starts[1].second - s.crossings[0].second) / 1000000;
    MESSAGE("from crossing 60 MiB to the new instance running: " << ms << " ms");
    CHECK(ms < 3000);
    CHECK(h.rows("hog")[0]["restarts"].get<int>() >= 1);
    CHECK(has(h.read("reind.log"), "over max_memory_restart 60.0 MiB: restarting"));
}

TEST_CASE("cron_restart restarts the app when the expression matches (every minute here)") {
    // The schedule itself is unit-tested against an injected clock (cron_test.cpp); this checks
    // the daemon acts on it, which takes until the next whole minute.
    Home h;
    REQUIRE(
        h.rein({"start", h.ecosystem({fixture_app("nightly", {}, {"cron_restart: '* * * * *'"})})})
            .code == 0);
    REQUIRE(h.wait_status("nightly", "online"));
    auto pid = h.rows("nightly")[0]["pid"];
    CHECK(wait_until([&] { return h.rows("nightly")[0]["restarts"] == 1; }, 70000));
    CHECK(h.rows("nightly")[0]["pid"] != pid);
    CHECK(has(h.read("reind.log"), "cron_restart '* * * * *': restarting"));
}
