// Versions and revisions: `rein --version`, `reind --version`, `rein ping`'s two lines and its
// warning when the running daemon is another build, `rein update` naming both builds, and
// `rein ping --no-start` (the container health check) never starting a daemon.
#include "harness.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace rein::test;

namespace {

// The revision in `rein --version`'s "rein 0.1.0 (git c0d5cad)".
std::string revision_of(const std::string& line) {
    auto open = line.find("(git ");
    auto close = line.find(')', open);
    REQUIRE(open != std::string::npos);
    REQUIRE(close != std::string::npos);
    return line.substr(open + 5, close - open - 5);
}

// Runs `program --version` and returns its first line.
std::string version_of(const std::string& program) {
    std::string out;
    if (FILE* p = popen((program + " --version").c_str(), "r")) {
        char buf[256];
        while (fgets(buf, sizeof buf, p)) out += buf;
        pclose(p);
    }
    return out.substr(0, out.find('\n'));
}

// A copy of reind at `path` whose revision reads `other` (same length as `rev`): the bytes after
// the "rein-revision=" tag that common/version.cpp keeps in the binary are rewritten, in every
// copy (a debug build has a second one in its debug information).
void write_other_build(const std::string& path, const std::string& rev, const std::string& other) {
    REQUIRE(other.size() == rev.size());
    std::string bin = slurp(REIND_BIN);
    std::string tagged = "rein-revision=" + rev + std::string(1, '\0');
    int copies = 0;
    for (auto at = bin.find(tagged); at != std::string::npos; at = bin.find(tagged, at + 1)) {
        bin.replace(at + 14, rev.size(), other);
        ++copies;
    }
    REQUIRE(copies > 0);
    std::ofstream(path, std::ios::binary) << bin;
    REQUIRE(chmod(path.c_str(), 0755) == 0);
}

// Starts `reind` for `h` as rein would (it detaches and exits once it serves). Its helpers are
// found through the environment: the copy does not sit next to them.
void start_daemon(const Home& h, const std::string& reind) {
    std::string dir = std::string(REIND_BIN).substr(0, std::string(REIND_BIN).rfind('/'));
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        setenv("REIN_HOME", h.dir().c_str(), 1);
        setenv("REIN_HOLDER", (dir + "/rein-holder").c_str(), 1);
        setenv("REIN_PRELOAD", (dir + "/librein-bind.so").c_str(), 1);
        execl(reind.c_str(), "reind", static_cast<char*>(nullptr));
        _exit(127);
    }
    int status = -1;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    REQUIRE((WIFEXITED(status) && WEXITSTATUS(status) == 0));
}

} // namespace

TEST_CASE("rein --version, -v and reind --version print the version and the git revision") {
    Home h;
    Run longform = h.rein({"--version"});
    Run shortform = h.rein({"-v"});
    CHECK(longform.code == 0);
    CHECK(shortform.out == longform.out);
    std::string line = longform.out.substr(0, longform.out.find('\n'));
    std::string rev = revision_of(line);
    CHECK(line == "rein " REIN_VERSION " (git " + rev + ")");
    CHECK(!rev.empty());
    CHECK(version_of(REIND_BIN) == "reind " REIN_VERSION " (git " + rev + ")");
    CHECK(h.daemon_pid() == 0); // asking the version starts nothing
}

TEST_CASE("ping prints the daemon's line and its own, warning when they are two builds") {
    std::string rev = revision_of(version_of(REIN_BIN));
    SUBCASE("the same build: two lines, no warning") {
        Home h;
        Run r = h.rein({"ping"});
        CHECK(r.code == 0);
        CHECK(r.out == "reind " REIN_VERSION " (git " + rev + ") (pid " +
                           std::to_string(h.daemon_pid()) + ") pong\nrein " REIN_VERSION " (git " +
                           rev + ")\n");
        CHECK(r.err.empty());
    }
    SUBCASE("a daemon of another revision: warned, and rein update switches it") {
        Home h;
        std::string other(rev.size(), 'x');
        std::string copy = h.path("reind-other");
        write_other_build(copy, rev, other);
        REQUIRE(version_of(copy) == "reind " REIN_VERSION " (git " + other + ")");
        start_daemon(h, copy);
        REQUIRE(h.rein({"start", h.ecosystem({fixture_app("kept", {})})}).code == 0);
        REQUIRE(h.wait_status("kept", "online"));
        pid_t app = h.rows("kept")[0]["pid"];

        Run r = h.rein({"ping"});
        CHECK(r.code == 0);
        CHECK(has(r.out, "reind " REIN_VERSION " (git " + other + ") (pid "));
        CHECK(has(r.out, ") pong\nrein " REIN_VERSION " (git " + rev + ")\n"));
        CHECK(r.err == "rein: the running daemon is reind " REIN_VERSION " (git " + other +
                           ") but this is rein " REIN_VERSION " (git " + rev +
                           "): run `rein update` to switch the daemon (apps keep running)\n");

        Run up = h.rein({"update"});
        CHECK(up.code == 0);
        CHECK(has(up.out, "reind updated in place: reind " REIN_VERSION " (git " + other +
                              ") -> reind " REIN_VERSION " (git " + rev + ") (pid "));
        CHECK(has(h.read("reind.log"), "update: reind " REIN_VERSION " (git " + rev +
                                           ") took over from reind " REIN_VERSION " (git " + other +
                                           ")"));
        Run after = h.rein({"ping"});
        CHECK(after.code == 0);
        CHECK(after.err.empty());
        CHECK(h.rows("kept")[0]["pid"] == app);
    }
}

TEST_CASE("ping --no-start asks only a running daemon and never starts one") {
    Home h;
    Run none = h.rein({"ping", "--no-start"});
    CHECK(none.code == 1);
    CHECK(has(none.err, "rein: no daemon answers at "));
    CHECK(none.out.empty());
    CHECK(h.daemon_pid() == 0);
    CHECK(access(h.path("rein.sock").c_str(), F_OK) != 0);

    REQUIRE(h.rein({"ping"}).code == 0);
    pid_t d = h.daemon_pid();
    Run up = h.rein({"ping", "--no-start"});
    CHECK(up.code == 0);
    CHECK(has(up.out, "(pid " + std::to_string(d) + ") pong\n"));

    REQUIRE(h.rein({"kill"}).code == 0);
    CHECK(h.rein({"ping", "--no-start"}).code == 1);
    CHECK_FALSE(alive(h.daemon_pid()));
    CHECK(access(h.path("rein.sock").c_str(), F_OK) != 0);
}
