// `rein monit` driven like a person would: in tmux, keys sent, the screen read back.
#include "harness.hpp"

#include <doctest/doctest.h>

#include <cstdio>

using namespace rein::test;

namespace {

std::string run(const std::string& cmd) {
    std::string out;
    if (FILE* p = popen(cmd.c_str(), "r")) {
        char buf[4096];
        std::size_t n;
        while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
        pclose(p);
    }
    return out;
}

// A private tmux server for one test, ended with the test.
struct Tmux {
    std::string socket;
    explicit Tmux(const Home& h) : socket(h.path("tmux.sock")) {}
    ~Tmux() { run(tmux("kill-server") + " 2>/dev/null"); }
    std::string tmux(const std::string& args) const { return "tmux -S '" + socket + "' " + args; }
    std::string screen() const { return run(tmux("capture-pane -p -t monit")); }
    void keys(const std::string& k) const { run(tmux("send-keys -t monit " + k)); }
};

} // namespace

TEST_CASE(
    "monit shows the apps and their figures, r restarts the selection, q restores the terminal") {
    if (system("command -v tmux >/dev/null 2>&1") != 0) {
        MESSAGE("tmux is not installed: skipped");
        return;
    }
    Home h;
    REQUIRE(h.rein({"start",
                    h.ecosystem({fixture_app("alpha", {"every", "200"}), fixture_app("beta", {})})})
                .code == 0);
    REQUIRE(h.wait_status("alpha", "online"));
    Tmux t(h);
    std::string cmd =
        "REIN_HOME='" + h.dir() + "' " REIN_BIN " monit; echo MONIT-EXIT=$?; sleep 60";
    REQUIRE(system((t.tmux("new-session -d -s monit -x 120 -y 30 \"" + cmd + "\"")).c_str()) == 0);

    // The table, a figure, and the selected app's live log lines.
    CHECK(wait_until([&] {
        auto s = t.screen();
        return has(s, "alpha") && has(s, "beta") && has(s, "online") && has(s, "tick") &&
               has(s, "0%") && (has(s, "kb") || has(s, "mb"));
    }));
    // A resize redraws for the new size.
    run(t.tmux("resize-window -t monit -x 70 -y 16"));
    CHECK(wait_until([&] {
        auto s = t.screen();
        return has(s, "alpha") && s.find('\n') <= 70;
    }));
    t.keys("r"); // alpha is selected first
    CHECK(wait_until([&] { return h.rows("alpha")[0]["restarts"] == 1; }));
    CHECK(h.rows("beta")[0]["restarts"] == 0);
    t.keys("j");
    t.keys("s"); // beta: stop
    CHECK(wait_until([&] { return h.rows("beta")[0]["status"] == "stopped"; }));
    t.keys("q");
    CHECK(wait_until([&] { return has(t.screen(), "MONIT-EXIT=0"); }));
    CHECK_FALSE(has(t.screen(), "rein monit")); // the alternate screen is gone
}

TEST_CASE("monit refuses to run without a terminal") {
    Home h;
    Run r = h.rein({"monit"});
    CHECK(r.code == 1);
    CHECK(has(r.err, "needs a terminal"));
}

TEST_CASE("monit at 80x24 keeps the memory column and shows every help line whole") {
    if (system("command -v tmux >/dev/null 2>&1") != 0) {
        MESSAGE("tmux is not installed: skipped");
        return;
    }
    Home h;
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("alpha", {"every", "200"})})}).code == 0);
    REQUIRE(h.wait_status("alpha", "online"));
    Tmux t(h);
    std::string cmd = "REIN_HOME='" + h.dir() + "' " REIN_BIN " monit; sleep 60";
    REQUIRE(system((t.tmux("new-session -d -s monit -x 80 -y 24 \"" + cmd + "\"")).c_str()) == 0);
    // The table row of alpha ends with its memory.
    CHECK(wait_until([&] {
        std::string s = t.screen();
        std::size_t row = s.find(">0 ");
        if (row == std::string::npos) return false;
        std::string line = s.substr(row, s.find('\n', row) - row);
        return has(s, "memory") && (has(line, "kb") || has(line, "mb"));
    }));
    t.keys("'?'");
    CHECK(wait_until(
        [&] { return has(t.screen(), "reload its app (zero-downtime in cluster mode)"); }));
    t.keys("x"); // any key closes the help
    t.keys("q");
}
