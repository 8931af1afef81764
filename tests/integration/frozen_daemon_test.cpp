// A daemon frozen by SIGSTOP: the CLI says so within REIN_TIMEOUT instead of hanging, the apps
// run on meanwhile, and once the daemon continues it serves again and logs what they printed.
#include "harness.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <sstream>

using namespace rein::test;

namespace {

// The state letter of /proc/PID/stat (R, S, T, Z...), or '?' when the process is gone.
char proc_state(pid_t pid) {
    std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
    auto paren = stat.rfind(')');
    return paren != std::string::npos && paren + 2 < stat.size() ? stat[paren + 2] : '?';
}

// Bytes the process has written so far (wchar of /proc/PID/io), or -1.
long long written(pid_t pid) {
    std::istringstream io(slurp("/proc/" + std::to_string(pid) + "/io"));
    std::string key;
    long long value = 0;
    while (io >> key >> value)
        if (key == "wchar:") return value;
    return -1;
}

// True when `text` is "tick 1\n" ... "tick N\n" with nothing missing, doubled or reordered.
bool ticks_in_order(const std::string& text) {
    std::istringstream in(text);
    std::string line;
    long expect = 1;
    while (std::getline(in, line))
        if (line != "tick " + std::to_string(expect++)) return false;
    return true;
}

// Continues the daemon whatever happens to the test.
struct Continue {
    pid_t pid;
    ~Continue() { kill(pid, SIGCONT); }
};

} // namespace

TEST_CASE("a daemon stopped for 10 s: rein says so at once, apps run on, their lines are kept") {
    using Clock = std::chrono::steady_clock;
    Home h;
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("ticker", {"every", "5"})})}).code == 0);
    REQUIRE(h.wait_status("ticker", "online"));
    pid_t app = h.rows("ticker")[0]["pid"];
    REQUIRE(wait_until([&] { return has(h.read("logs/ticker-out.log"), "tick 20\n"); }));

    pid_t d = h.daemon_pid();
    REQUIRE(d > 0);
    Continue cont{d};
    REQUIRE(kill(d, SIGSTOP) == 0);
    REQUIRE(wait_until([&] { return proc_state(d) == 'T'; }));
    auto stopped_at = Clock::now();
    std::size_t logged_at_stop = h.read("logs/ticker-out.log").size();
    long long wrote_at_stop = written(app);

    Run r = h.rein({"ls"}, {"REIN_TIMEOUT=2"});
    CHECK(r.code == 1);
    CHECK(r.err == "rein: the daemon (pid " + std::to_string(d) +
                       ") is stopped (SIGSTOP?) and does not answer; REIN_TIMEOUT sets the wait\n");

    // The app goes on printing for the rest of the 10 s: alive, never stopped or blocked.
    char state = 'S';
    wait_until(
        [&] {
            state = proc_state(app);
            bool fine = state == 'R' || state == 'S';
            return !fine || Clock::now() - stopped_at >= std::chrono::seconds(10);
        },
        15000);
    CHECK(state != 'T');
    CHECK(alive(app));
    long long wrote_during = written(app) - wrote_at_stop;
    CHECK(wrote_during > 1000); // some 2000 lines of ~10 bytes in 10 s; far more than 100
    CHECK(proc_state(d) == 'T');

    kill(d, SIGCONT);
    Run ls = h.rein({"ls"}, {"REIN_TIMEOUT=2"});
    CHECK(ls.code == 0);
    CHECK(has(ls.out, "ticker"));
    // Once drained, the log holds every byte printed during the stop, in order.
    CHECK(wait_until([&] {
        return h.read("logs/ticker-out.log").size() >= logged_at_stop + std::size_t(wrote_during);
    }));
    std::string log = h.read("logs/ticker-out.log");
    CHECK(ticks_in_order(log.substr(0, log.rfind('\n') + 1)));
    CHECK(h.row(0)["pid"] == app);
}

TEST_CASE("a daemon busy past REIN_TIMEOUT but answering pings is waited for") {
    Home h;
    // The stop waits out the 3 s kill_timeout of an app that ignores its signals.
    std::string app =
        fixture_app("stubborn", {"ignore", "INT", "ignore", "TERM"}, {"kill_timeout: 3000"});
    REQUIRE(h.rein({"start", h.ecosystem({app})}).code == 0);
    REQUIRE(h.wait_status("stubborn", "online"));
    Run stop = h.rein({"stop", "stubborn"}, {"REIN_TIMEOUT=1"});
    CHECK(stop.code == 0);
    CHECK(stop.err == "");
    CHECK(h.rows("stubborn")[0]["status"] == "stopped");
}
