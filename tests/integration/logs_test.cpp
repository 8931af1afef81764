// Logs: nothing lost, nothing cut, rotation, flush, reopen, and `rein logs`.
#include "harness.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <sstream>

using namespace rein::test;

namespace {

std::string numbered(long from, long to) {
    std::string s;
    for (long i = from; i <= to; ++i) s += "line " + std::to_string(i) + "\n";
    return s;
}

bool stopped(const Home& h, const std::string& name) {
    auto rows = h.rows(name);
    return !rows.empty() && rows[0]["status"] == "stopped";
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
}

} // namespace

TEST_CASE("200,000 lines written at full speed are all in the file, once and in order") {
    Home h;
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("flood", {"print", "200000", "exit", "0"},
                                                      {"autorestart: false"})})})
                .code == 0);
    REQUIRE(wait_until([&] { return stopped(h, "flood"); }, 30000));
    CHECK(h.read("logs/flood-out.log") == numbered(1, 200000));
}

TEST_CASE("lines written just before a SIGKILL are not lost") {
    Home h;
    REQUIRE(
        h.rein({"start", h.ecosystem({fixture_app("doomed", {"print", "100000", "raise", "KILL"},
                                                  {"autorestart: false"})})})
            .code == 0);
    REQUIRE(wait_until([&] { return stopped(h, "doomed"); }, 30000));
    CHECK(h.rows("doomed")[0]["signal"] == "SIGKILL");
    CHECK(h.read("logs/doomed-out.log") == numbered(1, 100000));
}

TEST_CASE("two instances writing 100 KiB lines at once never cut into each other's lines") {
    Home h;
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("big", {"long", "40", "exit", "0"},
                                                      {"instances: 2", "autorestart: false"})})})
                .code == 0);
    REQUIRE(wait_until(
        [&] {
            auto rows = h.rows("big");
            return rows.size() == 2 && rows[0]["status"] == "stopped" &&
                   rows[1]["status"] == "stopped";
        },
        30000));
    auto lines = split_lines(h.read("logs/big-out.log"));
    REQUIRE(lines.size() == 80);
    int a = 0, b = 0;
    for (const auto& l : lines) {
        REQUIRE(l.size() == 100 * 1024);
        CHECK(l.find_first_not_of(l[0]) == std::string::npos);
        (l[0] == 'a' ? a : b)++;
    }
    CHECK(a == 40);
    CHECK(b == 40);
}

TEST_CASE("a 3 MiB line without newline is kept whole, in 1 MiB pieces") {
    Home h;
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("blob", {"blob", "3145728", "exit", "0"},
                                                      {"autorestart: false"})})})
                .code == 0);
    REQUIRE(wait_until([&] { return stopped(h, "blob"); }, 30000));
    std::string piece(1024 * 1024, 'x');
    CHECK(h.read("logs/blob-out.log") == piece + "\n" + piece + "\n" + piece + "\n");
}

TEST_CASE("stderr, a combined file, time prefixes and /dev/null") {
    Home h;
    REQUIRE(
        h.rein({"start",
                h.ecosystem({fixture_app("mix", {"print", "2", "eprint", "oops", "exit", "0"},
                                         {"autorestart: false", "log_file: all.log", "time: true",
                                          "log_date_format: '%Y|%L'", "out_file: /dev/null"})})})
            .code == 0);
    REQUIRE(wait_until([&] { return stopped(h, "mix"); }));
    auto err = h.read("logs/mix-error.log");
    CHECK(err.size() == std::string("2026|123: oops\n").size());
    CHECK(err.substr(4, 1) == "|");
    CHECK(has(err, ": oops\n"));
    auto all = split_lines(h.read("all.log"));
    CHECK(all.size() == 3);
    CHECK(h.rows("mix")[0]["out_file"] == "/dev/null");
}

TEST_CASE("rotation under a steady writer keeps every line once and bounds the file count") {
    Home h;
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("rot", {"print", "100000", "exit", "0"},
                                                      {"autorestart: false", "log_max_size: 100K",
                                                       "log_max_files: 50"}),
                                          fixture_app("few", {"print", "100000", "exit", "0"},
                                                      {"autorestart: false", "log_max_size: 100K",
                                                       "log_max_files: 3"})})})
                .code == 0);
    REQUIRE(wait_until([&] { return stopped(h, "rot") && stopped(h, "few"); }, 30000));
    // ~1.2 MB in 100 KiB files: a dozen, all kept; reassembled oldest first.
    std::string all;
    int rotated = 0;
    for (int n = 50; n >= 1; --n) {
        std::string p = h.path("logs/rot-out.log." + std::to_string(n));
        if (!std::filesystem::exists(p)) continue;
        ++rotated;
        CHECK(std::filesystem::file_size(p) <= 100 * 1024); // whole lines, never over the limit
        all += slurp(p);
    }
    all += h.read("logs/rot-out.log");
    CHECK(rotated >= 10);
    CHECK(all == numbered(1, 100000));
    // With log_max_files 3, exactly three rotated files survive next to the live one.
    CHECK(std::filesystem::exists(h.path("logs/few-out.log.3")));
    CHECK_FALSE(std::filesystem::exists(h.path("logs/few-out.log.4")));
    std::string tail = slurp(h.path("logs/few-out.log.1")) + h.read("logs/few-out.log");
    CHECK(tail.size() > 0);
    CHECK(has(numbered(1, 100000), tail)); // the newest lines, contiguous
    CHECK(tail.substr(tail.size() - 12) == "line 100000\n");
}

TEST_CASE("flush empties the files, reloadLogs reopens them after an external rename") {
    Home h;
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("t", {"every", "20"})})}).code == 0);
    REQUIRE(wait_until([&] { return has(h.read("logs/t-out.log"), "tick 3\n"); }));
    REQUIRE(h.rein({"flush", "t"}).code == 0);
    CHECK_FALSE(has(h.read("logs/t-out.log"), "tick 1\n"));
    REQUIRE(wait_until([&] { return !h.read("logs/t-out.log").empty(); }));

    // What logrotate does: rename, then ask for a reopen. The renamed file stops growing.
    std::rename(h.path("logs/t-out.log").c_str(), h.path("logs/t-out.log.old").c_str());
    REQUIRE(h.rein({"reloadLogs"}).code == 0);
    REQUIRE(wait_until([&] { return has(h.read("logs/t-out.log"), "tick"); }));
    auto old_size = h.read("logs/t-out.log.old").size();
    REQUIRE(wait_until([&] { return split_lines(h.read("logs/t-out.log")).size() >= 3; }));
    CHECK(h.read("logs/t-out.log.old").size() == old_size);

    // SIGUSR1 to reind does the same.
    std::rename(h.path("logs/t-out.log").c_str(), h.path("logs/t-out.log.old2").c_str());
    kill(h.daemon_pid(), SIGUSR1);
    CHECK(wait_until([&] { return has(h.read("logs/t-out.log"), "tick"); }));
}

TEST_CASE("logs --nostream --lines 5 prints the last five lines of each file") {
    Home h;
    REQUIRE(h.rein({"start",
                    h.ecosystem({fixture_app("p", {"print", "100", "eprint", "warn", "exit", "0"},
                                             {"autorestart: false"})})})
                .code == 0);
    REQUIRE(wait_until([&] { return stopped(h, "p"); }));
    Run r = h.rein({"logs", "p", "--nostream", "--lines", "5"});
    CHECK(r.code == 0);
    CHECK(r.out == h.path("logs/p-out.log") +
                       " (last lines):\n"
                       "p | line 96\np | line 97\np | line 98\np | line 99\np | line 100\n" +
                       h.path("logs/p-error.log") + " (last lines):\np | warn\n");
    Run raw = h.rein({"logs", "p", "--nostream", "--lines", "2", "--raw", "--out"});
    CHECK(raw.out == "line 99\nline 100\n");
    CHECK(h.rein({"logs", "ghost", "--nostream"}).code == 1);
    CHECK(h.rein({"logs", "--raw", "--json"}).code == 2);
}

TEST_CASE("logs --json prints one object per line with app, id, stream, time and line") {
    Home h;
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("j", {"every", "30"})})}).code == 0);
    REQUIRE(wait_until([&] { return has(h.read("logs/j-out.log"), "tick 2\n"); }));
    Background follow(h, {"logs", "j", "--json", "--lines", "1", "--out"});
    REQUIRE(follow.read_until([](const std::string& t) { return split_lines(t).size() >= 3; }));
    auto lines = split_lines(follow.text());
    auto history = nlohmann::json::parse(lines[0]);
    CHECK(history["app"] == "j");
    CHECK(history["id"].is_null());
    CHECK(history["stream"] == "out");
    CHECK(has(history["line"].get<std::string>(), "tick"));
    auto live = nlohmann::json::parse(lines[2]);
    CHECK(live["id"] == 0);
    CHECK(live["time"].is_string());
    CHECK(live["stream"] == "out");
    CHECK(has(lines[2], R"({"app":"j","id":0,"stream":"out","time":")"));
}

TEST_CASE("a follower sees lines written after it started, from apps started after it too") {
    Home h;
    REQUIRE(h.rein({"ping"}).code == 0);
    Background follow(h, {"logs"}); // follows every app, including ones that do not exist yet
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("late", {"every", "50"})})}).code == 0);
    CHECK(follow.read_until([](const std::string& t) { return has(t, "0|late | tick"); }));
}

TEST_CASE("a follower that never reads does not slow an app writing 50 MB") {
    Home h;
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("marker", {"every", "20"})})}).code == 0);
    Background stuck(h, {"logs", "--lines", "0"});
    // Once it shows a live line it is subscribed; from then on this test never reads it.
    REQUIRE(stuck.read_until([](const std::string& t) { return has(t, "|marker | tick"); }));
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("fast", {"print", "4500000", "exit", "0"},
                                                      {"autorestart: false"})})})
                .code == 0);
    REQUIRE(wait_until([&] { return stopped(h, "fast"); }, 60000));
    CHECK(h.rows("fast")[0]["exit_code"] == 0);
    CHECK(std::filesystem::file_size(h.path("logs/fast-out.log")) > 50'000'000);
    CHECK(h.rein({"ping"}).code == 0);
}

TEST_CASE("an app that writes nothing has both default files once the start has answered") {
    Home h;
    // Created after the spawns (not on the start's path), yet before the next request is read.
    REQUIRE(
        h.rein({"start", h.ecosystem({fixture_app("mum", {}), fixture_app("hush", {})})}).code ==
        0);
    REQUIRE(h.rein({"ping"}).code == 0);
    for (const char* name : {"mum", "hush"})
        for (const char* kind : {"out", "error"}) {
            std::string file = h.path(std::string("logs/") + name + "-" + kind + ".log");
            CAPTURE(file);
            CHECK(std::filesystem::exists(file));
        }
}
