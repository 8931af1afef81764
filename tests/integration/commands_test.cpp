// Each command and selector through the real CLI and daemon.
#include "harness.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

using namespace rein::test;

namespace {

std::vector<int> ids_of(const nlohmann::json& rows, const std::string& status) {
    std::vector<int> ids;
    for (const auto& r : rows)
        if (r["status"] == status) ids.push_back(r["id"].get<int>());
    return ids;
}

} // namespace

TEST_CASE("start from a file shows the table, jlist follows the contract's schema") {
    Home h;
    std::string eco = h.ecosystem({fixture_app("web", {}, {"namespace: front"})});
    Run r = h.rein({"start", eco});
    REQUIRE(r.code == 0);
    CHECK(has(r.out, "web"));
    CHECK(has(r.out, "front"));
    CHECK_FALSE(has(r.out, "\033[")); // not a terminal: no colours
    REQUIRE(h.wait_status("web", "online"));
    auto rows = h.jlist();
    REQUIRE(rows.size() == 1);
    const auto& row = rows[0];
    CHECK(row["id"].is_number_integer());
    CHECK(row["name"] == "web");
    CHECK(row["namespace"] == "front");
    CHECK(row["instance"] == 0);
    CHECK(row["exec_mode"] == "fork");
    CHECK(row["pid"].is_number_integer());
    CHECK(row["status"] == "online");
    CHECK(row["restarts"] == 0);
    CHECK(row["unstable_restarts"] == 0);
    CHECK(row["uptime_ms"].is_number_integer());
    CHECK(row["created_at"].get<long long>() > 1700000000000LL);
    CHECK(row["cpu"].is_number());
    CHECK(row["memory"].get<long long>() > 0);
    CHECK(row["exit_code"].is_null());
    CHECK(row["signal"].is_null());
    CHECK(row["script"] == fixture());
    CHECK(row["args"] == nlohmann::json::array());
    CHECK(row["cwd"] == h.dir());
    CHECK(row["out_file"] == h.path("logs/web-out.log"));
    CHECK(row["error_file"] == h.path("logs/web-error.log"));
    CHECK(row["max_memory_restart"].is_null());

    Run d = h.rein({"describe", "web"});
    CHECK(d.code == 0);
    CHECK(has(d.out, "Describing web"));
    CHECK(has(d.out, fixture()));
    CHECK(h.rein({"show", "0"}).code == 0);
    for (const char* alias : {"ls", "l", "list", "status"}) {
        Run l = h.rein({alias});
        CHECK(l.code == 0);
        CHECK(has(l.out, "web"));
    }
    Run j = h.rein({"jlist"});
    CHECK(j.err.empty());
    CHECK(nlohmann::json::parse(j.out).is_array());
}

TEST_CASE("start <name> of an app already online exits 0 and leaves it as it is") {
    Home h;
    std::string eco = h.ecosystem({fixture_app("a", {})});
    REQUIRE(h.rein({"start", eco}).code == 0);
    REQUIRE(h.wait_status("a", "online"));
    auto pid = h.jlist()[0]["pid"];
    for (const char* sel : {"a", "0"}) {
        Run again = h.rein({"start", sel});
        CHECK(again.code == 0);
    }
    auto rows = h.jlist();
    CHECK(rows.size() == 1);
    CHECK(rows[0]["pid"] == pid);
    CHECK(rows[0]["restarts"] == 0);
}

TEST_CASE("start of a missing or non-executable script exits 1 and creates nothing") {
    Home h;
    Run r = h.rein({"start", h.path("nope")});
    CHECK(r.code == 1);
    CHECK(has(r.err, "not found"));
    h.write("plain", "just text");
    r = h.rein({"start", h.path("plain")});
    CHECK(r.code == 1);
    CHECK(has(r.err, "not executable"));
    CHECK(h.jlist().empty());
}

TEST_CASE("start <script> -- args runs it without a file") {
    Home h;
    Run r =
        h.rein({"start", fixture(), "--name", "solo", "--", "cwd", h.path("argv")}, {}, h.dir());
    REQUIRE(r.code == 0);
    REQUIRE(wait_until([&] { return !h.read("argv").empty(); }));
    CHECK(h.read("argv") == h.dir() + "\n" + fixture() + "\ncwd\n" + h.path("argv") + "\n");
    CHECK(h.rows("solo").size() == 1);
}

TEST_CASE("selectors: all, an id, a name, a namespace and an ecosystem file") {
    Home h;
    std::string eco1 = h.ecosystem({fixture_app("a", {}, {"namespace: one"})}, "a.yaml");
    std::string eco2 =
        h.ecosystem({fixture_app("b", {}, {"namespace: two", "instances: 2"})}, "b.yaml");
    REQUIRE(h.rein({"start", eco1}).code == 0);
    REQUIRE(h.rein({"start", eco2}).code == 0);
    REQUIRE(h.wait_status("b", "online", 2));

    // By id: only that instance.
    int b0 = h.rows("b")[0]["id"];
    REQUIRE(h.rein({"stop", std::to_string(b0)}).code == 0);
    CHECK(ids_of(h.jlist(), "stopped") == std::vector<int>{b0});
    // By name: every instance of the app.
    REQUIRE(h.rein({"stop", "b"}).code == 0);
    CHECK(ids_of(h.jlist(), "stopped").size() == 2);
    // `start <name>` brings a stopped app back, as in PM2.
    REQUIRE(h.rein({"start", "b"}).code == 0);
    CHECK(h.wait_status("b", "online", 2));
    // By namespace.
    REQUIRE(h.rein({"stop", "one"}).code == 0);
    CHECK(h.rows("a")[0]["status"] == "stopped");
    CHECK(h.rows("b")[1]["status"] == "online");
    // By ecosystem file: the apps it defines.
    REQUIRE(h.rein({"stop", eco2}).code == 0);
    CHECK(ids_of(h.jlist(), "stopped").size() == 3);
    // all
    REQUIRE(h.rein({"restart", "all"}).code == 0);
    CHECK(ids_of(h.jlist(), "online").size() == 3);
    // del alias, by file.
    REQUIRE(h.rein({"del", eco1}).code == 0);
    CHECK(h.rows("a").empty());
    REQUIRE(h.rein({"delete", "all"}).code == 0);
    CHECK(h.jlist().empty());
}

TEST_CASE("a selector that matches nothing exits 1 for every command") {
    Home h;
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("a", {})})}).code == 0);
    for (const char* cmd : {"stop", "restart", "delete", "describe", "reset"}) {
        Run r = h.rein({cmd, "ghost"});
        CHECK_MESSAGE(r.code == 1, cmd);
        CHECK(has(r.err, "ghost"));
    }
    CHECK(h.rein({"stop", "42"}).code == 1);
    CHECK(h.rein({"signal", "SIGUSR1", "ghost"}).code == 1);
    CHECK(h.rein({"signal", "SIGNOPE", "a"}).code == 2);
    CHECK(h.rein({"stop", h.path("missing.yaml")}).code == 1);
}

TEST_CASE("restart counts in restarts and gives a new pid, reset zeroes the count") {
    Home h;
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("a", {})})}).code == 0);
    REQUIRE(h.wait_status("a", "online"));
    auto before = h.rows("a")[0];
    REQUIRE(h.rein({"restart", "a"}).code == 0);
    auto after = h.rows("a")[0];
    CHECK(after["status"] == "online");
    CHECK(after["restarts"] == 1);
    CHECK(after["pid"] != before["pid"]);
    CHECK(after["id"] == before["id"]);
    CHECK_FALSE(alive(before["pid"].get<pid_t>()));
    REQUIRE(h.rein({"reset", "a"}).code == 0);
    CHECK(h.rows("a")[0]["restarts"] == 0);
}

TEST_CASE("signal reaches the app, a deadly one is a crash that restarts") {
    Home h;
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("a", {})})}).code == 0);
    REQUIRE(h.wait_status("a", "online"));
    auto pid = h.rows("a")[0]["pid"];
    Run r = h.rein({"signal", "SIGUSR1", "a"});
    CHECK(r.code == 0);
    CHECK(wait_until([&] {
        auto row = h.rows("a")[0];
        return row["restarts"] == 1 && row["status"] == "online";
    }));
    CHECK(h.rows("a")[0]["pid"] != pid);
    CHECK(h.rein({"sendSignal", "USR2", "0"}).code == 0);
}

TEST_CASE("restart with an ecosystem file applies its current config") {
    Home h;
    std::string flag = h.path("env.out");
    REQUIRE(
        h.rein({"start", h.ecosystem({fixture_app("a", {"env", flag}, {"env: {V: one}"})})}).code ==
        0);
    REQUIRE(wait_until([&] { return has(h.read("env.out"), "V=one\n"); }));
    std::string eco =
        h.ecosystem({fixture_app("a", {"env", flag}, {"env: {V: two}"}), fixture_app("b", {})});
    unlink(flag.c_str());
    REQUIRE(h.rein({"restart", eco}).code == 0);
    CHECK(wait_until([&] { return has(h.read("env.out"), "V=two\n"); }));
    CHECK(h.wait_status("b", "online"));
    CHECK(h.rows("a")[0]["restarts"] == 1);
}

TEST_CASE("apps get the starting shell's environment, kept until restart --update-env") {
    Home h;
    // The daemon is started from a different environment: apps must not see it.
    REQUIRE(h.rein({"ping"}, {"FROM_DAEMON=yes"}).code == 0);
    std::string out = h.path("env.out");
    std::string eco = h.ecosystem({fixture_app("a", {"env", out}, {"env: {OWN: app}"})});
    REQUIRE(h.rein({"start", eco}, {"FROM_SHELL=1"}).code == 0);
    REQUIRE(wait_until([&] { return !h.read("env.out").empty(); }));
    std::string env = h.read("env.out");
    CHECK(has(env, "FROM_SHELL=1\n"));
    CHECK(has(env, "OWN=app\n"));
    CHECK(has(env, "REIN_APP_NAME=a\n"));
    CHECK(has(env, "REIN_APP_ID=0\n"));
    CHECK(has(env, "REIN_APP_INSTANCE=0\n"));
    CHECK(has(env, "NODE_APP_INSTANCE=0\n"));
    CHECK_FALSE(has(env, "FROM_DAEMON"));

    unlink(out.c_str());
    REQUIRE(h.rein({"restart", "a"}, {"FROM_SHELL=2"}).code == 0);
    REQUIRE(wait_until([&] { return !h.read("env.out").empty(); }));
    CHECK(has(h.read("env.out"), "FROM_SHELL=1\n"));

    unlink(out.c_str());
    REQUIRE(h.rein({"restart", "a", "--update-env"}, {"FROM_SHELL=2"}).code == 0);
    REQUIRE(wait_until([&] { return !h.read("env.out").empty(); }));
    CHECK(has(h.read("env.out"), "FROM_SHELL=2\n"));
}
