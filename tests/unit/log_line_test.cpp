// How `rein logs` prints events: prefixed for people, bare, or as JSON for scripts.
#include "cli/render/log_line.hpp"

#include <doctest/doctest.h>

using namespace rein::cli::render;
using nlohmann::json;

namespace {
json live() {
    return {{"event", "line"},
            {"app", "api"},
            {"app_id", 3},
            {"stream", "out"},
            {"time", "2026-11-24T10:00:00.000+00:00"},
            {"line", "hello"}};
}
} // namespace

TEST_CASE("prefixed lines carry the instance id and app name, history lines the name only") {
    CHECK(format_log_event(live(), LogStyle::prefixed, false) == "3|api | hello\n");
    json history = live();
    history["app_id"] = nullptr;
    history["time"] = nullptr;
    CHECK(format_log_event(history, LogStyle::prefixed, false) == "api | hello\n");
    json file = {{"event", "file"}, {"app", "api"}, {"stream", "out"}, {"path", "/l/api-out.log"}};
    CHECK(format_log_event(file, LogStyle::prefixed, false) == "/l/api-out.log (last lines):\n");
    CHECK(format_log_event(file, LogStyle::raw, false).empty());
}

TEST_CASE("colour only when asked, stderr lines in red") {
    CHECK(format_log_event(live(), LogStyle::prefixed, true).find("\033[") != std::string::npos);
    json err = live();
    err["stream"] = "err";
    CHECK(format_log_event(err, LogStyle::prefixed, true).find("\033[31mhello") !=
          std::string::npos);
}

TEST_CASE("raw is the bare line, json has the contract's keys in order") {
    CHECK(format_log_event(live(), LogStyle::raw, true) == "hello\n");
    CHECK(
        format_log_event(live(), LogStyle::json, false) ==
        R"({"app":"api","id":3,"stream":"out","time":"2026-11-24T10:00:00.000+00:00","line":"hello"})"
        "\n");
}
