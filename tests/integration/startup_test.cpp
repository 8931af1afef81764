// rein startup / unstartup, and the boot side of it: reind --foreground --resurrect under a
// systemd-style NOTIFY_SOCKET.
#include "harness.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace rein::test;

namespace {

bool systemd_runs_here() {
    struct stat st {};
    return stat("/run/systemd/system", &st) == 0;
}

// A datagram socket bound at `path`, as systemd's NOTIFY_SOCKET is.
int bind_notify(const std::string& path) {
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    return fd;
}

// One datagram within `timeout_ms`, or "".
std::string receive(int fd, int timeout_ms) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) != 1) return {};
    char buf[512];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, std::size_t(n)) : std::string();
}

} // namespace

TEST_CASE("startup --print shows the systemd unit for this home and starts nothing") {
    Home h;
    Run r = h.rein({"startup", "systemd", "--print"});
    CHECK(r.code == 0);
    CHECK(has(r.out, "ExecStart=" REIND_BIN " --foreground --resurrect\n"));
    CHECK(has(r.out, "Environment=REIN_HOME=" + h.dir() + "\n"));
    CHECK(has(r.out, std::string("User=") + getpwuid(geteuid())->pw_name + "\n"));
    CHECK(has(r.out, "Type=notify\n"));
    CHECK(has(r.out, "\nKillMode=process\n"));
    CHECK(has(r.out, "\nRestart=on-failure\nRestartSec=1\n"));
    CHECK(has(r.out, "\n# A reind that dies is started again; it adopts the apps still running"));
    CHECK(h.daemon_pid() == 0);
    // systemd itself finds nothing to say about it, where its verifier is installed.
    if (access("/usr/bin/systemd-analyze", X_OK) == 0) {
        std::string unit = h.write("rein-check.service", r.out);
        std::string cmd =
            "/usr/bin/systemd-analyze verify " + unit + " >" + h.path("verify.txt") + " 2>&1";
        CHECK(std::system(cmd.c_str()) == 0);
        CHECK(h.read("verify.txt") == "");
    }

    Run other = h.rein({"startup", "upstart"});
    CHECK(other.code == 1);
    CHECK(has(other.err, "rein knows systemd only"));
    Run nobody = h.rein({"startup", "--print", "--user", "no-such-user-here"});
    CHECK(nobody.code == 1);
    CHECK(has(nobody.err, "no user named 'no-such-user-here'"));
    if (!systemd_runs_here()) { // never touch a real machine's units from a test
        for (std::string cmd : {"startup", "unstartup"}) {
            Run install = h.rein({cmd});
            CHECK(install.code == 1);
            CHECK(has(install.err, "needs a system run by systemd"));
        }
    }
}

TEST_CASE("reind --resurrect brings back dump.json, then says READY=1 to systemd") {
    Home h;
    std::string eco = h.ecosystem({fixture_app("up", {}), fixture_app("down", {})});
    REQUIRE(h.rein({"start", eco}).code == 0);
    REQUIRE(h.rein({"stop", "down"}).code == 0);
    REQUIRE(h.rein({"save"}).code == 0);
    REQUIRE(h.rein({"kill"}).code == 0);

    std::string sock = h.path("notify");
    int notify = bind_notify(sock);
    int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    std::string home = "REIN_HOME=" + h.dir(), ns = "NOTIFY_SOCKET=" + sock;
    pid_t reind = fork();
    if (reind == 0) {
        dup2(devnull, 1);
        dup2(devnull, 2);
        putenv(home.data());
        putenv(ns.data());
        execl(REIND_BIN, "reind", "--foreground", "--resurrect", (char*)nullptr);
        _exit(127);
    }
    close(devnull);
    std::string ready = receive(notify, 15000);
    close(notify);
    CHECK(has(ready, "READY=1\n"));
    CHECK(has(ready, "MAINPID=" + std::to_string(reind) + "\n"));
    // The saved apps were there before READY=1: up runs, down stayed stopped.
    auto up = h.rows("up"), down = h.rows("down");
    REQUIRE((up.size() == 1 && down.size() == 1));
    CHECK(up[0]["status"] == "online");
    CHECK(down[0]["status"] == "stopped");
    pid_t app = up[0]["pid"];

    // systemd stops the unit with SIGTERM to reind: every app stops, reind exits 0.
    kill(reind, SIGTERM);
    int status = -1;
    bool ended = wait_until([&] { return waitpid(reind, &status, WNOHANG) == reind; }, 15000);
    if (!ended) kill(reind, SIGKILL), waitpid(reind, &status, 0);
    CHECK(ended);
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    CHECK_FALSE(alive(app));
}
