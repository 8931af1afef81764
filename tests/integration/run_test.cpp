// rein run: the apps in the foreground with a daemon of its own, stopped by SIGTERM.
#include "harness.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

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

TEST_CASE("rein run: prefixed lines on stdout and stderr; SIGTERM stops every app, exit 0") {
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

TEST_CASE("rein run refuses a home whose daemon already runs, and a bad file, exit 1") {
    Home h;
    Run bad = h.rein({"run", h.write("bad.yaml", "apps:\n  - name: x\n    scrpt: y\n")});
    CHECK(bad.code == 1);
    CHECK(has(bad.err, "bad.yaml:3:5: unknown key 'scrpt'"));
    CHECK(h.daemon_pid() == 0); // nothing was started

    Run missing = h.rein({"run", h.write("gone.yaml", "apps:\n  - script: /nonexistent/app\n")});
    CHECK(missing.code == 1);
    CHECK(has(missing.err, "/nonexistent/app"));
    CHECK(h.daemon_pid() == 0); // a daemon that was started for it is gone again

    REQUIRE(h.rein({"ping"}).code == 0);
    Run busy = h.rein({"run", h.ecosystem({fixture_app("a", {})})});
    CHECK(busy.code == 1);
    CHECK(has(busy.err, "rein run needs a home of its own"));
    CHECK(h.jlist().empty());
}
