// PM2's verbs, start flags and selectors, through the real CLI and daemon.
#include "harness.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

using namespace rein::test;

namespace {

/// A shell script in the home that execs the fixture with `args` (its own name, its own app).
std::string script(const Home& h, const std::string& name, const std::string& args = "") {
    std::string path = h.write(name, "#!/bin/sh\nexec " + fixture() + " " + args + "\n");
    chmod(path.c_str(), 0755);
    return path;
}

/// The saved spec of app `name` (rein save, then dump.json).
nlohmann::json saved_spec(const Home& h, const std::string& name) {
    REQUIRE(h.rein({"save"}).code == 0);
    const auto dump = nlohmann::json::parse(h.read("dump.json"));
    for (const auto& a : dump["apps"])
        if (a["spec"]["name"] == name) return a["spec"];
    return nullptr;
}

/// The instances of `name` that are online, as ids.
std::vector<int> online_ids(const Home& h, const std::string& name) {
    std::vector<int> ids;
    for (const auto& r : h.rows(name))
        if (r["status"] == "online") ids.push_back(r["id"].get<int>());
    return ids;
}

/// Waits until the fixture wrote FILE and it contains `part`.
bool file_has(const Home& h, const std::string& file, const std::string& part) {
    return wait_until([&] { return has(h.read(file), part); });
}

} // namespace

TEST_CASE("ps, desc, info, prettylist, pid, id and env answer as PM2's do") {
    Home h;
    REQUIRE(h.rein({"start",
                    h.ecosystem({fixture_app("web", {}, {"instances: 2", "env: {GREETING: hi}"})})})
                .code == 0);
    REQUIRE(h.wait_status("web", "online", 2));
    auto rows = h.rows("web");
    REQUIRE(rows.size() == 2);
    for (const char* verb : {"ps", "desc", "info"}) {
        Run r = verb == std::string("ps") ? h.rein({verb}) : h.rein({verb, "web"});
        CHECK(r.code == 0);
        CHECK(has(r.out, "web"));
    }
    Run pretty = h.rein({"prettylist"});
    CHECK(pretty.code == 0);
    // PM2's layout (util.inspect), which scripts grep: unquoted keys, single-quoted strings.
    CHECK(pretty.out.rfind("[\n  {\n", 0) == 0);
    CHECK(has(pretty.out, "    name: 'web',\n"));
    // Once per instance, as in PM2's rows (jlist's own top-level status is left out).
    auto count = [&](const std::string& needle) {
        std::size_t n = 0;
        for (auto at = pretty.out.find(needle); at != std::string::npos && n < 100;
             at = pretty.out.find(needle, at + 1))
            ++n;
        return n;
    };
    CHECK(count("status: 'online'") == 2);
    CHECK(count("restart_time: 0") == 2);
    CHECK(count("\n    pm_id: ") == 2); // top level, followed by monit as in PM2's rows
    CHECK(count("\n    pm_id: 0,\n    monit: {") == 1);

    const std::string pids = std::to_string(rows[0]["pid"].get<int>()) + "\n" +
                             std::to_string(rows[1]["pid"].get<int>()) + "\n";
    CHECK(h.rein({"pid", "web"}).out == pids);
    CHECK(h.rein({"pid"}).out == pids);
    CHECK(h.rein({"pid", "nope"}).out.empty());
    const std::string ids = "[ " + std::to_string(rows[0]["id"].get<int>()) + ", " +
                            std::to_string(rows[1]["id"].get<int>()) + " ]\n";
    CHECK(h.rein({"id", "web"}).out == ids);
    Run none = h.rein({"id", "nope"});
    CHECK(none.code == 0);
    CHECK(none.out == "[]\n");

    const int second = rows[1]["id"].get<int>();
    Run env = h.rein({"env", std::to_string(second)});
    CHECK(env.code == 0);
    CHECK(has(env.out, "\nGREETING=hi\n"));
    CHECK(has(env.out, "\nREIN_APP_ID=" + std::to_string(second) + "\n"));
    CHECK(has(env.out, "\nNODE_APP_INSTANCE=1\n"));
    Run missing = h.rein({"env", "99"});
    CHECK(missing.code == 1);
    CHECK(has(missing.err, "no process with id 99"));
}

TEST_CASE("dump saves, cleardump leaves a valid empty dump") {
    Home h;
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("a", {})})}).code == 0);
    Run dump = h.rein({"dump"});
    CHECK(dump.code == 0);
    CHECK(nlohmann::json::parse(h.read("dump.json"))["apps"].size() == 1);
    Run clear = h.rein({"cleardump"});
    CHECK(clear.code == 0);
    auto emptied = nlohmann::json::parse(h.read("dump.json"));
    CHECK(emptied["apps"] == nlohmann::json::array());
    REQUIRE(h.rein({"delete", "a"}).code == 0);
    Run back = h.rein({"resurrect"});
    CHECK(back.code == 0);
    CHECK(h.jlist().empty());
}

TEST_CASE("ecosystem writes a starter file once and its apps are keys rein parses") {
    Home h;
    Run r = h.rein({"ecosystem"}, {}, h.dir());
    CHECK(r.code == 0);
    const std::string text = h.read("ecosystem.config.js");
    CHECK(has(text, "module.exports"));
    CHECK(has(text, "env_production"));
    Run again = h.rein({"ecosystem"}, {}, h.dir());
    CHECK(again.code == 1);
    CHECK(has(again.err, "already exists"));
    CHECK(h.read("ecosystem.config.js") == text);

    // Until rein evaluates .config.js itself, node turns it into the JSON rein reads; the apps
    // must start from it unchanged, with their profile.
    if (system("node --version >/dev/null 2>&1") != 0) return;
    script(h, "app.js");
    const std::string json = h.path("eco.json");
    const std::string cmd = "cd " + h.dir() +
                            " && node -e \"console.log(JSON.stringify(require('./"
                            "ecosystem.config.js')))\" > " +
                            json;
    REQUIRE(system(cmd.c_str()) == 0);
    Run start = h.rein({"start", json, "--env", "production", "--interpreter", "none"});
    CHECK(start.code == 0);
    CHECK(h.wait_status("app", "online"));
    CHECK(has(h.rein({"env", "0"}).out, "NODE_ENV=production"));
}

TEST_CASE("start takes several scripts, and a quoted command line as one command") {
    Home h;
    script(h, "one.sh");
    script(h, "two.sh");
    Run r = h.rein({"start", "one.sh", "two.sh", "--", "cwd", h.path("argv")}, {}, h.dir());
    REQUIRE(r.code == 0);
    CHECK(h.wait_status("one", "online"));
    CHECK(h.wait_status("two", "online"));
    CHECK(h.rows("one")[0]["args"] == nlohmann::json({"cwd", h.path("argv")}));

    Run cmd = h.rein({"start", fixture() + " cwd " + h.path("cmdline"), "--name", "cmd"});
    REQUIRE(cmd.code == 0);
    CHECK(file_has(h, "cmdline", h.path("cmdline")));
    CHECK(h.rows("cmd")[0]["script"] == fixture());

    // A bare command on PATH is stored and shown resolved, and restarts as it started.
    REQUIRE(h.rein({"start", "sleep 100"}).code == 0);
    REQUIRE(h.wait_status("sleep", "online"));
    const std::string sleep_path = h.rows("sleep")[0]["script"];
    CHECK(sleep_path.front() == '/');
    CHECK(sleep_path.substr(sleep_path.size() - 6) == "/sleep");
    REQUIRE(h.rein({"restart", "sleep"}).code == 0);
    CHECK(h.wait_status("sleep", "online"));

    Run bad = h.rein({"start", "sleep 'unterminated"});
    CHECK(bad.code == 1);
    CHECK(has(bad.err, "cannot split"));
}

TEST_CASE("start flags set the ecosystem key of PM2's meaning") {
    Home h;
    Run r = h.rein({"start",
                    fixture(),
                    "--name",
                    "f",
                    "-o",
                    h.path("o.log"),
                    "-e",
                    h.path("e.log"),
                    "-l",
                    h.path("all.log"),
                    "--merge-logs",
                    "--log-date-format",
                    "%H:%M",
                    "--max-restarts",
                    "3",
                    "--min-uptime",
                    "2s",
                    "--stop-exit-codes",
                    "3",
                    "4",
                    "--exp-backoff-restart-delay",
                    "150",
                    "--cron",
                    "0 3 * * *",
                    "--ignore-watch",
                    "*.tmp",
                    "--node-args",
                    "--max-old-space-size=64",
                    "--interpreter",
                    "none",
                    "--log-type",
                    "json",
                    "--watch-delay",
                    "2",
                    "-p",
                    h.path("f.pid"),
                    "-k",
                    "900",
                    "-x",
                    "--",
                    "print",
                    "1"});
    REQUIRE(r.code == 0);
    REQUIRE(h.wait_status("f", "online"));
    auto spec = saved_spec(h, "f");
    REQUIRE(spec.is_object());
    CHECK(spec["out_file"] == h.path("o.log"));
    CHECK(spec["error_file"] == h.path("e.log"));
    CHECK(spec["log_file"] == h.path("all.log"));
    CHECK(spec["merge_logs"] == true);
    CHECK(spec["log_date_format"] == "%H:%M");
    CHECK(spec["max_restarts"] == 3);
    CHECK(spec["min_uptime"] == 2000);
    CHECK(spec["stop_exit_codes"] == nlohmann::json({3, 4}));
    CHECK(spec["exp_backoff_restart_delay"] == 150);
    CHECK(spec["cron_restart"] == "0 3 * * *");
    CHECK(spec["ignore_watch"] == nlohmann::json({"*.tmp"}));
    CHECK(spec["interpreter_args"] == nlohmann::json({"--max-old-space-size=64"}));
    CHECK(spec["log_json"] == true);
    CHECK(spec["watch_delay"] == 2000);
    CHECK(spec["pid_file"] == h.path("f.pid"));
    CHECK(spec["kill_timeout"] == 900);
    CHECK(spec["exec_mode"] == "fork");

    // A value is checked as the file's would be: one clear error, nothing created.
    Run bad = h.rein({"start", fixture(), "--name", "g", "--max-restarts", "many"});
    CHECK(bad.code == 1);
    CHECK(has(bad.err, "--max-restarts"));
    CHECK(h.rows("g").empty());
    // PM2 flags without a meaning in rein say so.
    for (const char* flag : {"--attach", "--mini-list"}) {
        Run no = h.rein({"start", fixture(), "--name", "g", flag});
        CHECK(no.code == 1);
        CHECK(has(no.err, "not supported"));
    }
    CHECK(h.rows("g").empty());
    // PM2's service switches are ignored with a warning, as its service keys are.
    Run svc = h.rein({"start", fixture(), "--name", "svc", "--no-pmx", "--no-vizion"});
    CHECK_MESSAGE(svc.code == 0, svc.err);
    CHECK(has(svc.err, "--no-pmx is a PM2 service option (pm2.io); rein ignores it"));
    CHECK(h.rows("svc").size() == 1);
    // --disable-logs and --filter-env are PM2's disable_logs and filter_env.
    Run quiet = h.rein(
        {"start", fixture(), "--name", "q", "--disable-logs", "--filter-env", "REIN_SECRET_"},
        {"REIN_SECRET_TOKEN=x", "REIN_KEPT=y"});
    REQUIRE_MESSAGE(quiet.code == 0, quiet.err);
    REQUIRE(h.rows("q").size() == 1);
    CHECK(h.rows("q")[0]["out_file"] == "/dev/null");
    const std::string env = h.rein({"env", std::to_string(h.rows("q")[0]["id"].get<int>())}).out;
    CHECK(has(env, "REIN_KEPT=y"));
    CHECK_FALSE(has(env, "REIN_SECRET_TOKEN"));
}

TEST_CASE("--no-autostart registers the app stopped and -f starts another copy") {
    Home h;
    REQUIRE(h.rein({"start", fixture(), "--name", "lazy", "--no-autostart"}).code == 0);
    auto rows = h.rows("lazy");
    REQUIRE(rows.size() == 1);
    CHECK(rows[0]["status"] == "stopped");
    REQUIRE(h.rein({"start", "lazy"}).code == 0);
    CHECK(h.wait_status("lazy", "online"));

    REQUIRE(h.rein({"start", fixture(), "--name", "copy"}).code == 0);
    REQUIRE(h.wait_status("copy", "online"));
    Run again = h.rein({"start", fixture(), "--name", "copy"});
    CHECK(again.code == 0);
    CHECK(has(again.err, "already online"));
    CHECK(h.rows("copy-2").empty());
    REQUIRE(h.rein({"start", fixture(), "--name", "copy", "-f"}).code == 0);
    CHECK(h.wait_status("copy-2", "online"));
    CHECK(h.rows("copy").size() == 1);
}

TEST_CASE("selectors: several words, ids and names mixed, /regex/ and a script path") {
    Home h;
    script(h, "s1.sh");
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("api-a", {}), fixture_app("api-b", {}),
                                          fixture_app("web", {}), fixture_app("db", {})})})
                .code == 0);
    REQUIRE(h.rein({"start", "s1.sh"}, {}, h.dir()).code == 0);
    for (const char* n : {"api-a", "api-b", "web", "db", "s1"}) REQUIRE(h.wait_status(n, "online"));
    const int web = h.rows("web")[0]["id"].get<int>();

    REQUIRE(h.rein({"stop", "db", std::to_string(web)}).code == 0);
    CHECK(h.wait_status("db", "stopped"));
    CHECK(h.wait_status("web", "stopped"));
    CHECK(online_ids(h, "api-a").size() == 1);

    REQUIRE(h.rein({"stop", "/^api-/"}).code == 0);
    CHECK(h.wait_status("api-a", "stopped"));
    CHECK(h.wait_status("api-b", "stopped"));
    CHECK(online_ids(h, "s1").size() == 1);

    REQUIRE(h.rein({"stop", "./s1.sh"}, {}, h.dir()).code == 0);
    CHECK(h.wait_status("s1", "stopped"));
    REQUIRE(h.rein({"restart", h.path("s1.sh")}).code == 0);
    CHECK(h.wait_status("s1", "online"));

    Run none = h.rein({"stop", "/^zzz/"});
    CHECK(none.code == 1);
    CHECK(has(none.err, "no process name matches /^zzz/"));
    Run bad = h.rein({"stop", "/[/"});
    CHECK(bad.code == 1);
    CHECK(has(bad.err, "bad regular expression"));
    Run partly = h.rein({"stop", "s1", "nope"});
    CHECK(partly.code == 1);
    CHECK(has(partly.err, "nope"));
}

TEST_CASE("reload and start of an edited ecosystem file apply it, as startOrRestart and "
          "startOrReload do") {
    Home h;
    const auto eco = [&](const std::string& mode, bool second) {
        std::vector<std::string> apps = {
            fixture_app("app", {"env", h.path("app.env")}, {"env: {MODE: " + mode + "}"})};
        if (second) apps.push_back(fixture_app("extra", {}));
        return h.ecosystem(apps);
    };
    REQUIRE(h.rein({"start", eco("one", false)}).code == 0);
    REQUIRE(file_has(h, "app.env", "MODE=one"));

    REQUIRE(h.rein({"reload", eco("two", true)}).code == 0);
    CHECK(file_has(h, "app.env", "MODE=two"));
    CHECK(h.wait_status("extra", "online"));

    // start <file> of running apps restarts them with the file as it is now.
    const int restarts = h.rows("app")[0]["restarts"].get<int>();
    Run start = h.rein({"start", eco("three", true)});
    CHECK(start.code == 0);
    CHECK(file_has(h, "app.env", "MODE=three"));
    CHECK(h.rows("app")[0]["restarts"].get<int>() == restarts + 1);

    REQUIRE(h.rein({"stop", "extra"}).code == 0);
    REQUIRE(h.wait_status("extra", "stopped"));
    REQUIRE(h.rein({"startOrRestart", eco("four", true)}).code == 0);
    CHECK(file_has(h, "app.env", "MODE=four"));
    CHECK(h.wait_status("extra", "online"));
    REQUIRE(h.rein({"startOrReload", eco("five", true), "--only", "app"}).code == 0);
    CHECK(file_has(h, "app.env", "MODE=five"));
    Run notfile = h.rein({"startOrReload", "app"});
    CHECK(notfile.code == 1);
    CHECK(has(notfile.err, "not an ecosystem file"));
}

TEST_CASE(
    "--env on restart and reload applies a profile and a restart keeps the one started with") {
    Home h;
    const auto eco = [&](const std::string& prod) {
        return h.ecosystem(
            {fixture_app("p", {"env", h.path("p.env")},
                         {"env: {MODE: dev}", "env_production: {MODE: " + prod + "}"})});
    };
    const std::string file = eco("prod");
    REQUIRE(h.rein({"start", file}).code == 0);
    REQUIRE(file_has(h, "p.env", "MODE=dev"));

    REQUIRE(h.rein({"restart", "p", "--env", "production"}).code == 0);
    CHECK(file_has(h, "p.env", "MODE=prod"));

    // The file changes; restarting from it without --env keeps the production profile.
    eco("prod2");
    REQUIRE(h.rein({"restart", file}).code == 0);
    CHECK(file_has(h, "p.env", "MODE=prod2"));
    REQUIRE(h.rein({"reload", "p"}).code == 0);
    CHECK(file_has(h, "p.env", "MODE=prod2"));
    REQUIRE(h.rein({"reload", file, "--env", "production"}).code == 0);
    CHECK(file_has(h, "p.env", "MODE=prod2"));

    // --update-env on reload: the caller's environment becomes the base, the profile stays.
    REQUIRE(h.rein({"reload", "p", "--update-env"}, {"DEPLOY_TAG=v2"}).code == 0);
    CHECK(file_has(h, "p.env", "DEPLOY_TAG=v2"));
    CHECK(has(h.read("p.env"), "MODE=prod2"));

    Run bad = h.rein({"restart", "p", "--env", "staging"});
    CHECK(bad.code == 1);
    CHECK(has(bad.err, "env_staging"));
    REQUIRE(h.rein({"start", fixture(), "--name", "plain"}).code == 0);
    Run nofile = h.rein({"restart", "plain", "--env", "production"});
    CHECK(nofile.code == 1);
    CHECK(has(nofile.err, "not started from an ecosystem file"));
    Run only = h.rein({"restart", "plain", "--only", "x"});
    CHECK(only.code == 1);
    CHECK(has(only.err, "--only needs an ecosystem file"));
}
