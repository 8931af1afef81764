// Ecosystem files as a spec: what each key means, and the one error a mistake gets.
#include "common/ecosystem.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace rein;
namespace fs = std::filesystem;

namespace {

// A temporary folder with an executable `app` and a `server.js`, removed at the end.
struct Dir {
    std::string path;
    Dir() {
        char tmpl[] = "/tmp/reco.XXXXXX";
        REQUIRE(mkdtemp(tmpl));
        path = tmpl;
        write("app", "#!/bin/sh\nexec sleep 1000\n");
        chmod((path + "/app").c_str(), 0755);
        write("server.js", "// not executable: node runs it\n");
        write("plain.txt", "not executable\n");
    }
    ~Dir() { fs::remove_all(path); }
    std::string write(const std::string& name, const std::string& text) const {
        std::ofstream(path + "/" + name) << text;
        return path + "/" + name;
    }
};

LoadOptions options() {
    LoadOptions o;
    o.base_env = {{"PATH", "/usr/bin:/bin"}, {"HOME", "/root"}};
    o.caller_cwd = "/";
    o.usable_cores = 4;
    return o;
}

// The error message of loading `yaml`, or "" when it loads.
std::string error_of(const Dir& d, const std::string& yaml, LoadOptions o = options()) {
    auto r = load_ecosystem(d.write("eco.yaml", yaml), o);
    return r ? "" : r.error().message;
}

AppSpec only_app(const Dir& d, const std::string& yaml, LoadOptions o = options()) {
    auto r = load_ecosystem(d.write("eco.yaml", yaml), o);
    REQUIRE_MESSAGE(r.ok(), (r ? "" : r.error().message));
    REQUIRE(r->size() == 1);
    return r->front();
}

bool contains(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("defaults: name from the script, cwd the file's folder, fork mode, PM2's numbers") {
    Dir d;
    AppSpec a = only_app(d, "apps:\n  - script: ./app\n");
    CHECK(a.name == "app");
    CHECK(a.cwd == d.path);
    CHECK(a.script == d.path + "/app");
    CHECK(a.interpreter.empty());
    CHECK(a.instances == 1);
    CHECK(a.exec_mode == ExecMode::fork);
    CHECK(a.namespace_name == "default");
    CHECK(a.autorestart);
    CHECK(a.max_restarts == 16);
    CHECK(a.min_uptime_ms == 1000);
    CHECK(a.kill_signal == 2);
    CHECK(a.kill_timeout_ms == 1600);
    CHECK(a.instance_var == "NODE_APP_INSTANCE");
    CHECK(a.source_file == d.path + "/eco.yaml");
    CHECK(a.base_env.at("HOME") == "/root");
}

TEST_CASE("every supported key is read") {
    Dir d;
    AppSpec a = only_app(d, R"(apps:
  - name: api
    script: app
    args: "--port 80 'a b'"
    cwd: .
    env: {A: "1", N: 5}
    instances: 3
    exec_mode: fork
    namespace: web
    autorestart: false
    stop_exit_codes: [0, 2]
    max_restarts: 4
    min_uptime: 2s
    restart_delay: 500ms
    exp_backoff_restart_delay: 100
    kill_signal: SIGTERM
    kill_timeout: 1m
    out_file: out.log
    error_file: /dev/null
    time: true
    instance_var: INST
    pid_file: api.pid
    log_max_size: 10M
    log_max_files: 3
)");
    CHECK(a.name == "api");
    CHECK(a.args == std::vector<std::string>{"--port", "80", "a b"});
    CHECK(a.env.at("A") == "1");
    CHECK(a.env.at("N") == "5");
    CHECK(a.instances == 3);
    CHECK(a.exec_mode == ExecMode::fork);
    CHECK(a.namespace_name == "web");
    CHECK_FALSE(a.autorestart);
    CHECK(a.stop_exit_codes == std::vector<int>{0, 2});
    CHECK(a.max_restarts == 4);
    CHECK(a.min_uptime_ms == 2000);
    CHECK(a.restart_delay_ms == 500);
    CHECK(a.exp_backoff_restart_delay_ms == 100);
    CHECK(a.kill_signal == 15);
    CHECK(a.kill_timeout_ms == 60000);
    CHECK(a.out_file == d.path + "/out.log");
    CHECK(a.error_file == "/dev/null");
    CHECK(a.time);
    CHECK(a.instance_var == "INST");
    CHECK(a.pid_file == d.path + "/api.pid");
    CHECK(a.log_max_size == 10 * 1024 * 1024);
    CHECK(a.log_max_files == 3);
}

TEST_CASE("JSON files read like YAML") {
    Dir d;
    auto r = load_ecosystem(
        d.write("eco.json", R"({"apps": [{"name": "j", "script": "app", "args": ["x", "y z"]}]})"),
        options());
    REQUIRE(r.ok());
    CHECK(r->front().args == std::vector<std::string>{"x", "y z"});
}

TEST_CASE("a log_date_format turns the timestamp prefix on, as in PM2") {
    Dir d;
    CHECK(only_app(d, "apps: [{script: app, log_date_format: 'YYYY-MM-DD'}]").time);
    CHECK_FALSE(only_app(d, "apps: [{script: app}]").time);
}

TEST_CASE("the interpreter follows the extension, as in PM2") {
    Dir d;
    AppSpec js = only_app(d, "apps:\n  - script: server.js\n");
    CHECK(js.interpreter == "node");
    CHECK(js.script == d.path + "/server.js");
    AppSpec none = only_app(d, "apps:\n  - script: app\n    interpreter: none\n");
    CHECK(none.interpreter.empty());
    AppSpec py = only_app(d, "apps:\n  - script: plain.txt\n    interpreter: python3\n"
                             "    interpreter_args: -u\n");
    CHECK(py.interpreter == "python3");
    CHECK(py.interpreter_args == std::vector<std::string>{"-u"});
}

TEST_CASE("instances: max and -1 follow the usable cores, more than one means cluster") {
    Dir d;
    CHECK(only_app(d, "apps:\n  - script: app\n    instances: max\n").instances == 4);
    AppSpec m1 = only_app(d, "apps:\n  - script: app\n    instances: -1\n");
    CHECK(m1.instances == 3);
    CHECK(m1.exec_mode == ExecMode::cluster);
}

TEST_CASE("--env merges env_PROFILE over env, an unknown profile is an error") {
    Dir d;
    std::string yaml = "apps:\n  - script: app\n    env: {A: base, B: base}\n"
                       "    env_production: {B: prod}\n";
    LoadOptions o = options();
    o.env_profile = "production";
    AppSpec a = only_app(d, yaml, o);
    CHECK(a.env.at("A") == "base");
    CHECK(a.env.at("B") == "prod");
    CHECK(only_app(d, yaml).env.at("B") == "base");
    o.env_profile = "prodution";
    CHECK(contains(error_of(d, yaml, o), "no app in"));
}

TEST_CASE("--only keeps the named apps and rejects unknown names") {
    Dir d;
    std::string yaml = "apps:\n  - name: a\n    script: app\n  - name: b\n    script: app\n";
    LoadOptions o = options();
    o.only = {"b"};
    CHECK(only_app(d, yaml, o).name == "b");
    o.only = {"c"};
    CHECK(contains(error_of(d, yaml, o), "no app named 'c'"));
}

TEST_CASE("command-line overrides go through the same checks") {
    Dir d;
    LoadOptions o = options();
    o.overrides = {{"instances", "2"}, {"name", "x"}, {"autorestart", "false"}};
    AppSpec a = only_app(d, "apps:\n  - script: app\n", o);
    CHECK(a.instances == 2);
    CHECK(a.name == "x");
    CHECK_FALSE(a.autorestart);
    o.overrides = {{"kill_timeout", "soon"}};
    CHECK(contains(error_of(d, "apps:\n  - script: app\n", o), "--kill-timeout: "));
}

TEST_CASE("an unknown key names file:line:col and the nearest key") {
    Dir d;
    std::string e = error_of(d, "apps:\n  - name: a\n    script: app\n    instaces: 2\n");
    CHECK(contains(e, "eco.yaml:4:5: unknown key 'instaces' (did you mean 'instances'?)"));
}

TEST_CASE("bad values name their place and what was expected") {
    Dir d;
    CHECK(contains(error_of(d, "apps:\n  - script: app\n    instances: lots\n"),
                   "eco.yaml:3:16: instances: expected a positive integer, 'max', 0 or -N"));
    CHECK(contains(error_of(d, "apps:\n  - script: app\n    min_uptime: 5 parsecs\n"),
                   "eco.yaml:3:17:"));
    CHECK(contains(error_of(d, "apps:\n  - script: app\n    autorestart: yes\n"),
                   "expected true or false"));
    CHECK(contains(error_of(d, "apps:\n  - script: app\n    kill_signal: SIGNOPE\n"),
                   "eco.yaml:3:18:"));
    CHECK(contains(error_of(d, "apps:\n  - script: app\n    stop_exit_codes: [1, 300]\n"),
                   "eco.yaml:3:26:"));
    CHECK(contains(error_of(d, "apps:\n  - script: app\n    args: \"a 'b\"\n"),
                   "eco.yaml:3:11: args: unterminated single quote"));
}

TEST_CASE("structural mistakes are errors with a place") {
    Dir d;
    CHECK(contains(error_of(d, ""), "empty"));
    CHECK(contains(error_of(d, "app:\n  - script: app\n"), "did you mean 'apps'?"));
    CHECK(contains(error_of(d, "apps: []\n"), "non-empty list"));
    CHECK(contains(error_of(d, "apps:\n  - name: a\n"), "app 'a' has no 'script'"));
    CHECK(contains(error_of(d, "apps:\n  - script: app\n    script: app\n"), "duplicate key"));
    CHECK(contains(error_of(d, "apps:\n  - {name: a, script: app}\n  - {name: a, script: app}\n"),
                   "duplicate app name 'a'"));
    CHECK(contains(error_of(d, "apps:\n  - script: [unclosed\n"), "eco.yaml:"));
}

TEST_CASE("a script that is missing or not executable is an error") {
    Dir d;
    CHECK(contains(error_of(d, "apps:\n  - script: ./nope\n"),
                   "eco.yaml:2:13: script './nope' not found"));
    CHECK(contains(error_of(d, "apps:\n  - script: plain.txt\n"), "is not executable"));
    CHECK(contains(error_of(d, "apps:\n  - script: app\n    cwd: missing\n"), "does not exist"));
}

TEST_CASE("watch, ignore_watch, watch_delay and cron_restart") {
    Dir d;
    AppSpec on = only_app(d, "apps:\n  - script: app\n    watch: true\n");
    CHECK(on.watch == std::vector<std::string>{d.path});
    CHECK(on.watch_delay_ms == 1000);
    CHECK(only_app(d, "apps:\n  - script: app\n    watch: false\n").watch.empty());
    AppSpec some = only_app(d, "apps:\n  - script: app\n    watch: [src, /etc/app]\n"
                               "    ignore_watch: ['*.log', tmp]\n    watch_delay: 200ms\n");
    CHECK(some.watch == std::vector<std::string>{d.path + "/src", "/etc/app"});
    CHECK(some.ignore_watch == std::vector<std::string>{"*.log", "tmp"});
    CHECK(some.watch_delay_ms == 200);
    CHECK(contains(error_of(d, "apps:\n  - script: app\n    watch: yes\n"),
                   "eco.yaml:3:12: watch: expected true, false or a list of paths"));
    CHECK(only_app(d, "apps:\n  - script: app\n    cron_restart: '0 3 * * *'\n").cron_restart ==
          "0 3 * * *");
    CHECK(contains(error_of(d, "apps:\n  - script: app\n    cron_restart: '0 3 * *'\n"),
                   "eco.yaml:3:19: cron_restart: expected 5 fields"));
    CHECK(
        only_app(d, "apps:\n  - script: app\n    max_memory_restart: 100M\n").max_memory_restart ==
        100 << 20);
}

TEST_CASE("listen takes one address or a list, with a mode for Unix sockets") {
    Dir d;
    AppSpec one = only_app(d, "apps:\n  - script: app\n    listen: 8080\n");
    REQUIRE(one.listen.size() == 1);
    CHECK(one.listen[0].address == "8080");
    AppSpec many = only_app(d, "apps:\n  - script: app\n    listen:\n      - 127.0.0.1:9000\n"
                               "      - {address: 'unix:app.sock', mode: 660}\n"
                               "    wait_ready: true\n    listen_timeout: 5s\n");
    REQUIRE(many.listen.size() == 2);
    CHECK(many.listen[0].address == "127.0.0.1:9000");
    CHECK(many.listen[1].address == "unix:" + d.path + "/app.sock");
    CHECK(many.listen[1].mode == 0660);
    CHECK(many.wait_ready);
    CHECK(many.listen_timeout_ms == 5000);
    CHECK(contains(error_of(d, "apps:\n  - script: app\n    listen: [8080, nowhere:1]\n"),
                   "eco.yaml:3:20: listen: 'nowhere:1' is not a listen address"));
    CHECK(contains(error_of(d, "apps:\n  - script: app\n    listen: {address: 80, port: 1}\n"),
                   "only 'address' and 'mode'"));
}

TEST_CASE("start <script> without a file") {
    Dir d;
    LoadOptions o = options();
    o.caller_cwd = d.path;
    auto a = app_from_script("./app", {"-v", "x y"}, o);
    REQUIRE(a.ok());
    CHECK(a->name == "app");
    CHECK(a->cwd == d.path);
    CHECK(a->args == std::vector<std::string>{"-v", "x y"});
    auto missing = app_from_script("./nope", {}, o);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message == "script './nope' not found");
    CHECK(is_ecosystem_path("x.yaml"));
    CHECK(is_ecosystem_path("X.JSON"));
    CHECK_FALSE(is_ecosystem_path("x.js"));
}

TEST_CASE("one YAML document per file, a lone comma is an error, not a hang") {
    // Found by the ecosystem fuzzers: yaml-cpp 0.7's LoadAll never returned on these.
    Dir d;
    CHECK(contains(error_of(d, ","), "eco.yaml:"));
    CHECK(contains(error_of(d, "{\n  \"apps\": [\n    {\"name\": \"\n}\n"), "eco.yaml:"));
    CHECK(contains(error_of(d, "apps:\n  - script: ./app\n---\napps: []\n"),
                   "eco.yaml:3:1: only one YAML document"));
    CHECK(contains(error_of(d, "apps:\n  - script: ./app\n...\napps: []\n"),
                   "eco.yaml:4:1: only one YAML document"));
    // Markers around a single document are fine, as are `---` inside values.
    CHECK(only_app(d, "%YAML 1.2\n---\napps:\n  - script: ./app\n    args: \"---\"\n...\n").name ==
          "app");
}
