// PM2's dump into AppSpecs: a hand-written dump in PM2 7's shape (tests/fixtures/pm2_dump.json).
#include "common/pm2_dump.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

using namespace rein;

namespace {

Pm2Dump fixture_dump() {
    std::ifstream f(REIN_SOURCE_DIR "/tests/fixtures/pm2_dump.json");
    std::stringstream text;
    text << f.rdbuf();
    REQUIRE(!text.str().empty());
    auto dump = convert_pm2_dump(text.str(), "/home/deploy/.pm2");
    REQUIRE(dump.ok());
    return *dump;
}

const Pm2App& app_named(const Pm2Dump& d, const std::string& name) {
    auto it = std::find_if(d.apps.begin(), d.apps.end(),
                           [&](const Pm2App& a) { return a.spec.name == name; });
    REQUIRE(it != d.apps.end());
    return *it;
}

bool contains(const std::vector<std::string>& items, const std::string& part) {
    return std::any_of(items.begin(), items.end(),
                       [&](const std::string& i) { return i.find(part) != std::string::npos; });
}

} // namespace

TEST_CASE("entries of one name become one app with that many instances, in PM2's order") {
    auto d = fixture_dump();
    REQUIRE(d.apps.size() == 3);
    CHECK(d.apps[0].spec.name == "api");
    CHECK(d.apps[1].spec.name == "worker");
    CHECK(d.apps[2].spec.name == "ticker");
    const AppSpec& api = d.apps[0].spec;
    CHECK(api.instances == 2);
    CHECK(api.exec_mode == ExecMode::cluster);
    CHECK(api.script == "/srv/api/server.js");
    CHECK(api.cwd == "/srv/api");
    CHECK(api.interpreter == "node");
    CHECK(api.interpreter_args == std::vector<std::string>{"--max-old-space-size=256"});
    CHECK(api.namespace_name == "default");
    CHECK(api.autostart);
}

TEST_CASE("the saved environment loses PM2's own variables and keeps the user's") {
    auto d = fixture_dump();
    const auto& api = app_named(d, "api").spec.base_env;
    CHECK(api.at("NODE_ENV") == "production");
    CHECK(api.at("PATH") == "/usr/local/bin:/usr/bin:/bin");
    // increment_var's base is instance 0's value, although PM2 listed instance 1 first.
    CHECK(api.at("PORT") == "3000");
    for (const char* gone : {"PM2_HOME", "PM2_USAGE", "unique_id", "api"}) {
        CAPTURE(gone);
        CHECK(api.count(gone) == 0);
    }
    CHECK(app_named(d, "api").spec.env.empty());
    const auto& worker = app_named(d, "worker").spec.base_env;
    CHECK(worker.at("RETRIES") == "3");
    CHECK(worker.at("VERBOSE") == "true");
    CHECK(worker.at("QUEUE_URL") == "redis://127.0.0.1:6379");
    CHECK(worker.count("worker") == 0);
    CHECK(worker.count("NODE_APP_INSTANCE") == 0); // rein sets it per instance
}

TEST_CASE("PM2's keys with a rein meaning carry over") {
    auto d = fixture_dump();
    const AppSpec& api = app_named(d, "api").spec;
    CHECK(api.max_memory_restart == 314572800);
    CHECK(api.kill_timeout_ms == 5000);
    CHECK(api.wait_ready);
    CHECK(api.listen_timeout_ms == 8000);
    CHECK(api.increment_var == "PORT");
    CHECK(api.log_date_format == "YYYY-MM-DD HH:mm Z");
    const AppSpec& w = app_named(d, "worker").spec;
    CHECK(w.namespace_name == "jobs");
    CHECK(w.interpreter == "python3");
    CHECK(w.args == std::vector<std::string>{"--queue", "mail"});
    CHECK(w.cron_restart == "0 4 * * *");
    CHECK(w.restart_delay_ms == 250);
    CHECK(w.max_restarts == 3);
    CHECK(w.min_uptime_ms == 2000);
    CHECK(w.watch == std::vector<std::string>{"/srv/jobs/lib"});
    CHECK(w.ignore_watch == std::vector<std::string>{"node_modules"});
    const AppSpec& t = app_named(d, "ticker").spec;
    CHECK(t.interpreter.empty()); // exec_interpreter none
    CHECK(t.script == "/usr/bin/sleep");
    CHECK(t.args == std::vector<std::string>{"1000"});
    CHECK_FALSE(t.treekill);
    CHECK(t.stop_exit_codes == std::vector<int>{0});
    CHECK(t.log_json);
    CHECK(t.namespace_name == "default");
}

TEST_CASE("log and pid files PM2 chose are rein's defaults, the user's own lose PM2's -<id>") {
    auto d = fixture_dump();
    const AppSpec& api = app_named(d, "api").spec;
    CHECK(api.out_file == "/var/log/api/out.log"); // per-instance out-6.log / out-7.log
    CHECK(api.error_file.empty());                 // in PM2's home
    CHECK(api.pid_file.empty());
    const AppSpec& w = app_named(d, "worker").spec;
    CHECK(w.out_file.empty());
    CHECK(w.pid_file == "/run/worker.pid");
    CHECK(w.merge_logs);
}

TEST_CASE("apps PM2 had stopped stay stopped") {
    auto d = fixture_dump();
    CHECK_FALSE(app_named(d, "worker").spec.autostart); // status stopped
    CHECK_FALSE(app_named(d, "ticker").spec.autostart); // autostart false
    CHECK(app_named(d, "api").spec.autostart);
}

TEST_CASE("settings rein does not use are listed, PM2's defaults and bookkeeping are not") {
    auto d = fixture_dump();
    const auto& w = app_named(d, "worker");
    CHECK(contains(w.ignored, "vizion=false"));
    CHECK(contains(w.ignored, "my_setting=kept by PM2"));
    CHECK(w.ignored.size() == 2);
    // vizion, pmx, kill_retry_time at PM2's defaults; status, env copies, PORT: bookkeeping.
    CHECK(app_named(d, "api").ignored.empty());
    CHECK(contains(w.notes, "kill_timeout 'soon' is not a duration: rein's default kept"));
    CHECK(w.spec.kill_timeout_ms == AppSpec{}.kill_timeout_ms);
}

TEST_CASE("an entry rein cannot name is skipped with a reason, the others still import") {
    auto d = fixture_dump();
    REQUIRE(d.skipped.size() == 2);
    CHECK(d.skipped[0] == "entry 6: no name");
    CHECK(d.skipped[1] == "app '1234': its name must not be a number (numbers select instances "
                          "by id)");
}

TEST_CASE("text that is not a PM2 dump is one clear error") {
    CHECK(convert_pm2_dump("{\"apps\": []}", "").error().message ==
          "not a PM2 dump (expected a JSON list of processes)");
    CHECK(convert_pm2_dump("[{", "").error().message == "not valid JSON");
    CHECK(convert_pm2_dump("", "").error().code == "bad_dump");
    auto empty = convert_pm2_dump("[]", "");
    REQUIRE(empty.ok());
    CHECK(empty->apps.empty());
}

TEST_CASE("hostile values in an entry skip it or keep rein's default, never crash") {
    auto d = convert_pm2_dump(R"([
        {"name": "a", "pm_exec_path": "x.js", "pm_cwd": "relative"},
        {"name": "b", "pm_cwd": "/srv"},
        {"name": "c", "pm_exec_path": "/srv/c", "pm_cwd": "/srv", "args": {"x": 1}},
        {"name": "d", "pm_exec_path": "/srv/d", "pm_cwd": "/srv", "args": "'open",
         "merge_logs": "yes", "instance_var": 5},
        {"name": "e", "pm_exec_path": "/srv/e", "pm_cwd": "/srv", "max_restarts": -1,
         "uid": -5, "min_uptime": 1e300, "cron_restart": "61 * * * *", "watch": [1],
         "stop_exit_codes": [300], "kill_signal": "SIGNOPE", "env": {"A=B": "x", "": "y"}}
    ])",
                              "");
    REQUIRE(d.ok());
    REQUIRE(d->apps.size() == 1);
    CHECK(d->skipped.size() == 4);
    CHECK(contains(d->skipped, "app 'a': no absolute working directory"));
    CHECK(contains(d->skipped, "app 'b': no script"));
    CHECK(contains(d->skipped, "app 'c': args is not a list"));
    CHECK(contains(d->skipped, "app 'd': args: "));
    const auto& e = d->apps[0];
    CHECK(e.spec.max_restarts == AppSpec{}.max_restarts);
    CHECK_FALSE(e.spec.uid);
    CHECK(e.spec.min_uptime_ms == AppSpec{}.min_uptime_ms);
    CHECK(e.spec.cron_restart.empty());
    CHECK(e.spec.watch.empty());
    CHECK(e.spec.stop_exit_codes.empty());
    CHECK(e.spec.kill_signal == AppSpec{}.kill_signal);
    CHECK(e.spec.base_env.empty());
    CHECK(e.notes.size() == 9);
}

TEST_CASE("a name with control characters is skipped without sending them to the terminal") {
    auto d =
        convert_pm2_dump(R"([{"name": "a\u001b[2Jb", "pm_exec_path": "/x", "pm_cwd": "/"}])", "");
    REQUIRE(d.ok());
    REQUIRE(d->skipped.size() == 1);
    CHECK(d->skipped[0] == "app 'a?[2Jb': its name must not contain control characters");
}

TEST_CASE("the default dump is PM2_HOME's, else the one in ~/.pm2") {
    CHECK(default_pm2_dump_path("/opt/pm2", "/root") == "/opt/pm2/dump.pm2");
    CHECK(default_pm2_dump_path("", "/home/u") == "/home/u/.pm2/dump.pm2");
    CHECK(default_pm2_dump_path(nullptr, "/home/u") == "/home/u/.pm2/dump.pm2");
}
