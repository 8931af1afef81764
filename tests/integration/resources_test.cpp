// The resource watch: CPU and tree memory once a second, and max_memory_restart.
#include "harness.hpp"

#include <doctest/doctest.h>

#include <sstream>
#include <sys/stat.h>

using namespace rein::test;

namespace {

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

TEST_CASE("a busy app shows its CPU, memory counts the children of the app") {
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

TEST_CASE("watch restarts once for a burst of changes, and not for ignored paths") {
    Home h;
    mkdir(h.path("app").c_str(), 0700);
    mkdir(h.path("app/src").c_str(), 0700);
    mkdir(h.path("app/data").c_str(), 0700);
    mkdir(h.path("app/.git").c_str(), 0700);
    std::string eco =
        h.write("app/eco.yaml", "apps:\n" + fixture_app("w", {},
                                                        {"watch: true", "watch_delay: 300",
                                                         "ignore_watch: [data, '*.tmp']"}));
    REQUIRE(h.rein({"start", eco}).code == 0);
    REQUIRE(h.wait_status("w", "online"));
    auto restarts = [&] { return h.rows("w")[0]["restarts"].get<int>(); };

    for (int i = 0; i < 20; ++i) h.write("app/src/f" + std::to_string(i) + ".js", "x");
    REQUIRE(wait_until([&] { return restarts() == 1; }));
    CHECK(has(h.read("reind.log"), "w: watch: "));
    // Ignored: a pattern, a directory, .git; none of these restarts it.
    h.write("app/scratch.tmp", "x");
    h.write("app/data/cache", "x");
    h.write("app/.git/index", "x");
    CHECK_FALSE(wait_until([&] { return restarts() != 1; }, 1500));
    // A directory created after the start is watched too.
    mkdir(h.path("app/src/new").c_str(), 0700);
    REQUIRE(wait_until([&] { return restarts() == 2; }));
    h.write("app/src/new/deep.js", "x");
    CHECK(wait_until([&] { return restarts() == 3; }));
}

TEST_CASE("--watch on the command line watches the app's cwd") {
    Home h;
    mkdir(h.path("site").c_str(), 0700);
    REQUIRE(
        h.rein({"start", fixture(), "--name", "site", "--watch", "--cwd", h.path("site")}).code ==
        0);
    REQUIRE(h.wait_status("site", "online"));
    h.write("site/index.html", "<p>new</p>");
    CHECK(wait_until([&] { return h.rows("site")[0]["restarts"] == 1; }));
}
