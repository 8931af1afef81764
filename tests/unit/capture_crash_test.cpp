// THE proof of the commit journal: a mini daemon (reactor + OutputCapture + AppLogs + journal)
// captures a pipe that a writer fills with numbered lines every ~0.1 ms; it is SIGKILLed at
// pseudo-random moments, over and over, while this process keeps its own duplicate of the read
// end (as the holder does). After each kill: recovery, and a new mini daemon. At the end the file
// holds every number exactly once, in order.
//
// REIN_CRASH_READ_FIRST=1 runs the mini daemons with the capture before the journal (read, then
// write): the same test then loses lines (the docs/logs.md figures).
#include "common/app_spec.hpp"
#include "daemon/logs/commit_journal.hpp"
#include "daemon/logs/output_capture.hpp"
#include "daemon/reactor/reactor.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <cstdlib>
#include <ctime>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <random>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace rein;
using namespace rein::daemon;

namespace {

// Runs in a forked child until the pipe's end: never returns.
[[noreturn]] void mini_daemon(int read_end, const std::string& dir) {
    auto journal = CommitJournal::open(dir + "/capture.journal");
    if (!journal) _exit(2);
    CommitJournal::install(journal->get());
    (void)(*journal)->recover();
    if (std::getenv("REIN_CRASH_READ_FIRST")) OutputCapture::set_read_then_write(true);
    Reactor reactor;
    AppSpec spec;
    spec.name = "crash";
    spec.out_file = dir + "/out.log";
    spec.time = true; // per-line work, as many apps have
    auto logs = std::make_shared<AppLogs>(spec, dir, nullptr);
    if (!logs->open().empty()) _exit(3);
    OutputCapture capture(reactor, UniqueFd(dup(read_end)), logs, 0, Stream::out,
                          [&] { reactor.stop(); });
    reactor.run();
    _exit(0);
}

// Waits for `pid` at most `ms`; false (and the child killed) when it did not end in time.
bool wait_for_exit(pid_t pid, int ms) {
    int pidfd = int(syscall(SYS_pidfd_open, pid, 0));
    bool ended = true;
    if (pidfd >= 0) {
        pollfd p{pidfd, POLLIN, 0};
        ended = poll(&p, 1, ms) == 1;
        close(pidfd);
    }
    if (!ended) kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return ended;
}

} // namespace

TEST_CASE("capture: a daemon SIGKILLed 200 times at random moments loses and repeats no line") {
    char tmpl[] = "/tmp/rein-crash-XXXXXX";
    std::string dir = mkdtemp(tmpl);
    int data[2], control[2];
    REQUIRE(pipe2(data, O_CLOEXEC) == 0);
    REQUIRE(pipe2(control, O_CLOEXEC) == 0);
    fcntl(data[0], F_SETFL, O_NONBLOCK);
    const int k_max_lines = 400000; // bound: ~40 s at 0.1 ms a line
    pid_t writer = fork();
    REQUIRE(writer >= 0);
    if (writer == 0) {
        close(control[1]);
        fcntl(control[0], F_SETFL, O_NONBLOCK);
        timespec gap{0, 100 * 1000};
        for (int i = 1; i <= k_max_lines; ++i) {
            // Numbered, and long enough that commits take a while: more kills land inside one.
            std::string line = std::to_string(i) + " " + std::string(200, '.') + "\n";
            if (write(data[1], line.data(), line.size()) != ssize_t(line.size())) _exit(1);
            char c;
            if (read(control[0], &c, 1) == 0) break; // the test is done with kills
            nanosleep(&gap, nullptr);
        }
        _exit(0);
    }
    close(data[1]); // the writer holds the only write end: its exit is the pipe's end
    close(control[0]);

    unsigned seed = unsigned(std::time(nullptr));
    std::mt19937 random(seed);
    std::uniform_int_distribution<int> delay_us(0, 10000);
    int rolled_back = 0, completed = 0;
    const int kills = 200;
    for (int k = 0; k < kills; ++k) {
        pid_t daemon = fork();
        REQUIRE(daemon >= 0);
        if (daemon == 0) mini_daemon(data[0], dir);
        timespec t{0, long(delay_us(random)) * 1000};
        nanosleep(&t, nullptr); // the point: a random moment, not a synchronisation
        kill(daemon, SIGKILL);
        waitpid(daemon, nullptr, 0);
        auto journal = CommitJournal::open(dir + "/capture.journal");
        REQUIRE(journal);
        auto r = (*journal)->recover();
        rolled_back += r.kind == CommitJournal::Recovery::Kind::rolled_back;
        completed += r.kind == CommitJournal::Recovery::Kind::completed;
    }
    close(control[1]); // the writer stops; the last mini daemon drains to the end
    // Started first: the writer may be blocked on a full pipe that only a daemon empties.
    pid_t last = fork();
    REQUIRE(last >= 0);
    if (last == 0) mini_daemon(data[0], dir);
    CHECK(wait_for_exit(writer, 10000));
    CHECK(wait_for_exit(last, 20000));
    close(data[0]);

    std::ifstream in(dir + "/out.log");
    int expect = 1, wrong = 0, lines = 0;
    long missing = 0, repeated = 0;
    for (std::string line; std::getline(in, line); ++lines) {
        // "<time>: <n> ....": the number follows the time prefix.
        auto colon = line.find(": ");
        int got = colon == std::string::npos ? 0 : std::atoi(line.c_str() + colon + 2);
        if (got == expect) {
            ++expect;
            continue;
        }
        ++wrong;
        if (got > expect)
            missing += got - expect, expect = got + 1;
        else
            ++repeated;
    }
    MESSAGE("seed " << seed << ": " << kills << " kills, " << rolled_back
                    << " commits rolled back, " << completed << " completed after the kill; "
                    << lines << " lines, " << missing << " missing, " << repeated << " repeated");
    CHECK(lines > 1000);
    CHECK(wrong == 0);
    CHECK(missing == 0);
    CHECK(repeated == 0);
    (void)!std::system(("rm -rf '" + dir + "'").c_str());
}
