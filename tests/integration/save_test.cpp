// save and resurrect: the app set survives the daemon; an unknown command.
#include "harness.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

using namespace rein::test;

TEST_CASE("save, then resurrect in a new daemon: same apps, config, scale and stopped state") {
    Home h;
    std::string env_file = h.path("web.env");
    std::string eco = h.ecosystem(
        {fixture_app("web", {"env", env_file}, {"env:", "  FOO: bar"}), fixture_app("idle", {})});
    REQUIRE(h.rein({"start", eco}, {"BASE=from-start"}).code == 0);
    REQUIRE(h.rein({"scale", "web", "3"}).code == 0);
    REQUIRE(h.wait_status("web", "online", 3));
    REQUIRE(h.rein({"stop", "idle"}).code == 0);

    Run saved = h.rein({"save"});
    CHECK(saved.code == 0);
    CHECK(has(saved.out, "saved 2 apps to " + h.path("dump.json")));
    struct stat st {};
    REQUIRE(stat(h.path("dump.json").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600); // it holds the apps' environments

    REQUIRE(h.rein({"kill"}).code == 0);
    std::remove(env_file.c_str());
    Run back = h.rein({"resurrect"}); // starts a new daemon, without BASE in its environment
    CHECK(back.code == 0);
    CHECK(h.wait_status("web", "online", 3));
    CHECK(h.rows("web").size() == 3);
    auto idle = h.rows("idle");
    REQUIRE(idle.size() == 1);
    CHECK(idle[0]["status"] == "stopped");
    CHECK(wait_until([&] { return has(h.read("web.env"), "FOO=bar\n"); }));
    CHECK(has(h.read("web.env"), "BASE=from-start\n"));
}

TEST_CASE("resurrect without a dump, or with a bad one, exits 1 and starts nothing") {
    Home h;
    Run none = h.rein({"resurrect"});
    CHECK(none.code == 1);
    CHECK(has(none.err, "nothing to resurrect: " + h.path("dump.json") + " does not exist"));
    h.write("dump.json", "{\"version\": 1, \"apps\": [{\"spec\": {\"name\": 5}}]");
    Run broken = h.rein({"resurrect"});
    CHECK(broken.code == 1);
    CHECK(has(broken.err, "not a dump rein can read (invalid JSON)"));
    h.write("dump.json", "{\"version\": 1, \"apps\": [{\"spec\": {\"name\": \"x\"}}]}");
    Run incomplete = h.rein({"resurrect"});
    CHECK(incomplete.code == 1);
    CHECK(has(incomplete.err, "not a dump rein can read (key 'script' not found)"));
    CHECK(h.jlist().empty());
    CHECK(h.rein({"ping"}).code == 0); // the daemon took it in its stride
}

TEST_CASE("resurrect leaves an app that is already there as it is") {
    Home h;
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("a", {})})}).code == 0);
    REQUIRE(h.wait_status("a", "online"));
    auto pid = h.rows("a")[0]["pid"];
    REQUIRE(h.rein({"save"}).code == 0);
    Run again = h.rein({"resurrect"});
    CHECK(again.code == 0);
    CHECK(has(again.err, "a is already present"));
    auto rows = h.rows("a");
    REQUIRE(rows.size() == 1);
    CHECK(rows[0]["pid"] == pid);
}

TEST_CASE("an unknown command is a usage error") {
    Home h;
    Run unknown = h.rein({"frobnicate"});
    CHECK(unknown.code == 2);
    CHECK(has(unknown.err, "unknown command 'frobnicate'"));
}
