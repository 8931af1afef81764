// OutputCapture with the commit journal: an unfinished line stays in the pipe until it is
// finished, the writers are gone, or it fills the largest pipe (cut at k_max_log_line); lines go
// to every file (stream, combined), with the time prefix or as JSON, as before.
#include "daemon/logs/output_capture.hpp"

#include "common/app_spec.hpp"
#include "daemon/reactor/reactor.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace rein;
using namespace rein::daemon;

namespace {

std::string cap_slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// A capture of one pipe into files under a temporary folder, driven by drain() or the reactor.
struct CaptureRig {
    std::string dir;
    Reactor reactor;
    std::shared_ptr<AppLogs> logs;
    int write_end = -1;
    int peek = -1; ///< a duplicate of the read end, as the holder keeps: shows what is left
    std::unique_ptr<OutputCapture> capture;
    bool eof = false;

    explicit CaptureRig(void (*tune)(AppSpec&) = nullptr, Stream stream = Stream::out) {
        char tmpl[] = "/tmp/rein-capture-XXXXXX";
        dir = mkdtemp(tmpl);
        AppSpec spec;
        spec.name = "app";
        spec.out_file = dir + "/out.log";
        spec.error_file = dir + "/err.log";
        if (tune) tune(spec);
        logs = std::make_shared<AppLogs>(spec, dir, nullptr);
        REQUIRE(logs->open().empty());
        int p[2];
        REQUIRE(pipe2(p, O_CLOEXEC) == 0);
        fcntl(p[0], F_SETFL, O_NONBLOCK);
        write_end = p[1];
        peek = dup(p[0]);
        capture = std::make_unique<OutputCapture>(reactor, UniqueFd(p[0]), logs, 0, stream, [this] {
            eof = true;
            reactor.stop();
        });
    }
    ~CaptureRig() {
        capture.reset();
        if (write_end >= 0) close(write_end);
        close(peek);
        (void)!std::system(("rm -rf '" + dir + "'").c_str());
    }
    void put(const std::string& bytes) {
        REQUIRE(write(write_end, bytes.data(), bytes.size()) == ssize_t(bytes.size()));
    }
    void close_writer() {
        close(write_end);
        write_end = -1;
    }
    int in_pipe() const {
        int n = -1;
        ioctl(peek, FIONREAD, &n);
        return n;
    }
    std::string file(const std::string& name) const { return cap_slurp(dir + "/" + name); }
};

} // namespace

TEST_CASE("capture: an unfinished line stays in the pipe until its newline comes") {
    CaptureRig rig;
    rig.put("one\nabc");
    rig.capture->drain();
    CHECK(rig.file("out.log") == "one\n");
    CHECK(rig.in_pipe() == 3); // "abc" was not taken
    CHECK(rig.capture->partial().empty());
    rig.put("def\ntwo");
    rig.capture->drain();
    CHECK(rig.file("out.log") == "one\nabcdef\n");
    CHECK(rig.in_pipe() == 3);
    CHECK_FALSE(rig.eof);
}

TEST_CASE("capture: at EOF the last unfinished line is written as a line") {
    CaptureRig rig;
    rig.put("one\nlast");
    rig.close_writer();
    rig.capture->drain();
    CHECK(rig.file("out.log") == "one\nlast\n");
    CHECK(rig.eof);
}

TEST_CASE("capture: the reactor wakes for the rest of a line and for the writers' end") {
    CaptureRig rig;
    pid_t writer = fork();
    REQUIRE(writer >= 0);
    if (writer == 0) {
        // Pieces of one line, then lines, then an unfinished one, then the end.
        for (const char* piece : {"he", "llo", " world\nnext\n", "tail"})
            if (write(rig.write_end, piece, std::strlen(piece)) < 0) _exit(1);
        _exit(0);
    }
    rig.close_writer();
    rig.reactor.after(3000, [&] { rig.reactor.stop(); }); // bound: fails below if reached
    rig.reactor.run();
    if (!rig.eof) kill(writer, SIGKILL);
    waitpid(writer, nullptr, 0);
    CHECK(rig.eof);
    CHECK(rig.file("out.log") == "hello world\nnext\ntail\n");
}

TEST_CASE("capture: a 2 MiB line fills the grown pipe and is cut at 1 MiB") {
    CaptureRig rig;
    pid_t writer = fork();
    REQUIRE(writer >= 0);
    if (writer == 0) {
        std::string line(2 * k_max_log_line, 'x');
        line += "\nafter\n";
        std::size_t off = 0;
        while (off < line.size()) {
            ssize_t n = write(rig.write_end, line.data() + off, line.size() - off);
            if (n <= 0) _exit(1);
            off += std::size_t(n);
        }
        _exit(0);
    }
    rig.close_writer();
    rig.reactor.after(3000, [&] { rig.reactor.stop(); });
    rig.reactor.run();
    if (!rig.eof) kill(writer, SIGKILL); // stuck: fail, not hang
    int status = 0;
    waitpid(writer, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK(rig.eof);
    std::string piece(k_max_log_line, 'x');
    std::string got = rig.file("out.log");
    CHECK(got.size() == 2 * (k_max_log_line + 1) + 6);
    CHECK(got == piece + "\n" + piece + "\nafter\n");
}

TEST_CASE("capture: merged files, the time prefix and JSON lines") {
    SUBCASE("combined file and time prefix, for stdout and stderr alike") {
        CaptureRig rig([](AppSpec& s) {
            s.log_file = s.out_file + ".all";
            s.time = true;
        });
        rig.put("a\nb\n");
        rig.capture->drain();
        std::string out = rig.file("out.log");
        CHECK(out == rig.file("out.log.all"));
        std::istringstream in(out);
        std::vector<std::string> lines;
        for (std::string l; std::getline(in, l);) lines.push_back(l);
        REQUIRE(lines.size() == 2);
        // "<time>: a": the prefix ends in ": " and the line follows unchanged.
        CHECK(lines[0].size() > 3);
        CHECK(lines[0].substr(lines[0].size() - 3) == ": a");
        CHECK(lines[1].substr(lines[1].size() - 3) == ": b");
    }
    SUBCASE("stderr with log_json") {
        CaptureRig rig([](AppSpec& s) { s.log_json = true; }, Stream::err);
        rig.put("oops\n");
        rig.capture->drain();
        auto obj = nlohmann::json::parse(rig.file("err.log"));
        CHECK(obj["message"] == "oops\n");
        CHECK(obj["type"] == "err");
        CHECK(obj["app_name"] == "app");
        CHECK(rig.file("out.log").empty());
    }
    SUBCASE("per-instance files") {
        CaptureRig rig([](AppSpec& s) { s.merge_logs = false; });
        rig.put("mine\n");
        rig.capture->drain();
        CHECK(rig.file("out-0.log") == "mine\n");
    }
}

TEST_CASE("capture: a line carried over from an older daemon image goes in front") {
    CaptureRig rig;
    rig.capture->carry("held ");
    CHECK(rig.capture->partial() == "held ");
    rig.put("line\n");
    rig.capture->drain();
    CHECK(rig.file("out.log") == "held line\n");
    CHECK(rig.capture->partial().empty());
}
