// PM2 users' ecosystem files through the CLI: ecosystem.config.js evaluated by node, PM2's keys
// and its deploy section, errors that name the file, PM2's own template, and `start -`.
#include "harness.hpp"
#include "http.hpp"

#include <doctest/doctest.h>

#include <signal.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <set>

using namespace rein::test;

namespace {

bool have_node() {
    return std::system("command -v node >/dev/null 2>&1") == 0;
}

// A Node app that does not bind (the bind hand-off is tested with the cluster): it writes what
// it got into env-<instance>.txt beside its folder and idles.
const char* k_env_reporter =
    "const fs = require('fs'), path = require('path');\n"
    "const id = process.env.NODE_APP_INSTANCE || '0';\n"
    "fs.writeFileSync(path.join(__dirname, '..', `env-${id}.txt`),\n"
    "  `NODE_ENV=${process.env.NODE_ENV}\\nPORT=${process.env.PORT}\\n` +\n"
    "  `FROM=${process.env.FROM_CALLER}\\nPID=${process.pid}\\n`);\n"
    "setInterval(() => {}, 1000);\n";

// The guide's src/index.js: the reporter above, and a plain HTTP server on $PORT as the guides
// write it (it binds its own port; in cluster mode the bind hand-off shares it).
const char* k_guide_server =
    "const fs = require('fs'), path = require('path'), http = require('http');\n"
    "const id = process.env.NODE_APP_INSTANCE || '0';\n"
    "fs.writeFileSync(path.join(__dirname, '..', `env-${id}.txt`),\n"
    "  `NODE_ENV=${process.env.NODE_ENV}\\nPORT=${process.env.PORT}\\nPID=${process.pid}\\n`);\n"
    "http.createServer((req, res) => res.end('pid ' + process.pid + '\\n'))\n"
    "  .listen(process.env.PORT || 3000);\n";

// The ecosystem.config.js of the Node.js guide in issue 10, unchanged but for the script path
// (and the port, PORT_HERE: a fixed 3000 could be taken on the machine running the tests).
const char* k_guide = "module.exports = {\n"
                      "    apps: [{\n"
                      "        name: 'my-app',\n"
                      "        script: './src/index.js',\n"
                      "        instances: 'max',\n"
                      "        exec_mode: 'cluster',\n"
                      "        autorestart: true,\n"
                      "        watch: false,\n"
                      "        max_memory_restart: '1G',\n"
                      "        env: { NODE_ENV: 'development' },\n"
                      "        env_production: { NODE_ENV: 'production', PORT: PORT_HERE }\n"
                      "    }]\n"
                      "};\n";

void mkdir_p(const std::string& dir) {
    std::filesystem::create_directories(dir);
}

} // namespace

TEST_CASE("the Node.js guide's ecosystem.config.js with --env production, the file as selector") {
    if (!have_node()) {
        MESSAGE("node is not installed: skipped");
        return;
    }
    Home h;
    const int port = free_port();
    std::string guide = k_guide;
    guide.replace(guide.find("PORT_HERE"), 9, std::to_string(port));
    mkdir_p(h.path("g/src"));
    h.write("g/src/index.js", k_guide_server);
    h.write("g/ecosystem.config.js", guide);
    Run r = h.rein({"start", "ecosystem.config.js", "--env", "production"}, {}, h.path("g"));
    REQUIRE_MESSAGE(r.code == 0, r.err);
    CHECK(r.err.empty());
    const auto rows = h.rows("my-app");
    REQUIRE(!rows.empty());
    CHECK(h.wait_status("my-app", "online", rows.size()));
    for (const auto& row : rows) {
        const std::string file = "g/env-" + std::to_string(row["instance"].get<int>()) + ".txt";
        REQUIRE(wait_until([&] { return has(h.read(file), "PID="); }));
        CHECK(has(h.read(file), "NODE_ENV=production\nPORT=" + std::to_string(port) + "\n"));
    }
    // Every instance binds the one port and stays up (an observation window: any restart or
    // status change within it fails the test); the port answers from the instances.
    CHECK_FALSE(wait_until(
        [&] {
            for (const auto& row : h.rows("my-app"))
                if (row["restarts"] != 0 || row["status"] != "online") return true;
            return false;
        },
        3000));
    const auto pids = pids_of(h, "my-app");
    std::set<std::string> seen;
    for (int i = 0; i < 2000 && seen.size() < pids.size(); ++i) seen.insert(http_get(port));
    CHECK(seen == pids);

    // The file selects its apps for restart and stop, as a YAML file does.
    const auto before = h.rows("my-app")[0]["pid"];
    r = h.rein({"restart", "ecosystem.config.js"}, {}, h.path("g"));
    CHECK_MESSAGE(r.code == 0, r.err);
    CHECK(wait_until([&] {
        const auto now = h.rows("my-app");
        return !now.empty() && now[0]["pid"] != before && now[0]["status"] == "online";
    }));
    r = h.rein({"stop", "ecosystem.config.js"}, {}, h.path("g"));
    CHECK_MESSAGE(r.code == 0, r.err);
    CHECK(h.wait_status("my-app", "stopped", rows.size()));
}

TEST_CASE("a config using require('path'), __dirname and process.env") {
    if (!have_node()) {
        MESSAGE("node is not installed: skipped");
        return;
    }
    Home h;
    mkdir_p(h.path("p/src"));
    h.write("p/src/index.js", k_env_reporter);
    h.write("p/app.config.cjs",
            "const path = require('path');\n"
            "module.exports = { apps: [{\n"
            "  name: 'p', script: path.join(__dirname, 'src', 'index.js'),\n"
            "  cwd: __dirname, port: 4100,\n"
            "  env: { FROM_CALLER: process.env.ECO_TEST_VAR, NODE_ENV: 'dev' },\n"
            "  onStart: () => 1, // a function: dropped as JSON.stringify drops it\n"
            "}] };\n");
    // Called from another folder: the file is evaluated in its own.
    Run r = h.rein({"start", "p/app.config.cjs"}, {"ECO_TEST_VAR=from-the-caller"}, h.dir());
    REQUIRE_MESSAGE(r.code == 0, r.err);
    REQUIRE(wait_until([&] { return has(h.read("p/env-0.txt"), "PID="); }));
    CHECK(has(h.read("p/env-0.txt"), "NODE_ENV=dev\nPORT=4100\nFROM=from-the-caller\n"));
    CHECK(h.rows("p")[0]["cwd"] == h.path("p"));
}

TEST_CASE("PM2-only keys and a deploy section start with warnings, a typo or a syntax error "
          "starts nothing") {
    if (!have_node()) {
        MESSAGE("node is not installed: skipped");
        return;
    }
    Home h;
    mkdir_p(h.path("w/src"));
    h.write("w/src/index.js", k_env_reporter);
    h.write("w/typo.config.js", "module.exports = { apps: [{ script: './src/index.js' },\n"
                                "  { name: 'b', script: './src/index.js', instaces: 2 }] };\n");
    Run r = h.rein({"start", "typo.config.js"}, {}, h.path("w"));
    CHECK(r.code == 1);
    CHECK(r.err ==
          "rein: typo.config.js: apps[1]: unknown key 'instaces' (did you mean 'instances'?)\n");
    h.write("w/syntax.config.js",
            "module.exports = {\n  apps: [{\n    script: 'x.js',,\n  }]\n};\n");
    r = h.rein({"start", "syntax.config.js"}, {}, h.path("w"));
    CHECK(r.code == 1);
    CHECK(has(r.err, "rein: syntax.config.js:3: SyntaxError: "));
    h.write("w/throws.config.mjs", "const env = process.env.NOPE;\n"
                                   "if (!env) throw new Error('NOPE is not set');\n"
                                   "export default { apps: [] };\n");
    r = h.rein({"start", "throws.config.mjs"}, {}, h.path("w"));
    CHECK(r.code == 1);
    CHECK(has(r.err, "rein: throws.config.mjs:2:"));
    CHECK(has(r.err, "Error: NOPE is not set"));
    r = h.rein({"start", "typo.config.js"}, {"PATH=/nonexistent"}, h.path("w"));
    CHECK(r.code == 1);
    CHECK(r.err == "rein: typo.config.js: node is needed to read a *.config.js file (not found "
                   "on PATH)\n");
    CHECK(h.daemon_pid() == 0); // every error came before the daemon was asked

    h.write("w/svc.config.js", "module.exports = {\n"
                               "  apps: [{ name: 's', script: './src/index.js', vizion: false,\n"
                               "           pmx: true, source_map_support: true }],\n"
                               "  deploy: { production: { user: 'me', host: ['h'] } },\n"
                               "};\n");
    r = h.rein({"start", "svc.config.js"}, {}, h.path("w"));
    REQUIRE_MESSAGE(r.code == 0, r.err);
    CHECK(r.err == "rein: svc.config.js: 'deploy' is PM2's deploy tool; rein ignores it (deploy "
                   "with git or CI, then `rein reload svc.config.js`)\n"
                   "rein: svc.config.js: apps[0]: 'vizion' is a PM2 service key; rein ignores it\n"
                   "rein: svc.config.js: apps[0]: 'pmx' is a PM2 service key; rein ignores it\n"
                   "rein: svc.config.js: apps[0]: 'source_map_support' is a PM2 service key; rein "
                   "ignores it\n");
    CHECK(h.wait_status("s", "online"));
}

TEST_CASE("PM2's own `pm2 ecosystem` template starts unchanged") {
    if (!have_node()) {
        MESSAGE("node is not installed: skipped");
        return;
    }
    Home h;
    mkdir_p(h.path("t/service-worker"));
    const std::string pm2 = find_pm2();
    if (!pm2.empty()) {
        // `pm2 ecosystem` only writes the file; PM2_HOME keeps it away from the user's PM2.
        const std::string cmd = "cd " + h.path("t") + " && PM2_HOME=" + h.path("pm2home") + " " +
                                pm2 + " ecosystem >/dev/null 2>&1";
        const int rc = std::system(cmd.c_str());
        // PM2 starts its daemon for any command: end it, by the pid it wrote.
        const std::string pid = h.read("pm2home/pm2.pid");
        if (!pid.empty() && std::atoi(pid.c_str()) > 1) {
            const pid_t god = std::atoi(pid.c_str());
            kill(god, SIGTERM);
            CHECK(wait_until([&] { return !alive(god); }));
        }
        REQUIRE(rc == 0);
    } else {
        MESSAGE("PM2 is not installed: its template written here instead");
        h.write("t/ecosystem.config.js",
                "module.exports = {\n  apps : [{\n    script: 'index.js',\n    watch: '.'\n"
                "  }, {\n    script: './service-worker/',\n    watch: ['./service-worker']\n"
                "  }],\n\n  deploy : {\n    production : {\n      user : 'SSH_USERNAME',\n"
                "      host : 'SSH_HOSTMACHINE',\n      ref  : 'origin/master',\n"
                "      repo : 'GIT_REPOSITORY',\n      path : 'DESTINATION_PATH',\n"
                "      'pre-deploy-local': '',\n      'post-deploy' : 'npm install && pm2 reload "
                "ecosystem.config.js --env production',\n      'pre-setup': ''\n    }\n  }\n};\n");
    }
    REQUIRE(!h.read("t/ecosystem.config.js").empty());
    h.write("t/index.js", "setInterval(() => {}, 1000);\n");
    h.write("t/service-worker/index.js", "setInterval(() => {}, 1000);\n");
    Run r = h.rein({"start", "ecosystem.config.js"}, {}, h.path("t"));
    REQUIRE_MESSAGE(r.code == 0, r.err);
    CHECK(has(r.err, "'deploy' is PM2's deploy tool"));
    CHECK(h.wait_status("index", "online"));
    CHECK(h.wait_status("service-worker", "online"));
    CHECK(h.rows("service-worker")[0]["script"] == h.path("t/service-worker/index.js"));
}

TEST_CASE("start - reads an ecosystem file from stdin, paths relative to the caller") {
    Home h;
    mkdir_p(h.path("in"));
    h.write("in/eco.yaml",
            "apps:\n  - name: piped\n    script: " + fixture() + "\n    out_file: ./piped.log\n");
    const std::string cmd = "cd " + h.path("in") + " && REIN_HOME=" + h.dir() + " " REIN_BIN +
                            " start - < eco.yaml > out.txt 2> err.txt";
    CHECK(std::system(cmd.c_str()) == 0);
    CHECK(h.read("in/err.txt").empty());
    CHECK(h.wait_status("piped", "online"));
    CHECK(h.rows("piped")[0]["cwd"] == h.path("in"));

    h.write("in/bad.json",
            "// PM2 reads JSON5\n{\"apps\": [{\"script\": \"x\", \"instaces\": 1}]}\n");
    const std::string bad = "cd " + h.path("in") + " && REIN_HOME=" + h.dir() + " " REIN_BIN +
                            " start - < bad.json > out.txt 2> err.txt";
    CHECK(WEXITSTATUS(std::system(bad.c_str())) == 1);
    CHECK(has(h.read("in/err.txt"), "rein: <stdin>:2:27: unknown key 'instaces'"));
}

TEST_CASE("a watch path that does not exist yet is accepted, and its creation restarts the app") {
    Home h;
    mkdir_p(h.path("wt"));
    h.write("wt/eco.yaml", "apps:\n  - name: w\n    script: " + fixture() +
                               "\n    watch: [later]\n    watch_delay: 100\n");
    Run r = h.rein({"start", "eco.yaml"}, {}, h.path("wt"));
    REQUIRE_MESSAGE(r.code == 0, r.err);
    REQUIRE(h.wait_status("w", "online"));
    CHECK(h.rows("w")[0]["restarts"] == 0);
    mkdir_p(h.path("wt/later"));
    CHECK(wait_until([&] { return h.rows("w")[0]["restarts"] == 1; }));
}
