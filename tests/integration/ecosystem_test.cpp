// Ecosystem files through the CLI: errors before anything starts, profiles, instances, paths.
#include "harness.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

using namespace rein::test;

namespace {} // namespace

TEST_CASE("an ecosystem error names file:line:col, exits 1 and starts nothing") {
    Home h;
    std::string eco = h.write("eco.yaml", "apps:\n"
                                          "  - name: good\n"
                                          "    script: " +
                                              fixture() +
                                              "\n"
                                              "  - name: bad\n"
                                              "    script: " +
                                              fixture() +
                                              "\n"
                                              "    instaces: 2\n");
    Run r = h.rein({"start", "eco.yaml"}, {}, h.dir());
    CHECK(r.code == 1);
    CHECK(r.err == "rein: eco.yaml:6:5: unknown key 'instaces' (did you mean 'instances'?)\n");
    CHECK(r.out.empty());
    // Checked before the daemon is touched: none was started.
    CHECK(h.daemon_pid() == 0);
    CHECK(h.jlist().empty());

    h.write("eco.yaml", "apps:\n  - script: " + fixture() + "\n    kill_timeout: soon\n");
    r = h.rein({"start", "eco.yaml"}, {}, h.dir());
    CHECK(r.code == 1);
    CHECK(has(r.err, "eco.yaml:3:19: kill_timeout: 'soon' is not a duration"));

    h.write("eco.json", "{\"apps\": [{\"script\": \"" + fixture() + "\", \"watch\": 3}]}");
    r = h.rein({"start", "eco.json"}, {}, h.dir());
    CHECK(r.code == 1);
    CHECK(has(r.err, "eco.json:1:"));
    CHECK(has(r.err, "watch: expected true, false or a list of paths"));
    CHECK(h.jlist().empty());
}

TEST_CASE("--env merges the profile, --only picks apps") {
    Home h;
    std::string out_a = h.path("a.env"), out_b = h.path("b.env");
    std::string eco =
        h.ecosystem({fixture_app("a", {"env", out_a},
                                 {"env: {MODE: dev, KEEP: k}", "env_production: {MODE: prod}"}),
                     fixture_app("b", {"env", out_b})});
    REQUIRE(h.rein({"start", eco, "--env", "production", "--only", "a"}).code == 0);
    REQUIRE(wait_until([&] { return !h.read("a.env").empty(); }));
    CHECK(has(h.read("a.env"), "MODE=prod\n"));
    CHECK(has(h.read("a.env"), "KEEP=k\n"));
    CHECK(h.rows("b").empty());
    Run r = h.rein({"start", eco, "--env", "staging"});
    CHECK(r.code == 1);
    CHECK(has(r.err, "env_staging"));
}

TEST_CASE("fork-mode instances each get their index") {
    Home h;
    std::string eco =
        h.ecosystem({fixture_app("w", {},
                                 {"instances: 3", "exec_mode: fork", "instance_var: WORKER",
                                  "increment_var: PORT", "env: {PORT: 8000}", "pid_file: w.pid"})});
    REQUIRE(h.rein({"start", eco}).code == 0);
    REQUIRE(h.wait_status("w", "online", 3));
    auto rows = h.rows("w");
    REQUIRE(rows.size() == 3);
    for (int i = 0; i < 3; ++i) {
        CHECK(rows[i]["instance"] == i);
        CHECK(rows[i]["exec_mode"] == "fork");
        std::string pid_file = h.path("w-" + std::to_string(i) + ".pid");
        REQUIRE(wait_until([&] { return !slurp(pid_file).empty(); }));
        CHECK(std::stoi(slurp(pid_file)) == rows[i]["pid"].get<int>());
        // The pid file is written right after fork: wait until the process has exec'd the app
        // (its environ is then the app's, not the daemon's).
        std::string environ_path =
            "/proc/" + std::to_string(rows[i]["pid"].get<int>()) + "/environ";
        REQUIRE(wait_until([&] { return has(slurp(environ_path), "REIN_APP_ID="); }));
        std::string env = slurp(environ_path);
        for (char& c : env)
            if (c == '\0') c = '\n';
        CHECK(has(env, "WORKER=" + std::to_string(i) + "\n"));
        CHECK(has(env, "REIN_APP_INSTANCE=" + std::to_string(i) + "\n"));
        CHECK(has(env, "PORT=" + std::to_string(8000 + i) + "\n"));
    }
    // The pid files go with the processes.
    REQUIRE(h.rein({"stop", "w"}).code == 0);
    CHECK(slurp(h.path("w-0.pid")).empty());
}

TEST_CASE("cwd defaults to the file's folder, args given as a string are split like a shell") {
    Home h;
    mkdir(h.path("sub").c_str(), 0700);
    std::string eco =
        h.write("sub/eco.yaml", "apps:\n  - name: a\n    script: " + fixture() +
                                    "\n    args: \"cwd '" + h.path("argv") + "' sleep 1\"\n");
    REQUIRE(h.rein({"start", eco}).code == 0);
    REQUIRE(wait_until([&] { return !h.read("argv").empty(); }));
    CHECK(h.read("argv") ==
          h.path("sub") + "\n" + fixture() + "\ncwd\n" + h.path("argv") + "\nsleep\n1\n");
}

TEST_CASE("the interpreter is chosen by extension") {
    Home h;
    h.write("hello.sh",
            "echo \"bash says $BASH_VERSION\" > " + h.path("sh.out") + "\nexec sleep 100\n");
    REQUIRE(h.rein({"start", h.path("hello.sh")}).code == 0);
    REQUIRE(wait_until([&] { return !h.read("sh.out").empty(); }));
    CHECK(has(h.read("sh.out"), "bash says 5"));
    CHECK(h.rows("hello")[0]["status"] == "online");
}
