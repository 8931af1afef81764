// Log files as PM2 users have them: one set per instance (merge_logs: false) and JSON lines
// (log_type: json), sent as start requests since the ecosystem keys come from another change.
#include "harness.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <unistd.h>

using namespace rein::test;

namespace {

// Starts one app from a spec sent straight to the daemon; true when the daemon accepted it.
bool start_spec(const Home& h, nlohmann::json spec) {
    if (!spec.contains("script")) spec["script"] = fixture();
    spec["cwd"] = h.dir();
    REQUIRE(h.rein({"ping"}).code == 0);
    int fd = h.connect_raw();
    send_all(fd, nlohmann::json({{"id", 1}, {"cmd", "start"}, {"apps", {spec}}}).dump() + "\n");
    std::string reply = read_line(fd);
    close(fd);
    return has(reply, "\"ok\":true");
}

// The first line of `text`, without its newline.
std::string first_line(const std::string& text) {
    return text.substr(0, text.find('\n'));
}

} // namespace

TEST_CASE("merge_logs false: each instance has its own files, and logs, describe, flush and "
          "reloadLogs use them") {
    Home h;
    REQUIRE(start_spec(h, {{"name", "pf"},
                           {"args", {"print", "3", "eprint", "oops"}},
                           {"instances", 2},
                           {"merge_logs", false}}));
    REQUIRE(h.wait_status("pf", "online", 2));
    for (const char* f : {"logs/pf-out-0.log", "logs/pf-out-1.log"})
        CHECK(wait_until([&] { return h.read(f) == "line 1\nline 2\nline 3\n"; }));
    for (const char* f : {"logs/pf-error-0.log", "logs/pf-error-1.log"})
        CHECK(wait_until([&] { return h.read(f) == "oops\n"; }));
    CHECK(h.read("logs/pf-out.log").empty());

    CHECK(h.row(1)["out_file"] == h.path("logs/pf-out-1.log"));
    CHECK(h.row(0)["error_file"] == h.path("logs/pf-error-0.log"));
    CHECK(has(h.rein({"describe", "1"}).out, h.path("logs/pf-out-1.log")));

    // History lines of an instance's own file know their instance.
    Run r = h.rein({"logs", "pf", "--nostream", "--lines", "1", "--out"});
    CHECK(r.code == 0);
    CHECK(r.out == h.path("logs/pf-out-0.log") + " (last lines):\n0|pf | line 3\n" +
                       h.path("logs/pf-out-1.log") + " (last lines):\n1|pf | line 3\n");
    CHECK(h.rein({"logs", "1", "--nostream", "--lines", "1", "--err", "--raw"}).out == "oops\n");

    CHECK(h.rein({"reloadLogs"}).code == 0);
    CHECK(h.rein({"flush", "pf"}).code == 0);
    CHECK(h.read("logs/pf-out-0.log").empty());
    CHECK(h.read("logs/pf-error-1.log").empty());
}

TEST_CASE("merge_logs false with a named out_file: the id goes before its extension") {
    Home h;
    REQUIRE(start_spec(h, {{"name", "nf"},
                           {"args", {"print", "40"}},
                           {"out_file", h.path("app.log")},
                           {"log_max_size", 100},
                           {"merge_logs", false}}));
    REQUIRE(h.wait_status("nf", "online"));
    CHECK(wait_until([&] { return has(h.read("app-0.log"), "line 40\n"); }));
    CHECK(access(h.path("app-0.log.1").c_str(), F_OK) == 0); // rotated per instance too
    CHECK(access(h.path("app.log").c_str(), F_OK) != 0);
}

TEST_CASE("log_json: each line is one JSON object as PM2 writes it, logs shows the text") {
    Home h;
    REQUIRE(start_spec(
        h,
        {{"name", "js"}, {"args", {"print", "2", "eprint", "bad \"thing\""}}, {"log_json", true}}));
    REQUIRE(h.wait_status("js", "online"));
    REQUIRE(wait_until([&] {
        std::string t = h.read("logs/js-out.log");
        return std::count(t.begin(), t.end(), '\n') == 2;
    }));
    std::string out = first_line(h.read("logs/js-out.log"));
    auto first = nlohmann::json::parse(out);
    CHECK(first["message"] == "line 1\n");
    CHECK(first["type"] == "out");
    CHECK(first["process_id"] == 0);
    CHECK(first["app_name"] == "js");
    std::string ts = first["timestamp"];
    CHECK(ts.size() == 24); // 2026-12-02T06:14:03.123Z, JavaScript's toISOString
    CHECK(ts.back() == 'Z');
    CHECK(has(out, R"({"message":"line 1\n","timestamp":")"));
    REQUIRE(wait_until([&] { return has(h.read("logs/js-error.log"), "thing"); }));
    auto err = nlohmann::json::parse(first_line(h.read("logs/js-error.log")));
    CHECK(err["message"] == "bad \"thing\"\n");
    CHECK(err["type"] == "err");

    Run r = h.rein({"logs", "js", "--nostream", "--lines", "2"});
    CHECK(r.out == h.path("logs/js-out.log") + " (last lines):\n0|js | line 1\n0|js | line 2\n" +
                       h.path("logs/js-error.log") + " (last lines):\n0|js | bad \"thing\"\n");
}

TEST_CASE("log_json with log_date_format: the timestamp in that format") {
    Home h;
    REQUIRE(start_spec(h, {{"name", "jd"},
                           {"args", {"print", "1"}},
                           {"log_json", true},
                           {"log_date_format", "[y]YYYY"}}));
    REQUIRE(h.wait_status("jd", "online"));
    REQUIRE(wait_until([&] { return has(h.read("logs/jd-out.log"), "\n"); }));
    auto obj = nlohmann::json::parse(first_line(h.read("logs/jd-out.log")));
    time_t now = time(nullptr);
    tm local{};
    localtime_r(&now, &local);
    CHECK(obj["timestamp"] == "y" + std::to_string(local.tm_year + 1900));
}

TEST_CASE("time: true with log_date_format in PM2's tokens prefixes lines with that date") {
    Home h;
    REQUIRE(start_spec(h, {{"name", "tz"},
                           {"args", {"print", "1"}},
                           {"time", true},
                           {"log_date_format", "YYYY-MM-DD HH:mm:ss Z"}}));
    REQUIRE(h.wait_status("tz", "online"));
    REQUIRE(wait_until([&] { return has(h.read("logs/tz-out.log"), "line 1\n"); }));
    std::string text = h.read("logs/tz-out.log");
    CHECK(text.size() == std::string("2026-12-02 06:14:03 +00:00: line 1\n").size());
    CHECK(text[4] == '-');
    CHECK(text[19] == ' ');
    CHECK((text[20] == '+' || text[20] == '-'));
    CHECK(!has(text, "YYYY"));
}
