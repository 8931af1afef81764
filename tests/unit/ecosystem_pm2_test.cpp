// Ecosystem files as PM2 users have them: PM2's keys and aliases, its values, JSON5, the
// top-level shapes PM2 accepts, evaluated *.config.js places, and the key table itself.
#include "common/ecosystem.hpp"
#include "common/ecosystem_detail.hpp"
#include "common/pm2_keys.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

using namespace rein;
namespace fs = std::filesystem;

namespace {

struct PmDir {
    std::string path;
    PmDir() {
        char tmpl[] = "/tmp/recp.XXXXXX";
        REQUIRE(mkdtemp(tmpl));
        path = tmpl;
        write("app", "#!/bin/sh\nexec sleep 1000\n");
        chmod((path + "/app").c_str(), 0755);
    }
    ~PmDir() { fs::remove_all(path); }
    std::string write(const std::string& name, const std::string& text) const {
        std::ofstream(path + "/" + name) << text;
        return path + "/" + name;
    }
};

struct PmLoaded {
    Result<std::vector<AppSpec>> apps = std::vector<AppSpec>{};
    std::vector<std::string> warnings;
};

LoadOptions pm_options(std::vector<std::string>* warnings = nullptr) {
    LoadOptions o;
    o.base_env = {{"PATH", "/usr/bin:/bin"}, {"HOME", "/root"}, {"SECRET_KEY", "s"}};
    o.caller_cwd = "/";
    o.usable_cores = 4;
    if (warnings) o.warn = [warnings](const std::string& w) { warnings->push_back(w); };
    return o;
}

PmLoaded pm_load(const PmDir& d, const std::string& name, const std::string& text,
                 LoadOptions o = pm_options()) {
    PmLoaded l;
    o.warn = [&l](const std::string& w) { l.warnings.push_back(w); };
    l.apps = load_ecosystem(d.write(name, text), o);
    return l;
}

AppSpec pm_app(const PmDir& d, const std::string& yaml, LoadOptions o = pm_options()) {
    auto l = pm_load(d, "eco.yaml", yaml, o);
    REQUIRE_MESSAGE(l.apps.ok(), (l.apps ? "" : l.apps.error().message));
    REQUIRE(l.apps->size() == 1);
    return l.apps->front();
}

std::string pm_error_of(const PmDir& d, const std::string& name, const std::string& text,
                        LoadOptions o = pm_options()) {
    auto l = pm_load(d, name, text, o);
    return l.apps ? "" : l.apps.error().message;
}

bool pm_contains(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("the key table: every key of PM2's current schema is known, aliases name rein keys") {
    // lib/API/schema.json of PM2 7 (keys only).
    for (const char* k :
         {"script", "name", "name_prefix", "filter_env", "namespace", "install_url", "cwd", "args",
          "exec_interpreter", "node_args", "out_file", "error_file", "log_file", "disable_logs",
          "log_type", "log_date_format", "time", "env", "max_memory_restart", "pid_file",
          "restart_delay", "exp_backoff_restart_delay", "source_map_support",
          "disable_source_map_support", "wait_ready", "instances", "kill_timeout",
          "shutdown_with_message", "listen_timeout", "cron_restart", "merge_logs", "vizion",
          "autostart", "autorestart", "stop_exit_codes", "watch_delay", "watch", "ignore_watch",
          "watch_options", "min_uptime", "max_restarts", "execute_command", "exec_mode", "force",
          "append_env_to_name", "post_update", "trace", "disable_trace", "v8",
          "event_loop_inspector", "deep_monitoring", "increment_var", "instance_var", "pmx",
          "automation", "treekill", "port", "username", "uid", "gid", "windowsHide",
          "kill_retry_time", "write", "io",
          // aliases
          "exec", "interpreter", "interpreter_args", "interpreterArgs", "out", "output", "out_log",
          "error", "err", "err_file", "err_log", "log", "pid", "cron", "combine_logs", "user"})
        CHECK_MESSAGE(find_pm2_key(k) != nullptr, k);
    std::set<std::string_view> names;
    for (const auto& k : pm2_keys()) {
        CHECK_MESSAGE(names.insert(k.name).second, k.name); // no key twice
        if (k.kind == Pm2KeyKind::alias) {
            const Pm2Key* target = find_pm2_key(k.target);
            REQUIRE_MESSAGE(target, k.target);
            CHECK(target->kind == Pm2KeyKind::rein);
        }
        if (k.kind != Pm2KeyKind::alias) CHECK_MESSAGE(!k.note.empty(), k.name);
        // Every rein key has a setter (bind_handoff's comes from the bind hand-off's branch).
        if (k.kind == Pm2KeyKind::rein && k.name != "bind_handoff") {
            PmDir d;
            ecosystem_detail::Draft draft;
            CHECK_MESSAGE(
                ecosystem_detail::classify_key(k.name) == ecosystem_detail::KeyKind::known, k.name);
        }
    }
    CHECK(find_pm2_key("instaces") == nullptr);
    CHECK(ecosystem_detail::nearest_key("combine_log") == "combine_logs");
    CHECK(ecosystem_detail::nearest_key("vision") == "vizion");
}

TEST_CASE("PM2's aliases set the rein key, both spellings in one app are an error") {
    PmDir d;
    AppSpec a = pm_app(d, "apps:\n  - exec: app\n    exec_interpreter: none\n    output: o.log\n"
                          "    err: e.log\n    log: all.log\n    pid: app.pid\n"
                          "    cron: '0 3 * * *'\n    combine_logs: false\n    user: root\n");
    CHECK(a.script == d.path + "/app");
    CHECK(a.interpreter.empty());
    CHECK(a.out_file == d.path + "/o.log");
    CHECK(a.error_file == d.path + "/e.log");
    CHECK(a.log_file == d.path + "/all.log");
    CHECK(a.pid_file == d.path + "/app.pid");
    CHECK(a.cron_restart == "0 3 * * *");
    CHECK_FALSE(a.merge_logs);
    CHECK(a.uid == 0u);
    CHECK(pm_app(d, "apps:\n  - script: app\n    node_args: --max-old-space-size=100\n")
              .interpreter_args == std::vector<std::string>{"--max-old-space-size=100"});
    CHECK(pm_contains(
        pm_error_of(d, "eco.yaml", "apps:\n  - script: app\n    out: a\n    out_file: b\n"),
        "eco.yaml:4:5: 'out_file' and 'out' both set out_file"));
}

TEST_CASE("PM2 service keys and a deploy section start with one warning each") {
    PmDir d;
    auto l = pm_load(d, "eco.yaml",
                     "apps:\n  - script: app\n    vizion: false\n    pmx: true\n"
                     "    post_update: [npm install]\n    force: true\n"
                     "deploy:\n  production: {user: me, host: h}\n");
    REQUIRE(l.apps.ok());
    REQUIRE(l.warnings.size() == 5);
    const std::string f = d.path + "/eco.yaml";
    CHECK(l.warnings[0] == f +
                               ":7:1: 'deploy' is PM2's deploy tool; rein ignores it (deploy "
                               "with git or CI, then `rein reload " +
                               f + "`)");
    CHECK(l.warnings[1] == f + ":3:5: 'vizion' is a PM2 service key; rein ignores it");
    CHECK(l.warnings[2] == f + ":4:5: 'pmx' is a PM2 service key; rein ignores it");
    CHECK(l.warnings[3] == f + ":5:5: 'post_update' is a PM2 service key; rein ignores it");
    CHECK(pm_contains(l.warnings[4], "'force' is ignored: rein app names are unique"));
    // A key no PM2 version knows is an error, with did-you-mean over PM2's keys too.
    CHECK(pm_contains(pm_error_of(d, "eco.yaml", "apps:\n  - script: app\n    vizon: false\n"),
                      "eco.yaml:3:5: unknown key 'vizon' (did you mean 'vizion'?)"));
    // Nothing is warned about when the file has an error.
    auto bad = pm_load(d, "eco.yaml", "apps:\n  - script: app\n    pmx: true\n    instaces: 2\n");
    CHECK_FALSE(bad.apps.ok());
    CHECK(bad.warnings.empty());
}

TEST_CASE("instances as PM2 takes them") {
    PmDir d;
    auto n = [&](const std::string& v) {
        return pm_app(d, "apps:\n  - script: app\n    instances: " + v + "\n").instances;
    };
    CHECK(n("max") == 4);
    CHECK(n("0") == 4);
    CHECK(n("-1") == 3);
    CHECK(n("-3") == 1);
    CHECK(n("-100") == 1);
    CHECK(n("'4'") == 4);
    CHECK(pm_contains(pm_error_of(d, "eco.yaml", "apps:\n  - script: app\n    instances: '4x'\n"),
                      "expected a positive integer, 'max', 0 or -N"));
}

TEST_CASE("env values: numbers and booleans as written, objects and arrays JSON-encoded") {
    PmDir d;
    AppSpec a =
        pm_app(d, "apps:\n  - script: app\n    env:\n      PORT: 3000\n      DEBUG: true\n"
                  "      OBJ: {a: 1, b: 'x', c: [true, null, '2']}\n      LIST: [1, two]\n");
    CHECK(a.env.at("PORT") == "3000");
    CHECK(a.env.at("DEBUG") == "true");
    CHECK(a.env.at("OBJ") == R"({"a":1,"b":"x","c":[true,null,"2"]})");
    CHECK(a.env.at("LIST") == R"([1,"two"])");
}

TEST_CASE("port, filter_env, append_env_to_name, disable_logs, log_type, autostart, treekill") {
    PmDir d;
    LoadOptions prod = pm_options();
    prod.env_profile = "production";
    AppSpec a =
        pm_app(d,
               "apps:\n  - name: api\n    script: app\n    port: 8080\n"
               "    env: {PORT: 1}\n    env_production: {PORT: 2}\n"
               "    append_env_to_name: true\n    filter_env: [SECRET]\n"
               "    autostart: false\n    treekill: false\n    shutdown_with_message: true\n"
               "    log_type: json\n",
               prod);
    CHECK(a.env.at("PORT") == "8080");
    CHECK(a.name == "api-production");
    CHECK(a.base_env.count("SECRET_KEY") == 0);
    CHECK(a.base_env.count("HOME") == 1);
    CHECK_FALSE(a.autostart);
    CHECK_FALSE(a.treekill);
    CHECK(a.shutdown_with_message);
    CHECK(a.log_json);
    AppSpec b = pm_app(d, "apps:\n  - name: api\n    script: app\n    append_env_to_name: true\n"
                          "    filter_env: true\n    disable_logs: true\n");
    CHECK(b.name == "api");
    CHECK(b.base_env == std::map<std::string, std::string>{{"PATH", "/usr/bin:/bin"}});
    CHECK(b.out_file == "/dev/null");
    CHECK(b.error_file == "/dev/null");
    CHECK(pm_contains(pm_error_of(d, "eco.yaml", "apps:\n  - script: app\n    port: 70000\n"),
                      "eco.yaml:3:11: port: expected a port number 1..65535"));
    CHECK(pm_contains(pm_error_of(d, "eco.yaml", "apps:\n  - script: app\n    log_type: xml\n"),
                      "log_type: expected 'json'"));
}

TEST_CASE("out_file NULL, watch '.', cron with seconds, cron 0") {
    PmDir d;
    AppSpec a = pm_app(d, "apps:\n  - script: app\n    out_file: NULL\n    error_file: /dev/null\n"
                          "    watch: '.'\n    cron_restart: '*/30 * * * * *'\n");
    CHECK(a.out_file == "/dev/null");
    CHECK(a.error_file == "/dev/null");
    CHECK(a.watch == std::vector<std::string>{d.path});
    CHECK(a.cron_restart == "*/30 * * * * *");
    CHECK(pm_app(d, "apps:\n  - script: app\n    cron_restart: 0\n").cron_restart.empty());
    const char* old_home = std::getenv("REIN_HOME");
    const std::string saved = old_home ? old_home : "";
    setenv("REIN_HOME", (d.path + "/home").c_str(), 1);
    CHECK(pm_app(d, "apps:\n  - name: l\n    script: app\n    log_file: true\n").log_file ==
          d.path + "/home/logs/l.log");
    if (old_home)
        setenv("REIN_HOME", saved.c_str(), 1);
    else
        unsetenv("REIN_HOME");
    CHECK(pm_app(d, "apps:\n  - script: app\n    log: false\n").log_file.empty());
    CHECK(pm_app(d, "apps:\n  - script: app\n    watch: not-yet\n").watch ==
          std::vector<std::string>{d.path + "/not-yet"});
    CHECK(pm_contains(pm_error_of(d, "eco.yaml", "apps:\n  - script: app\n    watch: yes\n"),
                      "watch: expected true, false or a list of paths"));
}

TEST_CASE("top level: a list, one app, pm2: as apps:, apps: as one object") {
    PmDir d;
    const std::string s = d.path + "/app";
    auto names = [&](const std::string& name, const std::string& text) {
        auto l = pm_load(d, name, text);
        REQUIRE_MESSAGE(l.apps.ok(), (l.apps ? "" : l.apps.error().message));
        std::vector<std::string> out;
        for (const auto& a : *l.apps) out.push_back(a.name);
        return out;
    };
    using V = std::vector<std::string>;
    CHECK(names("e.json", "[{\"name\": \"a\", \"script\": \"app\"}, {\"script\": \"app\"}]") ==
          V{"a", "app"});
    CHECK(names("e.json", "{\"name\": \"one\", \"script\": \"app\"}") == V{"one"});
    CHECK(names("e.yaml", "pm2:\n  - {name: p, script: app}\n") == V{"p"});
    CHECK(names("e.yaml", "apps: {name: o, script: app}\n") == V{"o"});
    CHECK(pm_contains(pm_error_of(d, "e.yaml", "apps: []\npm2: []\n"), "duplicate key 'pm2'"));
    // An empty list defines no app: an error, as an empty `apps:` is (found by the fuzzer).
    CHECK(pm_contains(pm_error_of(d, "e.json", "[]"), "e.json:1:1: the list of apps is empty"));
}

TEST_CASE("JSON files may have comments and trailing commas (PM2 reads JSON5), places stay true") {
    PmDir d;
    auto l =
        pm_load(d, "e.json",
                "// the api\n{\n  /* one app */ \"apps\": [{\n    \"script\": \"app\", // here\n"
                "    \"args\": [\"a // not a comment\", \"b /* nor this */\",],\n  },],\n}\n");
    REQUIRE_MESSAGE(l.apps.ok(), (l.apps ? "" : l.apps.error().message));
    CHECK(l.apps->front().args ==
          std::vector<std::string>{"a // not a comment", "b /* nor this */"});
    CHECK(pm_contains(pm_error_of(d, "e.json",
                                  "{\n  // comment\n  /* two\n  lines */ \"apps\": [{\"script\": "
                                  "\"app\", \"instaces\": 2}]\n}\n"),
                      "e.json:4:39: unknown key 'instaces'"));
    CHECK(ecosystem_detail::strip_json5("{\"a\": 'it''s // x', /* c */ \"b\": [1,],}") ==
          "{\"a\": 'it''s // x',         \"b\": [1 ] }");
}

TEST_CASE("an evaluated *.config.js is read from node's JSON, errors name JSON places") {
    PmDir d;
    d.write("ecosystem.config.js", "ignored: the hook below stands in for node\n");
    std::string json;
    LoadOptions o = pm_options();
    o.evaluate_js = [&](const std::string& path, const std::string& shown) -> Result<std::string> {
        CHECK(path == d.path + "/ecosystem.config.js");
        CHECK(shown == d.path + "/ecosystem.config.js");
        return json;
    };
    auto run = [&](const std::string& j) {
        json = j;
        return load_ecosystem(d.path + "/ecosystem.config.js", o);
    };
    auto ok = run("{\n \"apps\": [\n  {\n   \"script\": \"app\",\n   \"env\": {\n"
                  "    \"PORT\": 3000\n   }\n  }\n ]\n}");
    REQUIRE_MESSAGE(ok.ok(), (ok ? "" : ok.error().message));
    CHECK(ok->front().env.at("PORT") == "3000");
    CHECK(ok->front().source_file == d.path + "/ecosystem.config.js");
    const std::string f = d.path + "/ecosystem.config.js: ";
    auto typo = run("{\n \"apps\": [\n  {\n   \"script\": \"app\"\n  },\n  {\n"
                    "   \"script\": \"app\",\n   \"instaces\": 4\n  }\n ]\n}");
    REQUIRE_FALSE(typo.ok());
    CHECK(typo.error().message ==
          f + "apps[1]: unknown key 'instaces' (did you mean 'instances'?)");
    auto value = run("{\n \"apps\": [\n  {\n   \"script\": \"app\",\n   \"env\": {\n"
                     "    \"A-B\": 1,\n    \"=\": 2\n   }\n  }\n ]\n}");
    REQUIRE_FALSE(value.ok());
    CHECK(value.error().message == f + "apps[0].env: env: expected a variable name (non-empty, "
                                       "without '=')");
    auto noscript = run("{\n \"apps\": [\n  {\n   \"name\": \"x\"\n  }\n ]\n}");
    REQUIRE_FALSE(noscript.ok());
    CHECK(noscript.error().message == f + "apps[0]: app 'x' has no 'script'");
    auto twice = run("[\n {\n  \"name\": \"a\",\n  \"script\": \"app\"\n },\n {\n"
                     "  \"name\": \"a\",\n  \"script\": \"app\"\n }\n]");
    REQUIRE_FALSE(twice.ok());
    CHECK(twice.error().message == f + "[1]: duplicate app name 'a' (first at app 0)");
    o.evaluate_js = nullptr;
    auto none = load_ecosystem(d.path + "/ecosystem.config.js", o);
    REQUIRE_FALSE(none.ok());
    CHECK(pm_contains(none.error().message, "node evaluates it"));
}

TEST_CASE("which files are ecosystem files, and stdin") {
    CHECK(is_ecosystem_path("ecosystem.config.js"));
    CHECK(is_ecosystem_path("/srv/app/pm2.config.cjs"));
    CHECK(is_ecosystem_path("x.CONFIG.MJS"));
    CHECK_FALSE(is_ecosystem_path("app.js"));
    CHECK_FALSE(is_ecosystem_path("config.js"));
    CHECK(is_js_ecosystem_path("a.config.js"));
    CHECK_FALSE(is_js_ecosystem_path("a.json"));
    PmDir d;
    LoadOptions o = pm_options();
    o.caller_cwd = d.path;
    auto y = load_ecosystem_text("apps:\n  - script: ./app\n", "<stdin>", o);
    REQUIRE_MESSAGE(y.ok(), (y ? "" : y.error().message));
    CHECK(y->front().script == d.path + "/app");
    CHECK(y->front().source_file.empty());
    auto j = load_ecosystem_text("// json\n{\"apps\": [{\"script\": \"app\",}]}", "<stdin>", o);
    REQUIRE_MESSAGE(j.ok(), (j ? "" : j.error().message));
    auto bad = load_ecosystem_text("apps:\n  - script: app\n    instaces: 1\n", "<stdin>", o);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message == "<stdin>:3:5: unknown key 'instaces' (did you mean 'instances'?)");
}

TEST_CASE("a folder as script runs its index.js, named after the folder (PM2's template)") {
    PmDir d;
    fs::create_directory(d.path + "/service-worker");
    d.write("service-worker/index.js", "\n");
    AppSpec a = pm_app(d, "apps:\n  - script: ./service-worker/\n");
    CHECK(a.name == "service-worker");
    CHECK(a.script == d.path + "/service-worker/index.js");
    CHECK(a.interpreter == "node");
    fs::create_directory(d.path + "/empty");
    CHECK(pm_contains(pm_error_of(d, "eco.yaml", "apps:\n  - script: ./empty\n"),
                      "without index.js"));
}

TEST_CASE("docs/migrating-from-pm2.md holds the tables the parser uses (run `make docs`)") {
    std::ifstream in(std::string(REIN_SOURCE_DIR) + "/docs/migrating-from-pm2.md");
    REQUIRE(in);
    const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto expected = splice_migration_tables(doc);
    REQUIRE(expected);
    CHECK_MESSAGE(*expected == doc, "docs/migrating-from-pm2.md is out of date: run `make docs`");
    // Every key of the table is in the doc.
    for (const auto& k : pm2_keys())
        CHECK_MESSAGE(pm_contains(doc, "| `" + std::string(k.name) + "` |"), k.name);
}
