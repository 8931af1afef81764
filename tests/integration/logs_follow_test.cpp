// `rein logs` into a pipe or a file: the tail shows at once, live lines as they arrive, and a
// signal loses nothing already printed.
#include "harness.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace rein::test;

TEST_CASE("logs through a pipe shows the tail of a quiet app at once, then each live line") {
    Home h;
    std::string go = h.path("go");
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app(
                                 "quiet", {"print", "3", "waitfile", go, "eprint", "later"})})})
                .code == 0);
    REQUIRE(wait_until([&] { return has(h.read("logs/quiet-out.log"), "line 3\n"); }));
    // The app now prints nothing until `go` exists: the tail must not wait for a next line.
    Background follow(h, {"logs", "quiet", "--lines", "2"});
    CHECK(follow.read_until([](const std::string& t) { return has(t, "quiet | line 3\n"); }));
    CHECK(has(follow.text(), "quiet | line 2\n"));
    CHECK(!has(follow.text(), "later"));
    h.write("go", "");
    CHECK(follow.read_until([](const std::string& t) { return has(t, "0|quiet | later\n"); }));
}

TEST_CASE("logs --timestamp prefixes live lines with the time, history lines not") {
    Home h;
    std::string go = h.path("go");
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app(
                                 "ts", {"print", "1", "waitfile", go, "eprint", "later"})})})
                .code == 0);
    REQUIRE(wait_until([&] { return has(h.read("logs/ts-out.log"), "line 1\n"); }));
    Background follow(h, {"logs", "ts", "--lines", "1", "--timestamp", "[at] YYYY"});
    REQUIRE(follow.read_until([](const std::string& t) { return has(t, "ts | line 1\n"); }));
    h.write("go", "");
    REQUIRE(follow.read_until([](const std::string& t) { return has(t, "0|ts | later\n"); }));
    CHECK(has(follow.text(), "\nts | line 1\n")); // history: no time
    time_t now = time(nullptr);
    tm local{};
    localtime_r(&now, &local);
    CHECK(has(follow.text(), "at " + std::to_string(local.tm_year + 1900) + " 0|ts | later\n"));
    CHECK(h.rein({"logs", "--timestamp", "--json"}).code == 2);
}

TEST_CASE("logs into a file ended by SIGTERM keeps every line it received") {
    Home h;
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("t", {"print", "2000"})})}).code == 0);
    REQUIRE(wait_until([&] { return has(h.read("logs/t-out.log"), "line 2000\n"); }));
    int out = open(h.path("follow.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int err = open("/dev/null", O_WRONLY | O_CLOEXEC);
    REQUIRE(out >= 0);
    pid_t pid = h.spawn_rein({"logs", "t", "--out", "--raw", "--lines", "2000"}, {}, "", out, err);
    close(out);
    close(err);
    // The whole tail reaches the file while rein still follows.
    bool tail = wait_until([&] { return has(h.read("follow.txt"), "line 2000\n"); });
    kill(pid, SIGTERM);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    REQUIRE(tail);
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGTERM);
    std::string text = h.read("follow.txt");
    CHECK(text.rfind("line 1\n", 0) == 0);
    CHECK(std::count(text.begin(), text.end(), '\n') == 2000);
}
