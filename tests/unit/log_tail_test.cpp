// Reading the last lines of a log file from its end.
#include "daemon/logs/log_tail.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <unistd.h>

using rein::daemon::tail_lines;
using Lines = std::vector<std::string>;

namespace {

struct TempFile {
    std::string path;
    explicit TempFile(const std::string& text) {
        char tmpl[] = "/tmp/rtail.XXXXXX";
        int fd = mkstemp(tmpl);
        REQUIRE(fd >= 0);
        close(fd);
        path = tmpl;
        std::ofstream(path, std::ios::binary) << text;
    }
    ~TempFile() { std::remove(path.c_str()); }
};

} // namespace

TEST_CASE("the last N lines, oldest first") {
    TempFile f("one\ntwo\nthree\n");
    CHECK(tail_lines(f.path, 2) == Lines{"two", "three"});
    CHECK(tail_lines(f.path, 3) == Lines{"one", "two", "three"});
    CHECK(tail_lines(f.path, 10) == Lines{"one", "two", "three"});
    CHECK(tail_lines(f.path, 0).empty());
}

TEST_CASE("a last line without newline counts, empty lines are lines") {
    TempFile f("a\n\nb");
    CHECK(tail_lines(f.path, 2) == Lines{"", "b"});
    CHECK(tail_lines(f.path, 5) == Lines{"a", "", "b"});
}

TEST_CASE("missing and empty files have no lines") {
    CHECK(tail_lines("/nonexistent/rein/log", 5).empty());
    TempFile f("");
    CHECK(tail_lines(f.path, 5).empty());
}

TEST_CASE("lines spanning read blocks come out whole") {
    std::string text;
    for (int i = 0; i < 50000; ++i) text += "line " + std::to_string(i) + "\n";
    text += std::string(200000, 'x') + "\n" + "last\n";
    TempFile f(text);
    auto lines = tail_lines(f.path, 3);
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] == "line 49999");
    CHECK(lines[1] == std::string(200000, 'x'));
    CHECK(lines[2] == "last");
}
