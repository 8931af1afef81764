// rein run: the apps in the foreground with a daemon of its own, stopped by SIGTERM.
#include "harness.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace rein::test;

namespace {

// Waits (bounded) for `pid` to end; its exit status, or -1 when it did not end in time.
int wait_exit(pid_t pid, int timeout_ms = 15000) {
    int status = 0;
    bool ended = wait_until([&] { return waitpid(pid, &status, WNOHANG) == pid; }, timeout_ms);
    if (!ended) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

} // namespace

TEST_CASE("rein run: prefixed lines on stdout and stderr, SIGTERM stops every app, exit 0") {
    Home h;
    std::string stamp = h.path("web.stamp");
    std::string eco =
        h.ecosystem({fixture_app("web", {"stamp", stamp, "eprint", "oops", "every", "50"}),
                     fixture_app("once", {"print", "3"}, {"autorestart: false"})});
    int out = open(h.path("run.out").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int err = open(h.path("run.err").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    REQUIRE((out >= 0 && err >= 0));
    pid_t run = h.spawn_rein({"run", eco}, {}, "", out, err);
    close(out);
    close(err);

    CHECK(wait_until([&] { return has(h.read("run.out"), "0|web | tick 2\n"); }));
    CHECK(has(h.read("run.out"), "1|once | line 3\n"));
    CHECK(wait_until([&] { return has(h.read("run.err"), "0|web | oops\n"); }));
    CHECK(!has(h.read("run.out"), "oops"));
    CHECK(h.rows("web").size() == 1); // its daemon serves the home meanwhile
    pid_t app = std::stoi(h.read("web.stamp"));
    REQUIRE(alive(app));

    kill(run, SIGTERM);
    CHECK(wait_exit(run) == 0);
    CHECK(!alive(app));
    CHECK(h.rein({"kill"}).err.find("no daemon is running") != std::string::npos);
}

TEST_CASE("rein run refuses a home whose daemon runs apps, and a bad file, exit 1") {
    Home h;
    Run bad = h.rein({"run", h.write("bad.yaml", "apps:\n  - name: x\n    scrpt: y\n")});
    CHECK(bad.code == 1);
    CHECK(has(bad.err, "bad.yaml:3:5: unknown key 'scrpt'"));
    CHECK(h.daemon_pid() == 0); // nothing was started

    Run missing = h.rein({"run", h.write("gone.yaml", "apps:\n  - script: /nonexistent/app\n")});
    CHECK(missing.code == 1);
    CHECK(has(missing.err, "/nonexistent/app"));
    CHECK(h.daemon_pid() == 0); // a daemon that was started for it is gone again

    // A daemon with apps is someone's: rein run leaves it alone.
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("b", {})}, "b.yaml")}).code == 0);
    Run busy = h.rein({"run", h.ecosystem({fixture_app("a", {})})});
    CHECK(busy.code == 1);
    CHECK(has(busy.err, "rein run needs a home of its own"));
    CHECK(h.jlist().size() == 1);
}

namespace {

// The reind processes serving `home` (their REIN_HOME), found in /proc.
std::vector<pid_t> daemons_of(const std::string& home) {
    std::vector<pid_t> found;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
        std::string name = e.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        char target[4096];
        ssize_t n = readlink((e.path() / "exe").c_str(), target, sizeof target - 1);
        if (n <= 0 || std::string(target, std::size_t(n)) != REIND_BIN) continue;
        std::string env = slurp((e.path() / "environ").string());
        if (has(env, std::string("REIN_HOME=") + home + '\0')) found.push_back(std::stoi(name));
    }
    return found;
}

// True once `pid` runs the rein binary (its exec done), not the test's fork of itself.
bool runs_rein(pid_t pid) {
    char target[4096];
    std::string link = "/proc/" + std::to_string(pid) + "/exe";
    ssize_t n = readlink(link.c_str(), target, sizeof target - 1);
    return n > 0 && std::string(target, std::size_t(n)) == REIN_BIN;
}

} // namespace

TEST_CASE("rein run with a CLI call right after it: one daemon, SIGTERM stops all, exit 0") {
    // A CLI that finds no daemon launches one; it used to slip in while rein run's own daemon
    // was starting, leaving two (the other detached) and a rein run that exited 1 or ignored
    // SIGTERM. The window is a few ms wide: many rounds, each bounded. When the CLI gets to the
    // home first, rein run takes over the daemon it started (it runs no app yet).
    for (int round = 0; round < 30; ++round) {
        CAPTURE(round);
        Home h;
        std::string stamp = h.path("a.stamp");
        std::string eco = h.ecosystem({fixture_app("a", {"stamp", stamp})});
        int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
        REQUIRE(null >= 0);
        pid_t run = h.spawn_rein({"run", eco}, {}, "", null, null);
        close(null);
        REQUIRE(wait_until([&] { return runs_rein(run); }));
        Run ls = h.rein({"ls"});
        CHECK(ls.code == 0);
        REQUIRE(wait_until([&] { return !h.read("a.stamp").empty(); }));
        pid_t app = std::stoi(h.read("a.stamp"));
        auto daemons = daemons_of(h.dir());
        CHECK(daemons.size() == 1);
        kill(run, SIGTERM);
        int code = wait_exit(run);
        CHECK(code == 0);
        CHECK(wait_until([&] { return !alive(app); }));
        if (alive(app)) kill(app, SIGKILL);
        for (pid_t d : daemons) {
            CHECK(wait_until([&] { return !alive(d); }));
            if (alive(d)) kill(d, SIGKILL);
        }
        if (code != 0 || daemons.size() != 1) break; // one failing round says it all
    }
}
