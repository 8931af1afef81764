// kill -9 of reind is a non-event (issue 11): while no daemon runs the apps run on and their
// ports answer; the next daemon adopts every instance (same ids, pids, statuses, counters, no
// duplicate) and supervises it as its own; every line the apps printed is in the files exactly
// once and in order. The printers are the fixture's `seq` action: "seq <stream> <pid> <n>".
#include "harness.hpp"
#include "http.hpp"
#include "seq_lines.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <dirent.h>
#include <map>
#include <memory>
#include <set>
#include <unistd.h>

// Its own namespace: in a unity build this file shares a unit with other tests' helpers.
namespace rein::test::kill9 {
namespace {

// The live processes started for this home (its REIN_HOME is in their environment), of app
// `app` when it is not empty, plus the home's fd holder (named by its holder.pid argument).
std::vector<pid_t> processes_of(const std::string& home, const std::string& app) {
    std::vector<pid_t> out;
    DIR* proc = opendir("/proc");
    if (!proc) return out;
    while (dirent* e = readdir(proc)) {
        pid_t pid = std::atoi(e->d_name);
        if (pid <= 0 || pid == getpid() || !alive(pid)) continue;
        std::string env = "\n" + environ_of(pid);
        bool ours = has(env, "\nREIN_HOME=" + home + "\n");
        if (app.empty()) {
            std::string cmd = slurp("/proc/" + std::to_string(pid) + "/cmdline");
            if (ours || has(cmd, home + "/holder.pid")) out.push_back(pid);
        } else if (ours && has(env, "\nREIN_APP_NAME=" + app + "\n")) {
            out.push_back(pid);
        }
    }
    closedir(proc);
    return out;
}

// Declared before the Home: after Home's own clean-up (`rein kill`, then the pids jlist showed)
// it kills, by pid, whatever this home still runs: an orphan no daemon knows of, or the holder
// (a session of its own) that would outlive a failed test whose home is kept.
struct Sweep {
    std::string home;
    ~Sweep() {
        if (home.empty()) return;
        for (pid_t pid : processes_of(home, "")) kill(pid, SIGKILL);
    }
};

// What the daemon's death must not change: per instance id, name, pid, status, restarts and
// creation time.
std::string identity(const nlohmann::json& list) {
    std::map<int, std::string> by_id;
    for (const auto& r : list)
        by_id[r["id"].get<int>()] = r["name"].get<std::string>() + " pid=" + r["pid"].dump() + " " +
                                    r["status"].get<std::string>() +
                                    " restarts=" + r["restarts"].dump() +
                                    " created_at=" + r["created_at"].dump();
    std::string out;
    for (const auto& [id, text] : by_id) out += std::to_string(id) + " " + text + "\n";
    return out;
}

// kill -9 of the daemon; returns once it is gone (a zombie counts: nothing reaps it here).
pid_t kill9_daemon(const Home& h) {
    pid_t daemon = h.daemon_pid();
    REQUIRE(alive(daemon));
    REQUIRE(kill(daemon, SIGKILL) == 0);
    REQUIRE(wait_until([&] { return !alive(daemon); }));
    return daemon;
}

// What happened while nobody supervised: requests to every port, one after another, and every
// pid checked between them, until `ms` have passed.
struct Outage {
    long ok = 0, failed = 0;
    std::set<pid_t> died;
};
Outage unsupervised(const std::vector<pid_t>& pids, const std::vector<int>& ports, int ms) {
    Outage o;
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    for (int round = 0; round < 100000 && std::chrono::steady_clock::now() < end; ++round) {
        for (int port : ports) (http_get(port).empty() ? o.failed : o.ok)++;
        for (pid_t pid : pids)
            if (!alive(pid)) o.died.insert(pid);
    }
    return o;
}

std::vector<pid_t> pids_in(const nlohmann::json& list, const std::vector<Printer>& only = {}) {
    std::vector<pid_t> out;
    for (const auto& r : list) {
        bool wanted = only.empty();
        for (const auto& p : only) wanted |= r["name"] == p.name;
        if (wanted && r["pid"].is_number()) out.push_back(r["pid"].get<pid_t>());
    }
    return out;
}

// True when, within `ms`, some app's count of live processes differs from its count of
// instances with a pid in `list` (a duplicate, or one gone): an observation window, polled.
bool headcount_changes(const Home& h, const nlohmann::json& list, int ms) {
    std::map<std::string, std::size_t> expected;
    for (const auto& r : list)
        expected[r["name"].get<std::string>()] += r["pid"].is_number() ? 1 : 0;
    return wait_until(
        [&] {
            for (const auto& [name, count] : expected)
                if (processes_of(h.dir(), name).size() != count) {
                    MESSAGE(name << ": " << processes_of(h.dir(), name).size() << " processes, "
                                 << count << " instances");
                    return true;
                }
            return false;
        },
        ms);
}

// An adopted instance shows its real uptime, not the time since the new daemon started.
void check_uptimes(const nlohmann::json& before, const nlohmann::json& after) {
    std::map<int, long> was;
    for (const auto& r : before)
        if (r["pid"].is_number()) was[r["id"].get<int>()] = r["uptime_ms"].get<long>();
    for (const auto& r : after) {
        auto it = was.find(r["id"].get<int>());
        if (it == was.end()) continue;
        INFO("instance " << it->first << " " << r["name"].get<std::string>());
        CHECK(r["uptime_ms"].get<long>() >= it->second - 20); // /proc start times are 10 ms ticks
    }
}

std::set<pid_t> as_set(const std::vector<pid_t>& v) {
    return {v.begin(), v.end()};
}

std::string http_app(const std::string& name, int port) {
    return "  - name: " + name +
           "\n    script: " REIN_HTTP_BIN
           "\n    instances: 2\n    exec_mode: cluster\n    listen: '127.0.0.1:" +
           std::to_string(port) + "'\n";
}

// A plain node server binding its own port: the bind hand-off gives every instance one socket.
std::string node_app(const std::string& name, int port) {
    return "  - name: " + name +
           "\n    script: " REIN_SOURCE_DIR
           "/tests/fixtures/http_server.js\n    interpreter: node\n    args: ['" +
           std::to_string(port) + "']\n    instances: 2\n    exec_mode: cluster\n";
}

const std::vector<Printer> kPrinters = {{"k9p1", false}, {"k9p2", true}};

// The printers (one merged, one per instance with the time prefix), an HTTP app on a `listen`
// socket, a stopped app and one waiting 60 s to restart.
std::vector<std::string> base_apps(int listened) {
    return {fixture_app("k9p1", {"seq", "2"}),
            fixture_app("k9p2", {"seq", "3"}, {"instances: 2", "merge_logs: false", "time: true"}),
            http_app("k9lst", listened), fixture_app("k9idle", {}),
            fixture_app("k9crash", {"exit", "1"}, {"restart_delay: 60s"})};
}

void start_base(const Home& h, const std::vector<std::string>& apps) {
    REQUIRE(h.rein({"start", h.ecosystem(apps)}).code == 0);
    REQUIRE(h.wait_status("k9p1", "online", 1));
    REQUIRE(h.wait_status("k9p2", "online", 2));
    REQUIRE(h.wait_status("k9lst", "online", 2));
    REQUIRE(h.wait_status("k9crash", "waiting_restart", 1));
    REQUIRE(h.rein({"stop", "k9idle"}).code == 0);
    REQUIRE(h.rows("k9idle")[0]["status"] == "stopped");
    REQUIRE(wait_until([&] { return all_printing(h, kPrinters); }));
}

// True once every instance of `name` has answered on `port`: a node instance that is still
// getting its socket through the bind hand-off needs the daemon, and would fail without it.
bool all_serving(const Home& h, const std::string& name, int port) {
    auto pids = pids_of(h, name);
    std::set<std::string> seen;
    return wait_until(
        [&] {
            for (int i = 0; i < 50 && seen.size() < pids.size(); ++i)
                if (std::string body = http_get(port); pids.count(body)) seen.insert(body);
            return seen.size() == pids.size();
        },
        20000);
}

// `rein ls` (what starts the next daemon, as a user would) lists every app.
void check_ls(const Home& h, const std::vector<std::string>& names) {
    Run ls = h.rein({"ls"});
    std::string missing;
    for (const auto& name : names)
        if (!has(ls.out, name)) missing += " " + name;
    INFO("rein ls:\n" << ls.out << ls.err);
    CHECK(ls.code == 0);
    CHECK(missing == "");
}

} // namespace

TEST_CASE("kill -9 of reind: apps run on unsupervised, the next daemon adopts and supervises "
          "them, every line once") {
    bool node = std::system("node --version >/dev/null 2>&1") == 0;
    Sweep sweep;
    Home h;
    sweep.home = h.dir();
    int listened = free_port(), handed = free_port();
    auto apps = base_apps(listened);
    std::vector<int> ports = {listened};
    std::vector<std::string> http_apps = {"k9lst"};
    if (node) {
        apps.push_back(node_app("k9web", handed));
        ports.push_back(handed);
        http_apps.push_back("k9web");
    } else {
        MESSAGE("node is missing: the bind hand-off app is left out");
    }
    start_base(h, apps);
    if (node) REQUIRE(h.wait_status("k9web", "online", 2));
    for (std::size_t i = 0; i < ports.size(); ++i) REQUIRE(all_serving(h, http_apps[i], ports[i]));

    auto before = h.jlist();
    std::set<pid_t> ran = as_set(pids_in(before, kPrinters));
    pid_t first = kill9_daemon(h);

    // Nobody supervises for a second: everything lives, every request is answered.
    Outage o = unsupervised(pids_in(before), ports, 1000);
    MESSAGE("without a daemon: " << o.ok << " requests answered, " << o.failed << " failed, "
                                 << o.died.size() << " of " << pids_in(before).size()
                                 << " app processes died");
    for (pid_t pid : o.died) MESSAGE("died while no daemon ran: pid " << pid);
    CHECK(o.died.empty());
    CHECK(o.failed == 0);
    CHECK(o.ok > 0);

    // The next command's daemon adopts them all: same ids, pids, statuses, counters.
    check_ls(h, {"k9p1", "k9p2", "k9lst", "k9idle", "k9crash"});
    auto after = h.jlist();
    CHECK(h.daemon_pid() != first);
    REQUIRE(identity(after) == identity(before));
    check_uptimes(before, after);
    CHECK_FALSE(headcount_changes(h, after, 1000));
    for (int port : ports) CHECK(!http_get(port).empty());

    // A crash of an adopted instance is restarted, as one of its own.
    for (std::string name : {"k9p1", "k9lst"}) {
        INFO(name);
        nlohmann::json was = h.rows(name)[0];
        pid_t pid = was["pid"];
        REQUIRE(kill(pid, SIGKILL) == 0);
        CHECK(wait_until([&] {
            for (const auto& r : h.rows(name))
                if (r["id"] == was["id"])
                    return r["status"] == "online" && r["pid"].is_number() && r["pid"] != pid &&
                           r["restarts"] == was["restarts"].get<int>() + 1;
            return false;
        }));
    }
    for (pid_t pid : pids_in(nlohmann::json(h.rows("k9p1")))) ran.insert(pid);

    // `stop` of an adopted instance: stopped, its process gone, its last lines written.
    nlohmann::json one = h.rows("k9p2")[0];
    pid_t one_pid = one["pid"];
    REQUIRE(h.rein({"stop", one["id"].dump()}).code == 0);
    CHECK(h.row(one["id"].get<int>())["status"] == "stopped");
    CHECK_FALSE(alive(one_pid));
    for (const auto& r : h.rows("k9p2"))
        if (r["id"] != one["id"]) CHECK(r["status"] == "online");

    // `reload` of adopted instances, under load: no request fails.
    {
        std::vector<std::unique_ptr<LoadLoop>> loads;
        for (int port : ports) loads.push_back(std::make_unique<LoadLoop>(port));
        auto answered = [&](long more) {
            for (const auto& l : loads)
                if (l->ok < more) return false;
            return true;
        };
        REQUIRE(wait_until([&] { return answered(20); }));
        for (const auto& name : http_apps) CHECK(h.rein({"reload", name}).code == 0);
        long mark = 0;
        for (const auto& l : loads) mark = std::max(mark, l->ok.load());
        CHECK(wait_until([&] { return answered(mark + 20); }));
        for (std::size_t i = 0; i < loads.size(); ++i) {
            loads[i]->finish();
            MESSAGE(http_apps[i] << ": " << loads[i]->ok.load() << " requests through reload, "
                                 << loads[i]->failed.load() << " failed");
            CHECK(loads[i]->failed == 0);
        }
    }
    for (const auto& name : http_apps) CHECK(h.wait_status(name, "online", 2));

    // What was stopped stays stopped; the pending restart is still pending, counters kept.
    CHECK(h.rows("k9idle")[0]["status"] == "stopped");
    auto crash = h.rows("k9crash")[0];
    CHECK(crash["status"] == "waiting_restart");
    for (const auto& r : before)
        if (r["name"] == "k9crash") CHECK(crash["restarts"] == r["restarts"]);

    // Every line the printers wrote, before, during and after the outage, once and in order.
    REQUIRE(h.rein({"stop", "k9p1"}).code == 0);
    REQUIRE(h.rein({"stop", "k9p2"}).code == 0);
    std::set<pid_t> stopped = ran;
    stopped.erase(pids_in(before, {{"k9p1", false}})[0]); // the one killed with SIGKILL
    check_every_line_once(h, kPrinters, ran, stopped);
}

TEST_CASE("kill -9 of reind twice in a row: adopted again, every line once") {
    Sweep sweep;
    Home h;
    sweep.home = h.dir();
    int listened = free_port();
    start_base(h, base_apps(listened));
    REQUIRE(all_serving(h, "k9lst", listened));
    auto before = h.jlist();
    std::set<pid_t> ran = as_set(pids_in(before, kPrinters));

    pid_t first = kill9_daemon(h);
    check_ls(h, {"k9p1", "k9lst"});
    pid_t second = kill9_daemon(h); // at once: the daemon that has just adopted them
    CHECK(second != first);
    check_ls(h, {"k9p1", "k9p2", "k9lst", "k9idle", "k9crash"});
    auto after = h.jlist();
    REQUIRE(identity(after) == identity(before));
    check_uptimes(before, after);
    CHECK_FALSE(headcount_changes(h, after, 1000));
    CHECK(!http_get(listened).empty());

    // The third daemon captures their output again: the files grow.
    auto files = printer_files(h, kPrinters);
    long size = total_size(files);
    CHECK(wait_until([&] { return total_size(files) > size + 1000; }));
    REQUIRE(h.rein({"stop", "k9p1"}).code == 0);
    REQUIRE(h.rein({"stop", "k9p2"}).code == 0);
    check_every_line_once(h, kPrinters, ran, ran);
}

TEST_CASE("kill -9 of reind 5 times during heavy logging: every line once, in order") {
    Sweep sweep;
    Home h;
    sweep.home = h.dir();
    std::vector<Printer> fast = {{"k9fast", false}, {"k9fastt", true}};
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("k9fast", {"seq", "0"}),
                                          fixture_app("k9fastt", {"seq", "0"}, {"time: true"})})})
                .code == 0);
    REQUIRE(h.wait_status("k9fast", "online", 1));
    REQUIRE(h.wait_status("k9fastt", "online", 1));
    REQUIRE(wait_until([&] { return all_printing(h, fast); }));
    auto before = h.jlist();
    auto files = printer_files(h, fast);

    for (int round = 1; round <= 5; ++round) {
        INFO("round " << round);
        // The daemon of this round is writing (so the kill lands in the middle of a flood).
        long size = total_size(files);
        REQUIRE(wait_until([&] { return total_size(files) > size + (512 << 10); }, 20000));
        kill9_daemon(h);
        check_ls(h, {"k9fast", "k9fastt"});
        REQUIRE(identity(h.jlist()) == identity(before));
    }
    long size = total_size(files);
    REQUIRE(wait_until([&] { return total_size(files) > size + (512 << 10); }, 20000));
    CHECK_FALSE(headcount_changes(h, before, 200));
    REQUIRE(h.rein({"stop", "all"}).code == 0);
    MESSAGE("log files: " << total_size(files) << " bytes");
    auto ran = as_set(pids_in(before));
    check_every_line_once(h, fast, ran, ran);
}

} // namespace rein::test::kill9
