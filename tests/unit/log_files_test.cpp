// Per-instance log file names (merge_logs: false) and log_json lines, as PM2 writes them.
#include "daemon/logs/app_logs.hpp"

#include <cstdlib>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

using rein::daemon::instance_log_path;
using rein::daemon::json_log_line;
using rein::daemon::Stream;

TEST_CASE("an instance's own file takes its id before the extension") {
    CHECK(instance_log_path("/h/logs/api-out.log", 3) == "/h/logs/api-out-3.log");
    CHECK(instance_log_path("/var/log/app.txt", 0) == "/var/log/app-0.txt");
    CHECK(instance_log_path("/var/log/app", 12) == "/var/log/app-12");
    CHECK(instance_log_path("/var/log.d/app", 1) == "/var/log.d/app-1"); // a folder's dot
    CHECK(instance_log_path("/var/log/.hidden", 2) == "/var/log/.hidden-2");
    CHECK(instance_log_path("/dev/null", 4) == "/dev/null");
}

TEST_CASE("log_json: PM2's keys in PM2's order, the message with its newline") {
    std::string line =
        json_log_line("hello \"you\"", "2026-12-02T06:14:03.123Z", Stream::err, 2, "api");
    CHECK(line == R"({"message":"hello \"you\"\n","timestamp":"2026-12-02T06:14:03.123Z",)"
                  R"("type":"err","process_id":2,"app_name":"api"})"
                  "\n");
    auto obj = nlohmann::json::parse(json_log_line("\xff", "t", Stream::out, 0, "x"));
    CHECK(obj["message"] == "\\xFF\n"); // bytes that are not UTF-8 stay readable
    CHECK(obj["type"] == "out");
}

namespace {

bool deferred_test_exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

std::string deferred_test_read(const std::string& path) {
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A fresh folder for one case's files, removed with them.
struct DeferredTestDir {
    std::string dir;
    DeferredTestDir() {
        char tmpl[] = "/tmp/rein-logs-XXXXXX";
        dir = ::mkdtemp(tmpl);
    }
    ~DeferredTestDir() { std::filesystem::remove_all(dir); }
};

} // namespace

TEST_CASE("the default files are created after the start, or by their first line") {
    DeferredTestDir t;
    rein::AppSpec spec;
    spec.name = "api";
    std::string out = t.dir + "/api-out.log", err = t.dir + "/api-error.log";

    rein::daemon::AppLogs logs(spec, t.dir, nullptr);
    REQUIRE(logs.open().empty());
    CHECK(!deferred_test_exists(out)); // not on the start's path
    CHECK(!deferred_test_exists(err));
    CHECK(logs.has_deferred());
    logs.open_deferred(); // what the supervisor does once the spawns are released
    CHECK(!logs.has_deferred());
    CHECK(deferred_test_exists(out));
    CHECK(deferred_test_exists(err));

    // A line before the deferred open creates its file and lands in it; the other file waits.
    std::filesystem::remove(out);
    std::filesystem::remove(err);
    rein::daemon::AppLogs early(spec, t.dir, nullptr);
    REQUIRE(early.open().empty());
    early.add_block(0, Stream::err, "boom\n", 0);
    early.flush();
    CHECK(deferred_test_read(err) == "boom\n");
    CHECK(!deferred_test_exists(out));
    CHECK(early.has_deferred());
    CHECK(early.problem().empty());

    // Files the user named are opened by the start itself (a failure is the start's error).
    spec.out_file = t.dir + "/named-out.log";
    spec.error_file = t.dir + "/named-error.log";
    rein::daemon::AppLogs named(spec, t.dir, nullptr);
    REQUIRE(named.open().empty());
    CHECK(deferred_test_exists(spec.out_file));
    CHECK(deferred_test_exists(spec.error_file));
    CHECK(!named.has_deferred());
    spec.error_file = t.dir + "/no/such/folder/e.log";
    rein::daemon::AppLogs bad(spec, t.dir, nullptr);
    CHECK(!bad.open().empty());

    // A default file that cannot be created says so, and is tried again at the next line.
    rein::AppSpec gone;
    gone.name = "gone";
    rein::daemon::AppLogs missing(gone, t.dir + "/absent", nullptr);
    REQUIRE(missing.open().empty());
    missing.open_deferred();
    CHECK(missing.has_deferred());
    CHECK(missing.problem().find("cannot open") != std::string::npos);
    std::filesystem::create_directory(t.dir + "/absent");
    missing.add_block(0, Stream::out, "late\n", 0);
    missing.flush();
    CHECK(deferred_test_read(t.dir + "/absent/gone-out.log") == "late\n");
    CHECK(missing.problem().find("gone-out.log") == std::string::npos);
}
