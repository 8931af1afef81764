// rein update: the daemon execs a new image in its own process; apps, sockets, pipes, clients
// and pending restarts carry over, and a binary that cannot take over changes nothing.
#include "harness.hpp"
#include "http.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <csignal>
#include <map>
#include <sstream>
#include <sys/stat.h>
#include <thread>

using namespace rein::test;

namespace {

// What must not change across an update, per instance id.
std::map<int, std::string> identity(const Home& h) {
    std::map<int, std::string> out;
    for (const auto& r : h.jlist())
        out[r["id"].get<int>()] = r["name"].get<std::string>() + " pid=" + r["pid"].dump() + " " +
                                  r["status"].get<std::string>() +
                                  " restarts=" + r["restarts"].dump() +
                                  " created=" + r["created_at"].dump();
    return out;
}

// The numbers of the "tick N" lines in `text`, in order.
std::vector<long> ticks(const std::string& text) {
    std::vector<long> out;
    std::istringstream in(text);
    std::string word;
    long n = 0;
    while (in >> word)
        if (word == "tick" && in >> n) out.push_back(n);
    return out;
}

// True when `v` counts up by one with no gap or repeat.
bool consecutive(const std::vector<long>& v) {
    for (std::size_t i = 1; i < v.size(); ++i)
        if (v[i] != v[i - 1] + 1) return false;
    return !v.empty();
}

long last_tick(const std::string& text) {
    auto v = ticks(text);
    return v.empty() ? 0 : v.back();
}

} // namespace

TEST_CASE("update replaces the daemon in place: same pid, apps, sockets, logs and followers") {
    Home h;
    int port = free_port();
    std::string web = "  - name: web\n    script: " REIN_HTTP_BIN "\n    instances: 2\n"
                      "    listen: '127.0.0.1:" +
                      std::to_string(port) + "'\n";
    std::string eco = h.ecosystem({web, fixture_app("ticker", {"every", "5"}),
                                   fixture_app("crashy", {"exit", "1"}, {"restart_delay: 60000"}),
                                   fixture_app("idle", {})});
    REQUIRE(h.rein({"start", eco}).code == 0);
    REQUIRE(h.wait_status("web", "online", 2));
    REQUIRE(h.wait_status("crashy", "waiting_restart"));
    REQUIRE(h.rein({"stop", "idle"}).code == 0);
    std::string ticker_log = h.path("logs/ticker-out.log");
    REQUIRE(wait_until([&] { return last_tick(slurp(ticker_log)) >= 20; }));

    pid_t daemon = h.daemon_pid();
    auto before = identity(h);
    Background follower(h, {"logs", "ticker", "--raw", "--lines", "0"});
    REQUIRE(follower.read_until([](const std::string& t) { return last_tick(t) > 0; }));

    // Requests keep coming during the update: the daemon holds the socket throughout.
    std::atomic<bool> stop{false};
    std::atomic<long> ok{0}, failed{0};
    std::thread load([&] {
        for (int i = 0; i < 100000 && !stop; ++i) (http_get(port).empty() ? failed : ok)++;
    });
    Run up = h.rein({"update"});
    long at_update = last_tick(slurp(ticker_log));
    Run again = h.rein({"update"}); // an updated daemon updates again
    REQUIRE(wait_until([&] { return ok > 50; }));
    stop = true;
    load.join();

    CHECK(up.code == 0);
    CHECK(has(up.out, "reind updated in place"));
    CHECK(has(up.out, "(pid " + std::to_string(daemon) + ")"));
    CHECK(has(up.out, "5 instance(s) of 4 app(s) kept running"));
    CHECK(again.code == 0);
    CHECK(h.daemon_pid() == daemon);
    CHECK(has(slurp(h.path("reind.log")), "took over from"));
    CHECK(identity(h) == before); // same ids, pids, statuses, counters, creation times
    CHECK(failed == 0);

    // Output written across the update is all there, in the file and for the follower.
    REQUIRE(wait_until([&] { return last_tick(slurp(ticker_log)) > at_update + 20; }));
    auto in_file = ticks(slurp(ticker_log));
    CHECK(consecutive(in_file));
    CHECK(in_file.front() == 1);
    REQUIRE(follower.read_until([&](const std::string& t) { return last_tick(t) > at_update; }));
    CHECK(consecutive(ticks(follower.text())));

    // The new image supervises: it reaps and restarts a crash, and stops gracefully.
    pid_t old_web = h.rows("web")[0]["pid"];
    kill(old_web, SIGKILL);
    REQUIRE(wait_until([&] {
        auto r = h.rows("web")[0];
        return r["status"] == "online" && r["pid"] != old_web && r["restarts"] == 1;
    }));
    CHECK(h.rein({"stop", "ticker"}).code == 0);
    CHECK(h.rows("ticker")[0]["status"] == "stopped");
    CHECK(h.rows("crashy")[0]["status"] == "waiting_restart");
}

TEST_CASE("update refuses a binary that cannot take over, and changes nothing") {
    Home h;
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("a", {})})}).code == 0);
    REQUIRE(h.wait_status("a", "online"));
    pid_t daemon = h.daemon_pid();
    auto before = identity(h);

    Run not_reind = h.rein({"update", "--reind", "/bin/true"});
    CHECK(not_reind.code == 1);
    CHECK(has(not_reind.err, "/bin/true cannot take over from this daemon"));
    Run missing = h.rein({"update", "--reind", h.path("no-such-reind")});
    CHECK(missing.code == 1);
    CHECK(has(missing.err, "cannot take over"));

    // A reind that passes the check but cannot read the state it is given hands back to the
    // old image, which answers and carries on.
    std::string wrapper =
        h.write("bad-reind", "#!/bin/bash\n"
                             "[ \"$1\" = --handover-format ] && { echo 1; exit 0; }\n"
                             "sed 's/\"format\":1/\"format\":99/' /proc/self/fd/$2 > \"$0.state\"\n"
                             "exec {fd}< \"$0.state\"\n"
                             "exec " REIND_BIN " --resume $fd\n");
    chmod(wrapper.c_str(), 0755);
    Run handed_back = h.rein({"update", "--reind", wrapper});
    CHECK(handed_back.code == 1);
    CHECK(has(handed_back.err, "the new reind could not take over (state format 99"));
    CHECK(has(handed_back.err, "nothing was changed"));

    CHECK(h.daemon_pid() == daemon);
    CHECK(identity(h) == before);
    CHECK(h.rein({"update"}).code == 0); // and a good one still works afterwards
    CHECK(identity(h) == before);
}

TEST_CASE("update with no daemon running says so and starts none") {
    Home h;
    Run r = h.rein({"update"});
    CHECK(r.code == 0);
    CHECK(has(r.err, "no daemon is running"));
    CHECK(h.daemon_pid() == 0);
}

TEST_CASE("update waits until an app that is starting is up, then carries it over") {
    Home h;
    // Never says READY=1: launching until listen_timeout puts it online.
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app(
                                 "slow", {}, {"wait_ready: true", "listen_timeout: 1500"})})})
                .code == 0);
    REQUIRE(h.rows("slow")[0]["status"] == "launching");
    Run up = h.rein({"update"});
    CHECK(up.code == 0);
    auto row = h.rows("slow")[0];
    CHECK(row["status"] == "online");
    CHECK(row["restarts"] == 0);
    CHECK(has(slurp(h.path("reind.log")), "not ready after listen_timeout; online anyway"));
}
