// Per-instance log file names (merge_logs: false) and log_json lines, as PM2 writes them.
#include "daemon/logs/app_logs.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

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
