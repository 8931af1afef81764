// The restart policy and graceful stop, observed on real processes.
#include "harness.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <sstream>
#include <unistd.h>

using namespace rein::test;

namespace {

nlohmann::json only_row(const Home& h, const std::string& name) {
    auto rows = h.rows(name);
    REQUIRE(rows.size() == 1);
    return rows[0];
}

// Waits until the app's single row satisfies `pred`.
bool wait_row(const Home& h, const std::string& name,
              const std::function<bool(const nlohmann::json&)>& pred, int timeout_ms = 10000) {
    return wait_until([&] { return pred(only_row(h, name)); }, timeout_ms);
}

} // namespace

TEST_CASE("autorestart false: an exit leaves the instance stopped with its exit code") {
    Home h;
    REQUIRE(
        h.rein({"start", h.ecosystem({fixture_app("a", {"exit", "3"}, {"autorestart: false"})})})
            .code == 0);
    REQUIRE(wait_row(h, "a", [](auto& r) { return r["status"] == "stopped"; }));
    auto row = only_row(h, "a");
    CHECK(row["exit_code"] == 3);
    CHECK(row["restarts"] == 0);
    CHECK(row["pid"].is_null());
}

TEST_CASE("--no-autorestart on the command line does the same") {
    Home h;
    REQUIRE(h.rein({"start", fixture(), "--name", "once", "--no-autorestart", "--", "exit", "0"})
                .code == 0);
    REQUIRE(wait_row(h, "once", [](auto& r) { return r["status"] == "stopped"; }));
    CHECK(only_row(h, "once")["exit_code"] == 0);
}

TEST_CASE("stop_exit_codes: a listed code stops, another restarts") {
    Home h;
    REQUIRE(
        h.rein({"start",
                h.ecosystem(
                    {fixture_app("ok", {"sleep", "50", "exit", "3"}, {"stop_exit_codes: [3]"}),
                     fixture_app("bad", {"sleep", "50", "exit", "4"}, {"stop_exit_codes: [3]"})})})
            .code == 0);
    REQUIRE(wait_row(h, "ok", [](auto& r) { return r["status"] == "stopped"; }));
    CHECK(only_row(h, "ok")["exit_code"] == 3);
    CHECK(wait_row(h, "bad", [](auto& r) { return r["restarts"] >= 2; }));
}

TEST_CASE("max_restarts unstable runs make it errored, restart and reset clear that") {
    Home h;
    std::string crash = h.write("crash", "");
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("a", {"exitif", crash},
                                                      {"max_restarts: 3", "min_uptime: 5s"})})})
                .code == 0);
    REQUIRE(wait_row(h, "a", [](auto& r) { return r["status"] == "errored"; }));
    auto row = only_row(h, "a");
    CHECK(row["restarts"] == 3);
    CHECK(row["unstable_restarts"] == 3);
    CHECK(row["exit_code"] == 1);
    CHECK(row["pid"].is_null());
    Run ls = h.rein({"ls"});
    CHECK(has(ls.out, "errored"));

    // reset: counters zeroed and out of errored, but it stays down.
    REQUIRE(h.rein({"reset", "a"}).code == 0);
    row = only_row(h, "a");
    CHECK(row["status"] == "stopped");
    CHECK(row["restarts"] == 0);
    CHECK(row["unstable_restarts"] == 0);

    // Errored again, then a manual restart with the cause gone brings it online.
    REQUIRE(h.rein({"start", "a"}).code == 0);
    REQUIRE(wait_row(h, "a", [](auto& r) { return r["status"] == "errored"; }));
    unlink(crash.c_str());
    REQUIRE(h.rein({"restart", "a"}).code == 0);
    CHECK(wait_row(h, "a", [](auto& r) { return r["status"] == "online"; }));
    CHECK(only_row(h, "a")["unstable_restarts"] == 0);
}

TEST_CASE("runs longer than min_uptime are stable and never exhaust max_restarts") {
    Home h;
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("a", {"sleep", "150", "exit", "1"},
                                                      {"max_restarts: 1", "min_uptime: 50"})})})
                .code == 0);
    REQUIRE(wait_row(h, "a", [](auto& r) { return r["restarts"] >= 4; }));
    auto row = only_row(h, "a");
    CHECK(row["status"] != "errored");
    CHECK(row["unstable_restarts"] == 0);
}

TEST_CASE("restart_delay shows waiting_restart before the next run") {
    Home h;
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("a", {"sleep", "20", "exit", "1"},
                                                      {"restart_delay: 1500", "min_uptime: 0"})})})
                .code == 0);
    REQUIRE(wait_row(h, "a", [](auto& r) { return r["status"] == "waiting_restart"; }));
    CHECK(only_row(h, "a")["pid"].is_null());
    CHECK(wait_row(h, "a", [](auto& r) { return r["restarts"] >= 2; }));
    // A stop during the wait cancels the restart.
    REQUIRE(wait_row(h, "a", [](auto& r) { return r["status"] == "waiting_restart"; }));
    REQUIRE(h.rein({"stop", "a"}).code == 0);
    auto restarts = only_row(h, "a")["restarts"];
    CHECK(only_row(h, "a")["status"] == "stopped");
    // Still stopped once the delay would have passed: a later restart never comes.
    CHECK_FALSE(wait_row(
        h, "a", [](auto& r) { return r["status"] != "stopped"; }, 2000));
    CHECK(only_row(h, "a")["restarts"] == restarts);
}

TEST_CASE("exp_backoff_restart_delay spaces the restarts of a crash loop") {
    Home h;
    REQUIRE(
        h.rein({"start",
                h.ecosystem({fixture_app("a", {"exit", "1"},
                                         {"exp_backoff_restart_delay: 200", "max_restarts: 50"})})})
            .code == 0);
    REQUIRE(wait_row(h, "a", [](auto& r) { return r["restarts"] >= 3; }));
    // 200 + 300 + 450 ms of waits so far: the loop is slowed, visible as waiting_restart.
    CHECK(wait_row(h, "a", [](auto& r) { return r["status"] == "waiting_restart"; }));
    CHECK(only_row(h, "a")["status"] != "errored");
}

TEST_CASE("a crashed instance is restarted with a new pid") {
    Home h;
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("a", {})})}).code == 0);
    REQUIRE(h.wait_status("a", "online"));
    pid_t pid = only_row(h, "a")["pid"];
    kill(pid, SIGKILL);
    REQUIRE(
        wait_row(h, "a", [&](auto& r) { return r["restarts"] == 1 && r["status"] == "online"; }));
    CHECK(only_row(h, "a")["pid"] != pid);
    CHECK(has(h.read("reind.log"), "exited (SIGKILL)")); // signals by name, not number
}

TEST_CASE("stop of an app that ignores SIGINT ends with SIGKILL after kill_timeout") {
    Home h;
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("stubborn", {"ignore", "INT"},
                                                      {"kill_timeout: 300"})})})
                .code == 0);
    REQUIRE(h.wait_status("stubborn", "online"));
    pid_t pid = only_row(h, "stubborn")["pid"];
    Run r = h.rein({"stop", "stubborn"});
    CHECK(r.code == 0);
    auto row = only_row(h, "stubborn");
    CHECK(row["status"] == "stopped");
    CHECK(row["signal"] == "SIGKILL");
    CHECK_FALSE(alive(pid));
    CHECK(has(h.read("reind.log"), "SIGKILL"));
}

TEST_CASE("kill_signal is the first signal of a stop") {
    Home h;
    REQUIRE(
        h.rein({"start", h.ecosystem({fixture_app("t", {"ignore", "INT"},
                                                  {"kill_signal: SIGTERM", "kill_timeout: 10s"})})})
            .code == 0);
    REQUIRE(h.wait_status("t", "online"));
    REQUIRE(h.rein({"stop", "t"}).code == 0);
    CHECK(only_row(h, "t")["signal"] == "SIGTERM");
}

TEST_CASE("stop leaves no grandchild behind") {
    Home h;
    std::string gc = h.path("gc.pid");
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("parent", {"grandchild", gc})})}).code == 0);
    REQUIRE(wait_until([&] { return !h.read("gc.pid").empty(); }));
    pid_t grandchild = std::stoi(h.read("gc.pid"));
    REQUIRE(alive(grandchild));
    REQUIRE(h.rein({"stop", "parent"}).code == 0);
    CHECK_FALSE(alive(grandchild));
}

TEST_CASE("a crash takes the app's leftover processes with it") {
    Home h;
    std::string gc = h.path("gc.pid");
    REQUIRE(h.rein({"start",
                    h.ecosystem({fixture_app("p", {"grandchild", gc, "sleep", "100", "exit", "2"},
                                             {"autorestart: false"})})})
                .code == 0);
    REQUIRE(wait_until([&] { return !h.read("gc.pid").empty(); }));
    pid_t grandchild = std::stoi(h.read("gc.pid"));
    REQUIRE(wait_row(h, "p", [](auto& r) { return r["status"] == "stopped"; }));
    CHECK(wait_until([&] { return !alive(grandchild); }));
}

TEST_CASE("an instance owns its session, has stdin on /dev/null and no daemon descriptor") {
    Home h;
    std::string fds = h.path("fds.out");
    REQUIRE(
        h.rein({"start", h.ecosystem({fixture_app("a", {"fds", fds}, {"instances: 2"})})}).code ==
        0);
    REQUIRE(h.wait_status("a", "online", 2));
    REQUIRE(wait_until([&] { return !h.read("fds.out").empty(); }));
    CHECK(h.read("fds.out") == "0\n1\n2\n");
    for (const auto& row : h.rows("a")) {
        pid_t pid = row["pid"];
        std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
        auto fields = stat.substr(stat.rfind(')') + 2);
        std::istringstream in(fields);
        std::string state;
        pid_t ppid = 0, pgrp = 0, session = 0;
        in >> state >> ppid >> pgrp >> session;
        CHECK(pgrp == pid);
        CHECK(session == pid);
        char target[256] = {};
        std::string link = "/proc/" + std::to_string(pid) + "/fd/0";
        REQUIRE(readlink(link.c_str(), target, sizeof target - 1) > 0);
        CHECK(std::string(target) == "/dev/null");
    }
}
