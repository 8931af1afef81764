// The commit journal: a commit killed at any point is finished or undone by the next daemon, so
// every line ends up in the files exactly once (the pipe still holds what was not consumed).
#include "daemon/logs/commit_journal.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/ioctl.h>
#include <unistd.h>

using rein::daemon::CommitJournal;

namespace {

std::string j_slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

struct JournalDir {
    std::string path;
    JournalDir() {
        char tmpl[] = "/tmp/rein-journal-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~JournalDir() { (void)!std::system(("rm -rf '" + path + "'").c_str()); }
    std::string operator/(const std::string& name) const { return path + "/" + name; }
};

int j_open_log(const std::string& path) {
    return ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

int j_pipe_bytes(int fd) {
    int n = -1;
    ioctl(fd, FIONREAD, &n);
    return n;
}

// Where the simulated daemon dies within one commit of "b\n" to two files.
enum class JCrash { before_writes, between_writes, before_consume, before_idle, none };

// One commit, cut off at `at`, then a new "daemon" (a second mapping of the same file, as a new
// process would have) recovers. Returns what recovery did.
CommitJournal::Recovery j_run(const JournalDir& d, JCrash at) {
    std::ofstream(d / "out.log") << "a\n";
    std::ofstream(d / "all.log") << "x\na\n";
    int p[2];
    REQUIRE(pipe(p) == 0);
    REQUIRE(write(p[1], "b\n", 2) == 2);
    auto j = CommitJournal::open(d / "capture.journal");
    REQUIRE(j);
    CommitJournal& journal = **j;
    int out = j_open_log(d / "out.log"), all = j_open_log(d / "all.log");
    journal.begin(2, 'b', '\n');
    if (at != JCrash::before_writes) {
        journal.record(out, d / "out.log");
        REQUIRE(write(out, "b\n", 2) == 2);
        if (at != JCrash::between_writes) {
            journal.record(all, d / "all.log");
            REQUIRE(write(all, "b\n", 2) == 2);
            if (at != JCrash::before_consume) {
                CHECK(journal.consume(p[0]) == 2);
                if (at != JCrash::before_idle) journal.finish();
            }
        }
    }
    close(out);
    close(all);
    journal.forget_process_state();
    auto next = CommitJournal::open(d / "capture.journal");
    REQUIRE(next);
    auto r = (*next)->recover();
    bool consumed = j_pipe_bytes(p[0]) == 0;
    // Exactly once: either the files hold the line and the pipe does not, or the other way.
    if (consumed) {
        CHECK(j_slurp(d / "out.log") == "a\nb\n");
        CHECK(j_slurp(d / "all.log") == "x\na\nb\n");
    } else {
        CHECK(j_pipe_bytes(p[0]) == 2);
        CHECK(j_slurp(d / "out.log") == "a\n");
        CHECK(j_slurp(d / "all.log") == "x\na\n");
    }
    CHECK_FALSE((*next)->in_commit());
    CHECK((*next)->recover().kind == CommitJournal::Recovery::Kind::none); // idle afterwards
    close(p[0]);
    close(p[1]);
    return r;
}

} // namespace

TEST_CASE("journal: a commit killed at each point is rolled back or kept, never half done") {
    JournalDir d;
    using Kind = CommitJournal::Recovery::Kind;
    CHECK(j_run(d, JCrash::before_writes).kind == Kind::rolled_back);
    auto between = j_run(d, JCrash::between_writes);
    CHECK(between.kind == Kind::rolled_back);
    CHECK(between.bytes == 2);
    CHECK(between.files == std::vector<std::string>{d / "out.log"});
    auto before_consume = j_run(d, JCrash::before_consume);
    CHECK(before_consume.kind == Kind::rolled_back);
    CHECK(before_consume.bytes == 4);
    CHECK(before_consume.describe().find("4 bytes removed") != std::string::npos);
    auto before_idle = j_run(d, JCrash::before_idle);
    CHECK(before_idle.kind == Kind::completed);
    CHECK_FALSE(before_idle.partial_consume);
    CHECK(j_run(d, JCrash::none).kind == Kind::none);
}

TEST_CASE("journal: a file rotated within the commit is found under its new name") {
    JournalDir d;
    std::ofstream(d / "out.log") << "old\n";
    auto j = CommitJournal::open(d / "capture.journal");
    REQUIRE(j);
    int first = j_open_log(d / "out.log");
    (*j)->begin(4, 'n', '\n');
    (*j)->record(first, d / "out.log");
    REQUIRE(write(first, "n1\n", 3) == 3);
    // Rotation: the file moves to out.log.1 (and an older copy to .2), a new out.log begins.
    REQUIRE(rename((d / "out.log").c_str(), (d / "out.log.1").c_str()) == 0);
    int second = j_open_log(d / "out.log");
    (*j)->record(second, d / "out.log");
    REQUIRE(write(second, "2\n", 2) == 2);
    // A file that merely has a recorded name now is not touched.
    std::ofstream(d / "other.log") << "keep\n";
    (*j)->forget_process_state();
    close(first);
    close(second);
    auto again = CommitJournal::open(d / "capture.journal");
    REQUIRE(again);
    auto r = (*again)->recover();
    CHECK(r.kind == CommitJournal::Recovery::Kind::rolled_back);
    CHECK(j_slurp(d / "out.log.1") == "old\n");
    CHECK(j_slurp(d / "out.log") == "");
    CHECK(r.bytes == 5);
}

TEST_CASE(
    "journal: a replaced file of the same name is left alone, and an abort undoes in-process") {
    JournalDir d;
    std::ofstream(d / "out.log") << "old\n";
    auto j = CommitJournal::open(d / "capture.journal");
    REQUIRE(j);
    int fd = j_open_log(d / "out.log");
    (*j)->begin(2, 'b', '\n');
    (*j)->record(fd, d / "out.log");
    REQUIRE(write(fd, "b\n", 2) == 2);
    (*j)->abort(); // a later write failed: everything of the commit goes
    CHECK(j_slurp(d / "out.log") == "old\n");
    CHECK_FALSE((*j)->in_commit());
    (*j)->begin(2, 'b', '\n');
    (*j)->record(fd, d / "out.log");
    REQUIRE(write(fd, "b\n", 2) == 2);
    // Still open, so its inode number cannot go to the new file: a freed number handed to a
    // new file of the same name would pass for the same file (the known limit of dev/ino).
    unlink((d / "out.log").c_str());
    std::ofstream(d / "out.log") << "someone else's file\n";
    auto r = (*j)->recover();
    CHECK(r.files.empty());
    CHECK(j_slurp(d / "out.log") == "someone else's file\n");
    close(fd);
}

TEST_CASE("journal: a garbage journal file is reset, not trusted") {
    JournalDir d;
    std::ofstream(d / "capture.journal") << "garbage";
    auto j = CommitJournal::open(d / "capture.journal");
    REQUIRE(j);
    CHECK((*j)->recover().kind == CommitJournal::Recovery::Kind::none);
    CHECK_FALSE(CommitJournal::open(d / "no/such/dir/capture.journal"));
}
