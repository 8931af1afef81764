// rein import of a dump written by the real PM2 (skipped when PM2 is not installed: it comes
// from the npm registry with `make bench`, into bench/.cache; or on PATH; or set REIN_TEST_PM2).
#include "harness.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace rein::test;

namespace {

/// PM2 with its own home inside the test's; its daemon and apps end with it (pm2 kill, then
/// SIGKILL by pid for any left).
class Pm2 {
  public:
    Pm2(std::string bin, std::string home) : m_bin(std::move(bin)), m_home(std::move(home)) {
        REQUIRE((mkdir(m_home.c_str(), 0700) == 0 || errno == EEXIST));
    }
    ~Pm2() {
        std::vector<pid_t> pids = {std::atoi(slurp(m_home + "/pm2.pid").c_str())};
        run({"jlist"}, {}, "/", m_home + "/jlist.json");
        auto list = nlohmann::json::parse(slurp(m_home + "/jlist.json"), nullptr, false);
        if (list.is_array())
            for (const auto& p : list)
                if (p.contains("pid") && p["pid"].is_number_integer())
                    pids.push_back(p["pid"].get<pid_t>());
        run({"kill"});
        for (pid_t p : pids)
            if (alive(p)) kill(p, SIGKILL);
    }
    Pm2(const Pm2&) = delete;
    Pm2& operator=(const Pm2&) = delete;

    /// Runs `pm2 args...` in `cwd` with `extra_env` (KEY=VALUE) added; its exit status, -1 when
    /// it could not run or had to be killed after 60 s. Its stdout goes to `out` (default
    /// pm2-cli.log in PM2's home, where its stderr goes).
    int run(const std::vector<std::string>& args, const std::vector<std::string>& extra_env = {},
            const std::string& cwd = "/", const std::string& out = "") const {
        pid_t pid = fork();
        if (pid < 0) return -1;
        if (pid == 0) {
            int log = open((m_home + "/pm2-cli.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            int stdout_fd =
                out.empty() ? log : open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            dup2(stdout_fd, 1);
            dup2(log, 2);
            setenv("PM2_HOME", m_home.c_str(), 1);
            for (const auto& kv : extra_env) putenv(const_cast<char*>(kv.c_str()));
            if (chdir(cwd.c_str()) != 0) _exit(126);
            std::vector<char*> argv = {const_cast<char*>(m_bin.c_str())};
            for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
            argv.push_back(nullptr);
            execv(argv[0], argv.data());
            _exit(127);
        }
        int status = 0;
        bool done = wait_until([&] { return waitpid(pid, &status, WNOHANG) == pid; }, 60000);
        if (!done) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

  private:
    std::string m_bin, m_home;
};

// Writes the variables the test looks for into a file named after the app and instance, then
// stays up, as a server would.
const char* k_node_app = R"(const fs = require('fs');
const name = process.argv[2] + '-' + (process.env.NODE_APP_INSTANCE || '0');
fs.writeFileSync(__dirname + '/' + name + '.env', 'GREETING=' + process.env.GREETING + '\n');
setInterval(() => {}, 1000);
)";

const char* k_python_app = R"(import os, sys, time
with open(os.path.join(os.path.dirname(__file__), "worker.env"), "w") as f:
    f.write("GREETING=%s\nARGS=%s\n" % (os.environ.get("GREETING"), " ".join(sys.argv[1:])))
while True:
    time.sleep(1)
)";

} // namespace

TEST_CASE("import of a dump written by the real PM2: names, instances, env, stopped state") {
    const std::string pm2_bin = find_pm2();
    if (pm2_bin.empty() || system("command -v node >/dev/null && command -v python3 >/dev/null")) {
        MESSAGE("PM2, node or python3 is not installed: skipped (make bench installs PM2)");
        return;
    }
    Home h;
    const std::string apps = h.path("apps");
    REQUIRE(mkdir(apps.c_str(), 0700) == 0);
    h.write("apps/web.js", k_node_app);
    h.write("apps/worker.py", k_python_app);
    {
        Pm2 pm2(pm2_bin, h.path("pm2"));
        REQUIRE(pm2.run({"start", "web.js", "--name", "web", "-i", "2", "--", "web"},
                        {"GREETING=hello"}, apps) == 0);
        REQUIRE(pm2.run({"start", "worker.py", "--name", "worker", "--interpreter", "python3",
                         "--namespace", "jobs", "--no-vizion", "--", "--queue", "mail"},
                        {"GREETING=from-python"}, apps) == 0);
        REQUIRE(pm2.run({"start", "web.js", "--name", "idle", "--", "idle"}, {}, apps) == 0);
        REQUIRE(pm2.run({"stop", "idle"}) == 0);
        REQUIRE(pm2.run({"save"}) == 0);
    } // pm2 kill: its apps and daemon end here
    for (const char* f : {"web-0.env", "web-1.env", "worker.env", "idle-0.env"})
        std::remove((apps + "/" + f).c_str());

    Run r = h.rein({"import", h.path("pm2/dump.pm2")});
    CHECK(r.code == 0);
    CHECK(has(r.out, "imported web: 2 instances, cluster, node " + apps + "/web.js\n"));
    CHECK(has(r.out, "imported worker: 1 instance, fork, python3 " + apps +
                         "/worker.py, namespace jobs\n"));
    CHECK(has(r.out,
              "imported idle: 1 instance, fork, node " + apps + "/web.js (stopped, as in PM2)\n"));
    CHECK(has(r.out, "ignored (no use in rein): vizion=false\n"));
    INFO("stderr: " << r.err);

    CHECK(h.wait_status("web", "online", 2));
    CHECK(h.rows("web").size() == 2);
    CHECK(h.wait_status("worker", "online"));
    CHECK(h.rows("worker")[0]["namespace"] == "jobs");
    // The saved environment reaches the apps, per instance.
    CHECK(wait_until([&] { return h.read("apps/web-0.env") == "GREETING=hello\n"; }));
    CHECK(wait_until([&] { return h.read("apps/web-1.env") == "GREETING=hello\n"; }));
    CHECK(wait_until(
        [&] { return h.read("apps/worker.env") == "GREETING=from-python\nARGS=--queue mail\n"; }));

    // The app PM2 had stopped is sent with autostart false (what the daemon honours).
    REQUIRE(h.rein({"save"}).code == 0);
    auto saved = nlohmann::json::parse(h.read("dump.json"));
    for (const auto& a : saved["apps"])
        if (a["spec"]["name"] == "idle") CHECK(a["spec"]["autostart"] == false);
    CHECK(h.rows("idle").size() == 1);

    // Importing again leaves what is there as it is.
    auto pids = h.rows("web")[0]["pid"];
    Run again = h.rein({"import", h.path("pm2/dump.pm2")});
    CHECK(again.code == 0);
    CHECK(has(again.err, "web is already present, left as it is"));
    CHECK(h.rows("web").size() == 2);
    CHECK(h.rows("web")[0]["pid"] == pids);
}

TEST_CASE("import without a dump, or of a file that is not one, is one clear error") {
    Home h;
    Run none = h.rein({"import"}, {"PM2_HOME=" + h.path("nopm2")});
    CHECK(none.code == 1);
    CHECK(has(none.err, "rein: no PM2 dump at " + h.path("nopm2") + "/dump.pm2"));
    Run home = h.rein({"import"}, {"PM2_HOME=", "HOME=" + h.path("u")});
    CHECK(has(home.err, "no PM2 dump at " + h.path("u") + "/.pm2/dump.pm2"));
    h.write("bad.pm2", "{\"apps\": []}");
    Run bad = h.rein({"import", h.path("bad.pm2")});
    CHECK(bad.code == 1);
    CHECK(has(bad.err, h.path("bad.pm2") + ": not a PM2 dump (expected a JSON list of processes)"));
    CHECK(h.jlist().empty());
}

TEST_CASE("import starts what it can and says what it skipped") {
    Home h;
    std::string dump = nlohmann::json::array({{{"name", "ok"},
                                               {"pm_exec_path", fixture()},
                                               {"pm_cwd", h.dir()},
                                               {"exec_interpreter", "none"},
                                               {"exec_mode", "fork_mode"},
                                               {"status", "online"},
                                               {"env", {{"FOO", "bar"}}}},
                                              {{"name", "gone"},
                                               {"pm_exec_path", h.path("missing.js")},
                                               {"pm_cwd", h.dir()},
                                               {"exec_interpreter", "node"}}})
                           .dump();
    Run r = h.rein({"import", h.write("dump.pm2", dump)});
    CHECK(r.code == 1);
    CHECK(has(r.err,
              "rein: skipped app 'gone': script '" + h.path("missing.js") + "' does not exist"));
    CHECK(has(r.out, "imported ok: 1 instance, fork, " + fixture()));
    CHECK(h.wait_status("ok", "online"));
}

TEST_CASE("an app PM2 had stopped is imported stopped, and starts on rein start") {
    Home h;
    std::string dump = nlohmann::json::array({{{"name", "idle"},
                                               {"pm_exec_path", fixture()},
                                               {"pm_cwd", h.dir()},
                                               {"exec_interpreter", "none"},
                                               {"status", "stopped"}}})
                           .dump();
    Run r = h.rein({"import", h.write("dump.pm2", dump)});
    CHECK(r.code == 0);
    auto rows = h.rows("idle");
    REQUIRE(rows.size() == 1);
    CHECK(rows[0]["status"] == "stopped");
    CHECK(rows[0]["pid"].is_null());
    CHECK(h.rein({"start", "idle"}).code == 0);
    CHECK(h.wait_status("idle", "online"));
}
