// A daemon killed with SIGKILL loses nothing: the next one adopts what registry.json names
// (same ids, pids, statuses and counters), never starts a duplicate, never signals a pid that
// is now another process, and starts empty, saying why, from a state it cannot read.
#include "harness.hpp"
#include "http.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <dirent.h>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

using namespace rein::test;
using nlohmann::json;

namespace {

// Running processes (not zombies) of this home whose environment says REIN_APP_NAME=`name`
// (other homes, other tests, may run apps of the same name meanwhile).
int processes_of(const Home& h, const std::string& name) {
    int n = 0;
    DIR* d = opendir("/proc");
    REQUIRE(d);
    while (dirent* e = readdir(d)) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
        pid_t pid = std::atoi(e->d_name);
        if (!alive(pid)) continue;
        std::string env = environ_of(pid);
        if (has("\n" + env, "\nREIN_APP_NAME=" + name + "\n") &&
            has("\n" + env, "\nREIN_HOME=" + h.dir() + "\n"))
            ++n;
    }
    closedir(d);
    return n;
}

// kill -9 of the daemon, waiting until it is gone.
void kill_daemon(const Home& h) {
    pid_t d = h.daemon_pid();
    REQUIRE(d > 0);
    REQUIRE(kill(d, SIGKILL) == 0);
    REQUIRE(wait_until([d] { return !alive(d); }));
}

json read_state(const Home& h) {
    json s = json::parse(h.read("registry.json"), nullptr, false);
    REQUIRE(s.is_object());
    return s;
}

void write_state(const Home& h, const json& s) {
    h.write("registry.json", s.dump());
}

// The app's first row.
json first(const Home& h, const std::string& name) {
    auto rows = h.rows(name);
    REQUIRE(!rows.empty());
    return rows.front();
}

// A `sleep` in its own process group, started by the test (not by rein).
// Clock ticks since boot, the unit of a start time in /proc/PID/stat.
std::uint64_t ticks_since_boot() {
    std::ifstream in("/proc/uptime");
    double up = 0;
    in >> up;
    return std::uint64_t(up * double(sysconf(_SC_CLK_TCK)));
}

pid_t start_sleep() {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        setsid();
        execlp("sleep", "sleep", "1000", static_cast<char*>(nullptr));
        _exit(127);
    }
    return pid;
}

// Starts one app, "app", then kills the daemon with SIGKILL; returns the app's pid.
pid_t one_app_then_kill_9(const Home& h) {
    std::string eco = h.ecosystem({fixture_app("app", {})});
    REQUIRE(h.rein({"start", eco}).code == 0);
    REQUIRE(h.wait_status("app", "online"));
    pid_t app = first(h, "app")["pid"].get<pid_t>();
    kill_daemon(h);
    return app;
}

} // namespace

TEST_CASE("kill -9 of reind: the next command adopts every app, with no duplicate") {
    Home h;
    std::string eco = h.ecosystem({fixture_app("fork", {}),
                                   fixture_app("crash", {"sleep", "300", "exit", "3"},
                                               {"restart_delay: 4000", "min_uptime: 100"}),
                                   fixture_app("idle", {})});
    REQUIRE(h.rein({"start", eco}).code == 0);
    REQUIRE(h.wait_status("fork", "online"));
    REQUIRE(h.wait_status("crash", "waiting_restart"));
    REQUIRE(h.rein({"stop", "idle"}).code == 0);
    REQUIRE(h.wait_status("idle", "stopped"));
    json before = h.jlist();
    REQUIRE(before.size() == 3);
    kill_daemon(h);
    // Nothing supervises the apps now: they run on.
    pid_t fork_pid = first(h, "fork")["pid"].get<pid_t>();
    CHECK(alive(fork_pid));

    json after = h.jlist(); // starts a new daemon, which adopts
    REQUIRE(after.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
        CHECK(after[i]["id"] == before[i]["id"]);
        CHECK(after[i]["name"] == before[i]["name"]);
        CHECK(after[i]["status"] == before[i]["status"]);
        CHECK(after[i]["pid"] == before[i]["pid"]);
        CHECK(after[i]["restarts"] == before[i]["restarts"]);
        CHECK(after[i]["created_at"] == before[i]["created_at"]);
    }
    // Its real uptime, not the time since adoption.
    CHECK(first(h, "fork")["uptime_ms"].get<long>() >= before[0]["uptime_ms"].get<long>());
    CHECK(has(h.read("reind.log"), "adopted 1 instances of 3 apps"));
    CHECK(processes_of(h, "fork") == 1);
    CHECK(processes_of(h, "idle") == 0);

    // The waiting crash restarts when its delay is over, counted once.
    int crash_restarts = first(h, "crash")["restarts"].get<int>();
    REQUIRE(wait_until([&] { return first(h, "crash")["restarts"] == crash_restarts + 1; }));

    // A later crash of the adopted process is seen (pidfd) and restarted by the policy.
    REQUIRE(kill(fork_pid, SIGKILL) == 0);
    REQUIRE(wait_until([&] {
        json row = first(h, "fork");
        return row["status"] == "online" && row["pid"].is_number() && row["pid"] != fork_pid;
    }));
    CHECK(first(h, "fork")["restarts"] == 1);
    CHECK(processes_of(h, "fork") == 1);
}

TEST_CASE("adopted instances stop, restart and delete, and kill ends them and leaves no state") {
    Home h;
    std::string eco = h.ecosystem({fixture_app("trio", {}, {"instances: 3"})});
    REQUIRE(h.rein({"start", eco}).code == 0);
    REQUIRE(h.wait_status("trio", "online", 3));
    json before = h.jlist();
    kill_daemon(h);
    REQUIRE(h.wait_status("trio", "online", 3)); // adopted
    pid_t p0 = before[0]["pid"].get<pid_t>(), p1 = before[1]["pid"].get<pid_t>(),
          p2 = before[2]["pid"].get<pid_t>();
    CHECK(h.row(0)["pid"] == p0);

    REQUIRE(h.rein({"stop", "0"}).code == 0);
    CHECK(h.row(0)["status"] == "stopped");
    CHECK_FALSE(alive(p0));

    REQUIRE(h.rein({"restart", "1"}).code == 0);
    CHECK_FALSE(alive(p1));
    json r1 = h.row(1);
    CHECK(r1["status"] == "online");
    CHECK(r1["restarts"] == 1);
    CHECK(r1["pid"] != p1);

    REQUIRE(h.rein({"delete", "2"}).code == 0);
    CHECK(h.row(2).is_null());
    CHECK_FALSE(alive(p2));
    CHECK(processes_of(h, "trio") == 1);

    pid_t p1_new = r1["pid"].get<pid_t>();
    pid_t holder = std::atoi(h.read("holder.pid").c_str());
    REQUIRE(holder > 0);
    REQUIRE(h.rein({"kill"}).code == 0);
    CHECK(wait_until([holder] { return !alive(holder); }));
    CHECK_FALSE(alive(p1_new));
    CHECK(processes_of(h, "trio") == 0);
    CHECK_FALSE(std::filesystem::exists(h.path("registry.json")));
    CHECK_FALSE(std::filesystem::exists(h.path("holder.pid")));
}

TEST_CASE("a garbage or truncated registry.json: the daemon starts empty and says why") {
    Home h;
    pid_t app = one_app_then_kill_9(h);
    kill(app, SIGKILL); // the test's own clean-up: nothing is left to adopt either way
    std::string text = h.read("registry.json");
    REQUIRE(text.size() > 100);
    SUBCASE("garbage") {
        h.write("registry.json", "\x01\x02 not json at all {{{");
    }
    SUBCASE("truncated") {
        h.write("registry.json", text.substr(0, text.size() / 2));
    }
    SUBCASE("a field of the wrong type") {
        json s = json::parse(text);
        s["instances"][0]["pid"] = "twelve";
        write_state(h, s);
    }
    Run r = h.rein({"jlist"});
    REQUIRE(r.code == 0);
    CHECK(json::parse(r.out).empty());
    std::string log = h.read("reind.log");
    CHECK(has(log, h.path("registry.json")));
    CHECK(has(log, "starting with no apps"));
    CHECK(std::filesystem::exists(h.path("registry.json.bad")));
}

TEST_CASE("a pid that is another process now is neither signalled nor adopted") {
    Home h;
    pid_t app = one_app_then_kill_9(h);
    REQUIRE(kill(app, SIGKILL) == 0);
    REQUIRE(wait_until([app] { return !alive(app); }));
    // The instance's pid (and group) now name a sleep the test started: same pid number
    // reuse, another start time. Start times count clock ticks: on a fast machine the sleep
    // could start in the app's tick, and be the same process by every sign; a later one.
    json s = read_state(h);
    const std::uint64_t app_start = s["instances"][0]["proc_start"].get<std::uint64_t>();
    REQUIRE(wait_until([&] { return ticks_since_boot() > app_start + 2; }));
    pid_t other = start_sleep();
    REQUIRE(wait_until([other] { return alive(other); }));
    s["instances"][0]["pid"] = other;
    s["instances"][0]["pgid"] = other;
    write_state(h, s);

    REQUIRE(h.rein({"ls"}).code == 0);
    REQUIRE(wait_until([&] {
        json row = first(h, "app");
        return row["status"] == "online" && row["restarts"] == 1;
    }));
    CHECK(first(h, "app")["pid"] != other);
    CHECK(alive(other));
    CHECK(has(h.read("reind.log"), "pid " + std::to_string(other) + " is another process"));
    // The restart's pid is in the row before it has exec'd (its environment names the app only
    // from then on): polled, as a loaded machine shows.
    CHECK(wait_until([&] { return processes_of(h, "app") == 1; }));
    kill(other, SIGKILL);
    waitpid(other, nullptr, 0);
}

TEST_CASE("a registry.json of another boot is ignored") {
    Home h;
    pid_t app = one_app_then_kill_9(h);
    kill(app, SIGKILL);
    json s = read_state(h);
    s["boot_id"] = "00000000-0000-0000-0000-000000000000";
    write_state(h, s);
    Run r = h.rein({"jlist"});
    REQUIRE(r.code == 0);
    CHECK(json::parse(r.out).empty());
    CHECK(has(h.read("reind.log"), "was written before this boot"));
    CHECK_FALSE(std::filesystem::exists(h.path("registry.json.bad")));
}

TEST_CASE("rein update after an adoption: the adopted instances are still watched") {
    Home h;
    pid_t app = one_app_then_kill_9(h);
    REQUIRE(first(h, "app")["pid"] == app); // adopted
    REQUIRE(h.rein({"update"}).code == 0);
    CHECK(first(h, "app")["pid"] == app);
    // Not a child of the daemon's process: only the pidfd the new image opened tells of this.
    REQUIRE(kill(app, SIGKILL) == 0);
    REQUIRE(wait_until([&] {
        json row = first(h, "app");
        return row["status"] == "online" && row["pid"].is_number() && row["pid"] != app;
    }));
    CHECK(first(h, "app")["restarts"] == 1);
    CHECK(processes_of(h, "app") == 1);
}

TEST_CASE("a reind --resurrect after a kill -9 adopts, and dump.json does not come back on top") {
    // systemd's Restart=on-failure runs the boot unit's `reind --resurrect` again.
    Home h;
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("saved", {})})}).code == 0);
    REQUIRE(h.rein({"save"}).code == 0);
    REQUIRE(h.rein({"delete", "saved"}).code == 0);
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("later", {})}, "later.yaml")}).code == 0);
    REQUIRE(h.wait_status("later", "online"));
    pid_t later = first(h, "later")["pid"].get<pid_t>();
    kill_daemon(h);

    pid_t reind = fork();
    REQUIRE(reind >= 0);
    if (reind == 0) {
        setenv("REIN_HOME", h.dir().c_str(), 1);
        execl(REIND_BIN, "reind", "--resurrect", static_cast<char*>(nullptr));
        _exit(127);
    }
    int status = -1;
    REQUIRE(waitpid(reind, &status, 0) == reind); // returns once the detached daemon serves
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    CHECK(h.rows("saved").empty());
    REQUIRE(h.rows("later").size() == 1);
    CHECK(first(h, "later")["pid"] == later);
    CHECK(has(h.read("reind.log"), "resurrect: skipped"));
}

TEST_CASE("daemon and holder both killed: the listen socket comes back from an adopted instance") {
    Home h;
    int port = free_port();
    std::string app = "  - name: web\n    script: " REIN_HTTP_BIN
                      "\n    instances: 2\n    exec_mode: cluster\n    listen: '127.0.0.1:" +
                      std::to_string(port) + "'\n";
    REQUIRE(h.rein({"start", h.ecosystem({app})}).code == 0);
    REQUIRE(h.wait_status("web", "online", 2));
    REQUIRE(wait_until([&] { return !http_get(port).empty(); }));
    json before = h.jlist();
    pid_t holder = h.holder_pid();
    REQUIRE(holder > 0);
    kill_daemon(h);
    REQUIRE(kill(holder, SIGKILL) == 0); // a double fault: the holder's copies are gone
    REQUIRE(wait_until([holder] { return !alive(holder); }));
    CHECK(!http_get(port).empty()); // the instances hold the socket themselves

    json after = h.jlist();
    REQUIRE(after.size() == 2);
    for (std::size_t i = 0; i < 2; ++i) CHECK(after[i]["pid"] == before[i]["pid"]);
    CHECK(has(h.read("reind.log"), "(pidfd_getfd)"));
    // A rolling reload starts new instances while the old ones hold the port: only a daemon
    // that has the socket again can give it to them (binding anew would find it in use).
    REQUIRE(h.rein({"reload", "web"}).code == 0);
    REQUIRE(h.wait_status("web", "online", 2));
    for (const auto& row : h.rows("web"))
        CHECK((row["pid"] != before[0]["pid"] && row["pid"] != before[1]["pid"]));
    CHECK(!http_get(port).empty());
}

TEST_CASE("a first daemon with nothing to adopt writes no registry.json until it has an app") {
    Home h;
    REQUIRE(h.rein({"ping"}).code == 0);
    CHECK_FALSE(std::filesystem::exists(h.path("registry.json")));
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("app", {})})}).code == 0);
    CHECK(std::filesystem::exists(h.path("registry.json")));
    REQUIRE(h.rein({"delete", "app"}).code == 0);
    // Written again with no app: the next daemon must not adopt the deleted one.
    CHECK(wait_until([&] { return has(h.read("registry.json"), "\"apps\":[]"); }));
}
