// The daemon under a crash storm and short of file descriptors: it keeps its descriptors bounded,
// keeps answering, and a spawn that cannot get descriptors waits for them; only running out of
// max_restarts makes an instance errored.
#include "harness.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

using namespace rein::test;

namespace {

using Clock = std::chrono::steady_clock;

// Descriptors the process holds now (0 once it is gone).
int fd_count(pid_t pid) {
    std::error_code ec;
    int n = 0;
    for (std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec), end;
         !ec && it != end; it.increment(ec))
        ++n;
    return n;
}

// The soft "Max open files" of a process, from /proc/PID/limits (0 when unreadable).
unsigned long long nofile_soft(pid_t pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/limits");
    for (std::string line; std::getline(f, line);) {
        if (line.rfind("Max open files", 0) != 0) continue;
        std::istringstream fields(line.substr(std::string("Max open files").size()));
        unsigned long long soft = 0;
        fields >> soft;
        return soft;
    }
    return 0;
}

// Starts the home's daemon with RLIMIT_NOFILE soft:hard, as `prlimit --nofile=S:H rein ping`
// would: the CLI starts reind on demand, and reind inherits the limit. Only the child lowers its
// limit (a lowered hard limit cannot be raised again without privilege).
void start_daemon_with_nofile(const Home& h, rlim_t soft, rlim_t hard) {
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e)
        if (std::string_view(*e).rfind("REIN_HOME=", 0) != 0) env.emplace_back(*e);
    env.push_back("REIN_HOME=" + h.dir());
    for (const char* var : {"ASAN_OPTIONS", "UBSAN_OPTIONS"}) {
        const char* old = std::getenv(var);
        env.push_back(std::string(var) + "=" + (old && *old ? std::string(old) + ":" : "") +
                      "log_path=" + h.sanitizer_log_prefix() + ":print_stacktrace=1");
    }
    std::vector<char*> cenv;
    for (auto& e : env) cenv.push_back(e.data());
    cenv.push_back(nullptr);
    std::string bin = REIN_BIN;
    char ping[] = "ping";
    char* argv[] = {bin.data(), ping, nullptr};
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        rlimit rl{soft, hard};
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) _exit(126);
        int devnull = open("/dev/null", O_WRONLY); // not the test's output: ping's "pong"
        if (devnull < 0 || dup2(devnull, 1) < 0) _exit(126);
        execve(argv[0], argv, cenv.data());
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    REQUIRE_MESSAGE((WIFEXITED(status) && WEXITSTATUS(status) == 0),
                    "rein ping with RLIMIT_NOFILE " << soft << ":" << hard << " failed");
    REQUIRE(alive(h.daemon_pid()));
}

// `rein jlist`, given at most `timeout_ms` to answer: a daemon that stopped serving fails the test
// at once instead of after the harness's minute. The time it took goes to `took_ms`.
nlohmann::json jlist_within(const Home& h, int timeout_ms, long& took_ms) {
    auto t0 = Clock::now();
    Background jlist(h, {"jlist"});
    bool answered = jlist.read_until(
        [](const std::string& out) { return !out.empty() && out.back() == '\n'; }, timeout_ms);
    took_ms =
        long(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count());
    REQUIRE_MESSAGE(answered, "jlist gave no answer within " << timeout_ms << " ms");
    auto rows = nlohmann::json::parse(jlist.text(), nullptr, false);
    REQUIRE(rows.is_array());
    return rows;
}

// Statuses of the app's instances, counted by name.
std::map<std::string, int> status_counts(const Home& h, const std::string& app) {
    std::map<std::string, int> counts;
    for (const auto& row : h.rows(app)) counts[row["status"].get<std::string>()]++;
    return counts;
}

} // namespace

TEST_CASE("a crash storm keeps the daemon's descriptors bounded, its answers quick and no "
          "instance errored") {
    Home h;
    // Runs of 0-20 ms: far more exits per second than forks the daemon can do, on any machine.
    // Before the fix, reaping spawned each restart inline and never got back to the loop: the
    // pipes of dead instances piled up unread until pipe() failed with EMFILE and the instances
    // went errored, while clients waited for minutes.
    constexpr int n = 50;
    auto eco = h.ecosystem({fixture_app(
        "storm", {"exitrandom", "0", "20"},
        {"instances: " + std::to_string(n), "max_restarts: 1000000", "min_uptime: 10"})});
    REQUIRE(h.rein({"start", eco}).code == 0);
    pid_t daemon = h.daemon_pid();
    REQUIRE(alive(daemon));

    // Two pipes per instance, plus the daemon's own handful (logs, sockets, a client or two)
    // and the pipes of a spawn in progress.
    const int bound = 2 * n + 64;
    int max_fds = 0, rounds = 0;
    long slowest_ms = 0;
    long long restarts = 0;
    auto deadline = Clock::now() + std::chrono::seconds(8);
    while (Clock::now() < deadline) {
        int fds = fd_count(daemon);
        max_fds = std::max(max_fds, fds);
        REQUIRE_MESSAGE(fds <= bound,
                        "the daemon holds " << fds << " descriptors (bound " << bound << ")");
        long took = 0;
        auto rows = jlist_within(h, 5000, took);
        slowest_ms = std::max(slowest_ms, took);
        REQUIRE(rows.size() == std::size_t(n));
        restarts = 0;
        for (const auto& row : rows) {
            REQUIRE_MESSAGE(row["status"] != "errored", "instance " << row["id"] << " errored");
            restarts += row["restarts"].get<long long>();
        }
        ++rounds;
    }
    MESSAGE("crash storm: " << rounds << " samples, " << restarts << " restarts, max " << max_fds
                            << " daemon fds (bound " << bound << "), slowest jlist " << slowest_ms
                            << " ms");
    CHECK(restarts >= n); // the storm did happen
    CHECK(alive(daemon));
    CHECK(!has(h.read("reind.log"), "Too many open files"));
}

TEST_CASE("a spawn short of descriptors waits for them: never errored, online once there is "
          "room") {
    Home h;
    // 64 descriptors for the daemon: room for about twenty instances' pipes.
    start_daemon_with_nofile(h, 64, 64);
    pid_t daemon = h.daemon_pid();
    CHECK(nofile_soft(daemon) == 64);

    constexpr int hogs = 30;
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("hog", {"sleep", "1"},
                                                      {"instances: " + std::to_string(hogs)})},
                                         "hog.yaml")})
                .code == 0);
    // Those that got descriptors run; the others wait for some. None is errored.
    std::map<std::string, int> counts;
    REQUIRE(wait_until([&] {
        counts = status_counts(h, "hog");
        return counts["errored"] > 0 ||
               (counts["online"] + counts["waiting_restart"] == hogs && counts["online"] > 0);
    }));
    REQUIRE(counts["errored"] == 0);
    REQUIRE_MESSAGE(counts["waiting_restart"] > 0, "every hog got its descriptors: the limit "
                                                   "did not bite");

    // A new app still starts (its log files come from the daemon's reserve), and waits for
    // descriptors for its pipes.
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("victim", {"sleep", "1"})}, "victim.yaml")})
                .code == 0);
    REQUIRE(h.wait_status("victim", "waiting_restart"));
    int victim_id = h.rows("victim")[0]["id"];
    std::set<std::string> seen;
    // Long enough for two retries (after 1 s, then 1.5 s): still waiting, never errored.
    auto until = Clock::now() + std::chrono::milliseconds(3000);
    while (Clock::now() < until) seen.insert(h.rows("victim")[0]["status"].get<std::string>());
    CHECK(seen == std::set<std::string>{"waiting_restart"});
    // Logged once for the instance, not at every retry.
    std::string log = h.read("reind.log");
    std::string line = "victim[" + std::to_string(victim_id) + "]: cannot start for now";
    std::size_t logged = 0;
    for (auto at = log.find(line); at != std::string::npos; at = log.find(line, at + 1)) ++logged;
    CHECK(logged == 1);

    // Room again: the waiting instance starts on its next try.
    REQUIRE(h.rein({"stop", "hog"}).code == 0);
    nlohmann::json row;
    REQUIRE(wait_until(
        [&] {
            row = h.rows("victim")[0];
            seen.insert(row["status"].get<std::string>());
            return row["status"] == "online";
        },
        30000));
    CHECK(seen.count("errored") == 0);
    // Waiting for descriptors is not a run of the app: no restart, nothing unstable.
    CHECK(row["restarts"] == 0);
    CHECK(row["unstable_restarts"] == 0);
    CHECK(has(h.read("reind.log"), "victim[" + std::to_string(victim_id) + "]: the resources"));
}

TEST_CASE("apps get the descriptor limit the daemon was started with, the daemon raises its "
          "own") {
    rlimit mine{};
    REQUIRE(getrlimit(RLIMIT_NOFILE, &mine) == 0);
    rlim_t hard = std::min<rlim_t>(mine.rlim_max, 4096);
    if (hard < 128) {
        MESSAGE("skipped: the hard RLIMIT_NOFILE here is " << hard);
        return;
    }
    rlim_t soft = hard / 2;
    Home h;
    start_daemon_with_nofile(h, soft, hard);
    CHECK(nofile_soft(h.daemon_pid()) == hard);
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("app", {"sleep", "1"})})}).code == 0);
    REQUIRE(h.wait_status("app", "online"));
    pid_t pid = h.rows("app")[0]["pid"];
    CHECK(nofile_soft(pid) == soft);
}
