// The process table fits the terminal: full when there is room, fewer columns and cut names
// when there is not.
#include "cli/render/durations.hpp"
#include "cli/render/table.hpp"
#include "local_zone.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <sstream>

using rein::cli::render::process_table;

namespace {

nlohmann::json row(int id, const std::string& name, const std::string& status) {
    return {{"id", id},          {"name", name},           {"namespace", "default"},
            {"pid", 4242},       {"exec_mode", "cluster"}, {"uptime_ms", 192000},
            {"restarts", 3},     {"status", status},       {"cpu", 12.5},
            {"memory", 52428800}};
}

const nlohmann::json k_rows = nlohmann::json::array(
    {row(0, "api", "online"),
     row(1, "a-rather-long-worker-name-for-the-nightly-report-job", "waiting_restart")});

std::size_t columns(const std::string& line) {
    return std::size_t(std::count_if(line.begin(), line.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

// The widest line of the table, in terminal columns.
std::size_t widest(const std::string& table) {
    std::istringstream in(table);
    std::size_t w = 0;
    for (std::string l; std::getline(in, l);) w = std::max(w, columns(l));
    return w;
}

} // namespace

TEST_CASE("no limit, or room enough: every column and whole names") {
    std::string full = process_table(k_rows, false);
    CHECK(full == process_table(k_rows, false, 0));
    CHECK(widest(full) > 120);
    CHECK(full.find("a-rather-long-worker-name-for-the-nightly-report-job") != std::string::npos);
    CHECK(process_table(k_rows, false, widest(full)) == full);
    auto short_rows = nlohmann::json::array({row(0, "api", "online")});
    std::string small = process_table(short_rows, false, 120);
    CHECK(small == process_table(short_rows, false));
    for (const char* col : {"namespace", "mode", "pid", "uptime", "↺", "status", "memory"})
        CHECK(small.find(col) != std::string::npos);
}

TEST_CASE("120 columns: long names are cut with … and the columns stay") {
    std::string t = process_table(k_rows, false, 120);
    CHECK(widest(t) == 120);
    CHECK(t.find("namespace") != std::string::npos);
    CHECK(t.find("│ a-rather-long-worker-name-for-the… │") != std::string::npos);
    CHECK(t.find("50.0mb") != std::string::npos);
}

TEST_CASE("80 columns: namespace and pid go, memory and status stay") {
    std::string t = process_table(k_rows, false, 80);
    CHECK(widest(t) <= 80);
    CHECK(t.find("namespace") == std::string::npos);
    CHECK(t.find("4242") == std::string::npos);
    for (const char* col : {"memory", "status", "cpu", "waiting_restart", "50.0mb", "a-rather"})
        CHECK(t.find(col) != std::string::npos);
    CHECK(t.find("…") != std::string::npos);
}

TEST_CASE("60 columns: id, name, restarts, status, cpu and memory") {
    std::string t = process_table(k_rows, false, 60);
    CHECK(widest(t) <= 60);
    for (const char* col : {"uptime", "mode", "namespace", "pid"})
        CHECK(t.find(col) == std::string::npos);
    for (const char* col : {"id", "name", "status", "cpu", "memory", "12.5%", "api"})
        CHECK(t.find(col) != std::string::npos);
    CHECK(t.find("│ a-rather-lo… │") != std::string::npos);
    // Colours do not count as width.
    std::string coloured = process_table(k_rows, true, 60);
    CHECK(coloured.find("\033[") != std::string::npos);
    CHECK(coloured.find("a-rather-lo…") != std::string::npos);
    // Narrower still: the restarts column goes too, then names shrink to "name" itself (the
    // table cannot get narrower than that).
    std::string narrow = process_table(k_rows, false, 40);
    CHECK(widest(narrow) < widest(t));
    CHECK(narrow.find("↺") == std::string::npos);
    CHECK(narrow.find("│ a-r… │") != std::string::npos);
}

TEST_CASE("describe: durations in units, times as local dates") {
    using rein::cli::render::format_datetime;
    using rein::cli::render::format_duration;
    CHECK(format_duration(0) == "0s");
    CHECK(format_duration(250) == "250ms");
    CHECK(format_duration(1000) == "1s");
    CHECK(format_duration(1600) == "1.6s");
    CHECK(format_duration(2005) == "2s");
    CHECK(format_duration(42'900) == "42s");
    CHECK(format_duration(192'000) == "3m 12s");
    CHECK(format_duration(300'000) == "5m");
    CHECK(format_duration(7'500'000) == "2h 5m");
    CHECK(format_duration(3 * 86'400'000LL + 4 * 3'600'000LL + 59'000) == "3d 4h");
    CHECK(format_datetime(0) == "-");
    rein::test::LocalZone utc("UTC0");
    CHECK(format_datetime(1796220306789) == "2026-12-02 14:05:06");
}
