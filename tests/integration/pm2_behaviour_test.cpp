// The daemon behaving as PM2 users expect: Node's IPC channel, ids kept across reload, PM2's
// counters and jlist shape, autostart and treekill, folders made for log and pid files.
#include "harness.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <cstdio>
#include <sys/stat.h>
#include <unistd.h>

using namespace rein::test;

namespace {

// The absolute path of a command on PATH, "" when there is none.
std::string which(const std::string& name) {
    std::string out;
    if (FILE* p = popen(("command -v " + name + " 2>/dev/null").c_str(), "r")) {
        char buf[512];
        while (fgets(buf, sizeof buf, p)) out += buf;
        pclose(p);
    }
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

// One request on a raw connection (the daemon must run); the parsed reply.
nlohmann::json call(const Home& h, nlohmann::json req) {
    int fd = h.connect_raw();
    req["id"] = 1;
    send_all(fd, req.dump() + "\n");
    std::string line = read_line(fd);
    close(fd);
    auto reply = nlohmann::json::parse(line, nullptr, false);
    REQUIRE_FALSE(reply.is_discarded());
    return reply;
}

// A spec as the CLI would send it, with the keys whose ecosystem parsing is another change's.
nlohmann::json app_spec(const Home& h, const std::string& name, const std::string& script,
                        const std::vector<std::string>& args, const nlohmann::json& extra = {}) {
    nlohmann::json s = {{"name", name},
                        {"script", script},
                        {"args", args},
                        {"cwd", h.dir()},
                        {"base_env", {{"PATH", "/usr/local/bin:/usr/bin:/bin"}}}};
    if (extra.is_object()) s.update(extra);
    return s;
}

void start_raw(const Home& h, const nlohmann::json& spec) {
    REQUIRE(h.rein({"ping"}).code == 0);
    auto reply = call(h, {{"cmd", "start"}, {"apps", {spec}}});
    INFO(reply.dump());
    REQUIRE(reply["ok"] == true);
}

nlohmann::json describe(const Home& h, const std::string& sel) {
    auto reply = call(h, {{"cmd", "describe"}, {"selector", sel}});
    REQUIRE(reply["ok"] == true);
    return reply["result"]["rows"];
}

bool has_node() {
    if (!which("node").empty()) return true;
    MESSAGE("node is not installed: skipped");
    return false;
}

} // namespace

TEST_CASE("restarts of a Node app with wait_ready never close the new run's IPC channel") {
    if (!has_node()) return;
    Home h;
    // Says ready, then keeps talking: a closed channel is an EPIPE or ERR_IPC_CHANNEL_CLOSED.
    // On SIGINT it leaves the daemon a burst of output to read as it exits, so that its
    // channel's end and its exit reach the daemon in one turn of the loop (where the old run's
    // late cleanup took the new run's channel).
    std::string app =
        h.write("ready.js", "process.send('ready');\n"
                            "setInterval(() => process.send({type: 'tick'}), 5);\n"
                            "process.on('SIGINT', () => {\n"
                            "  process.stdout.write(('x'.repeat(99) + '\\n').repeat(20000));\n"
                            "  process.exit(0);\n"
                            "});\n");
    start_raw(
        h, app_spec(
               h, "n", app, {},
               {{"interpreter", which("node")}, {"wait_ready", true}, {"listen_timeout", 30000}}));
    REQUIRE(h.wait_status("n", "online", 1, 30000));
    constexpr int k_restarts = 30;
    for (int i = 0; i < k_restarts; ++i) REQUIRE(h.rein({"restart", "n"}).code == 0);
    // Long enough for a run whose channel was taken to crash on its next tick.
    pid_t last = h.rows("n")[0]["pid"];
    REQUIRE(wait_until([&] { return h.rows("n")[0]["uptime_ms"].get<long>() > 500; }));
    auto row = h.rows("n")[0];
    std::string errors = slurp(row["error_file"].get<std::string>());
    CHECK_FALSE(has(errors, "EPIPE"));
    CHECK_FALSE(has(errors, "ERR_IPC_CHANNEL_CLOSED"));
    CHECK(row["restarts"] == k_restarts);
    CHECK(row["pid"] == last);
    CHECK(row["status"] == "online");
}

TEST_CASE("every Node instance has process.send, shutdown_with_message stops it by message") {
    if (!has_node()) return;
    Home h;
    // Ignores SIGINT: only the message stops it in time.
    std::string app = h.write(
        "quit.js", "console.log('send is a ' + typeof process.send);\n"
                   "process.on('SIGINT', () => console.log('SIGINT ignored'));\n"
                   "process.on('message', (m) => {\n"
                   "  if (m === 'shutdown') { console.log('got shutdown'); process.exit(0); }\n"
                   "});\n"
                   "setInterval(() => {}, 1000);\n");
    start_raw(h, app_spec(h, "q", app, {},
                          {{"interpreter", which("node")},
                           {"shutdown_with_message", true},
                           {"kill_timeout", 30000}}));
    REQUIRE(h.wait_status("q", "online"));
    std::string out = h.rows("q")[0]["out_file"];
    REQUIRE(wait_until([&] { return has(slurp(out), "send is a function"); }, 30000));
    Run stop = h.rein({"stop", "q"});
    CHECK(stop.code == 0);
    auto row = h.rows("q")[0];
    CHECK(row["exit_code"] == 0);
    CHECK(row["signal"].is_null());
    CHECK(has(slurp(out), "got shutdown"));
    CHECK_FALSE(has(slurp(out), "SIGINT ignored"));
    CHECK(has(h.read("reind.log"), "with the message 'shutdown'"));
}

TEST_CASE("shutdown_with_message: an app that ignores the message gets SIGKILL at kill_timeout") {
    if (!has_node()) return;
    Home h;
    std::string app = h.write("deaf.js", "process.on('SIGINT', () => {});\n"
                                         "process.on('message', () => {});\n"
                                         "setInterval(() => {}, 1000);\n");
    start_raw(h, app_spec(h, "d", app, {},
                          {{"interpreter", which("node")},
                           {"shutdown_with_message", true},
                           {"kill_timeout", 300}}));
    REQUIRE(h.wait_status("d", "online"));
    CHECK(h.rein({"stop", "d"}).code == 0);
    CHECK(h.rows("d")[0]["signal"] == "SIGKILL");
}

TEST_CASE("an instance keeps its id across reload, the row says reloading meanwhile") {
    Home h;
    std::string go = h.path("go");
    h.write("go", "");
    REQUIRE(
        h.rein({"start", h.ecosystem({fixture_app("w", {"waitfile", go, "notify", "READY=1"},
                                                  {"instances: 2", "exec_mode: cluster",
                                                   "wait_ready: true", "listen_timeout: 60s"})})})
            .code == 0);
    REQUIRE(h.wait_status("w", "online", 2));
    auto before = h.rows("w");
    std::remove(go.c_str()); // the successors wait
    Background reload(h, {"reload", "w"});
    // The first successor runs behind instance 0's row: still two rows, same pids.
    REQUIRE(wait_until([&] { return h.rows("w")[0]["reloading"] == true; }));
    auto during = h.rows("w");
    REQUIRE(during.size() == 2);
    CHECK(during[0]["id"] == before[0]["id"]);
    CHECK(during[0]["pid"] == before[0]["pid"]);
    CHECK(during[0]["status"] == "online");
    h.write("go", "");
    REQUIRE(wait_until([&] {
        auto rows = h.rows("w");
        return rows.size() == 2 && rows[0]["pid"] != before[0]["pid"] &&
               rows[1]["pid"] != before[1]["pid"] && rows[1]["reloading"] == false;
    }));
    auto after = h.rows("w");
    for (std::size_t i = 0; i < 2; ++i) {
        CHECK(after[i]["id"] == before[i]["id"]);
        CHECK(after[i]["pm_id"] == before[i]["id"]);
        CHECK(after[i]["restarts"] == 1);
        CHECK(after[i]["instance"] == before[i]["instance"]);
        CHECK(after[i]["status"] == "online");
    }
    // The old processes are gone, and selecting by the kept id reaches the new one.
    CHECK(wait_until([&] {
        return !alive(before[0]["pid"].get<pid_t>()) && !alive(before[1]["pid"].get<pid_t>());
    }));
    REQUIRE(h.rein({"stop", std::to_string(before[0]["id"].get<int>())}).code == 0);
    CHECK(h.rows("w")[0]["status"] == "stopped");
    CHECK(h.rows("w")[1]["status"] == "online");
}

TEST_CASE("PYTHONUNBUFFERED=1 unless the app sets it, folders of named files are made") {
    Home h;
    std::string deep = h.path("logs/a/b");
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("p", {"env", h.path("p.env"), "print", "1"},
                                                      {"out_file: " + deep + "/out.log",
                                                       "error_file: " + deep + "/err.log",
                                                       "pid_file: " + h.path("run/x/p.pid")}),
                                          fixture_app("q", {"env", h.path("q.env")},
                                                      {"env:", "  PYTHONUNBUFFERED: '0'"})})})
                .code == 0);
    REQUIRE(wait_until([&] { return has(h.read("p.env"), "PATH="); }));
    REQUIRE(wait_until([&] { return has(h.read("q.env"), "PATH="); }));
    CHECK(has(h.read("p.env"), "PYTHONUNBUFFERED=1\n"));
    CHECK(has(h.read("q.env"), "PYTHONUNBUFFERED=0\n"));
    CHECK(wait_until([&] { return has(slurp(deep + "/out.log"), "line 1"); }));
    CHECK(wait_until([&] { return !slurp(h.path("run/x/p.pid")).empty(); }));
}

TEST_CASE("a restart waiting out restart_delay is not counted until it happens") {
    Home h;
    REQUIRE(
        h.rein({"start", h.ecosystem({fixture_app("c", {"exit", "1"}, {"restart_delay: 60s"})})})
            .code == 0);
    REQUIRE(h.wait_status("c", "waiting_restart"));
    auto row = h.rows("c")[0];
    CHECK(row["restarts"] == 0);
    CHECK(row["pm2_env"]["status"] == "waiting restart");
    CHECK(row["pm2_env"]["restart_time"] == 0);
    // Started by hand: not a restart either.
    REQUIRE(h.rein({"start", "c"}).code == 0);
    CHECK(h.rows("c")[0]["restarts"] == 0);
}

TEST_CASE("restarts count each crash restart when it spawns, start after stop is not one") {
    Home h;
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("s", {})})}).code == 0);
    REQUIRE(h.wait_status("s", "online"));
    REQUIRE(h.rein({"stop", "s"}).code == 0);
    REQUIRE(h.rein({"start", "s"}).code == 0);
    REQUIRE(h.wait_status("s", "online"));
    CHECK(h.rows("s")[0]["restarts"] == 0);
    kill(h.rows("s")[0]["pid"].get<pid_t>(), SIGKILL);
    CHECK(wait_until([&] {
        auto r = h.rows("s")[0];
        return r["restarts"] == 1 && r["status"] == "online";
    }));
}

TEST_CASE("stop turns watching off until a start asks for it again") {
    Home h;
    std::string dir = h.path("src");
    REQUIRE(mkdir(dir.c_str(), 0700) == 0);
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("w", {}, {"watch: [" + dir + "]"})})}).code ==
            0);
    REQUIRE(h.wait_status("w", "online"));
    CHECK(h.rows("w")[0]["pm2_env"]["watch"] == true);
    REQUIRE(h.rein({"stop", "w"}).code == 0);
    REQUIRE(h.rein({"start", "w"}).code == 0);
    REQUIRE(h.wait_status("w", "online"));
    CHECK(h.rows("w")[0]["pm2_env"]["watch"] == false);
    CHECK(describe(h, "w")[0]["spec"]["watch"].empty());
}

TEST_CASE("save keeps the previous dump as dump.json.bak, resurrect falls back to it") {
    Home h;
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("a", {})})}).code == 0);
    REQUIRE(h.rein({"save"}).code == 0);
    std::string first = h.read("dump.json");
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("b", {})}, "b.yaml")}).code == 0);
    REQUIRE(h.rein({"save"}).code == 0);
    CHECK(h.read("dump.json.bak") == first);
    REQUIRE(h.rein({"delete", "all"}).code == 0);
    h.write("dump.json", "{ truncated");
    Run back = h.rein({"resurrect"});
    CHECK(back.code == 0);
    CHECK(has(back.err, "using the previous save, " + h.path("dump.json.bak")));
    CHECK(h.wait_status("a", "online"));
    CHECK(h.rows("b").empty());
    CHECK(has(h.read("reind.log"), "dump.json.bak"));
}

TEST_CASE("autostart: false registers the app stopped, start starts it") {
    Home h;
    start_raw(h, app_spec(h, "lazy", fixture(), {}, {{"autostart", false}, {"instances", 2}}));
    auto rows = h.rows("lazy");
    REQUIRE(rows.size() == 2);
    for (const auto& r : rows) {
        CHECK(r["status"] == "stopped");
        CHECK(r["pid"].is_null());
    }
    REQUIRE(h.rein({"start", "lazy"}).code == 0);
    CHECK(h.wait_status("lazy", "online", 2));
    CHECK(h.rows("lazy")[0]["restarts"] == 0);
}

TEST_CASE("treekill: false stops the main process only, its children keep running") {
    Home h;
    std::string child_file = h.path("child");
    start_raw(h, app_spec(h, "t", fixture(), {"grandchild", child_file}, {{"treekill", false}}));
    REQUIRE(h.wait_status("t", "online"));
    REQUIRE(wait_until([&] { return !h.read("child").empty(); }));
    pid_t child = std::stoi(h.read("child"));
    CHECK(h.rein({"stop", "t"}).code == 0); // not REQUIRE: the child is killed below
    CHECK(h.rows("t")[0]["status"] == "stopped");
    CHECK(alive(child));
    kill(child, SIGKILL);
}

TEST_CASE("jlist rows carry PM2's keys beside rein's") {
    Home h;
    REQUIRE(h.rein({"start",
                    h.ecosystem({fixture_app("j", {}, {"instances: 2", "env:", "  FOO: bar"})})})
                .code == 0);
    REQUIRE(h.wait_status("j", "online", 2));
    auto rows = h.jlist();
    REQUIRE(rows.size() == 2);
    for (const auto& r : rows) {
        CHECK(r["pm_id"] == r["id"]);
        CHECK(r["name"] == "j");
        CHECK(r["pid"].is_number());
        CHECK(r["monit"]["memory"].is_number());
        CHECK(r["monit"]["cpu"].is_number());
        const auto& e = r["pm2_env"];
        CHECK(e["status"] == "online");
        CHECK(e["pm_id"] == r["id"]);
        CHECK(e["name"] == "j");
        CHECK(e["namespace"] == "default");
        CHECK(e["exec_mode"] == "cluster_mode"); // several instances: cluster, as in PM2
        CHECK(e["instances"] == 2);
        CHECK(e["NODE_APP_INSTANCE"] == r["instance"]); // a number at the top, as PM2 has it
        CHECK(e["restart_time"] == 0);
        CHECK(e["unstable_restarts"] == 0);
        CHECK(e["pm_uptime"].get<std::int64_t>() > 1700000000000);
        CHECK(e["pm_exec_path"] == fixture());
        CHECK(e["pm_cwd"] == r["cwd"]);
        CHECK(e["pm_out_log_path"] == r["out_file"]);
        CHECK(e["pm_err_log_path"] == r["error_file"]);
        CHECK(e["env"]["FOO"] == "bar");
        CHECK(e["env"]["NODE_APP_INSTANCE"] == std::to_string(r["instance"].get<int>()));
        CHECK(e.contains("versioning"));
        // rein's own keys stay.
        CHECK(r["status"] == "online");
        CHECK(r["exec_mode"] == "cluster");
    }
}

TEST_CASE("the daemon log names signals, an early exit is said in describe and the log") {
    Home h;
    REQUIRE(
        h.rein({"start", h.ecosystem({fixture_app("e", {"exit", "0"},
                                                  {"exec_mode: cluster", "stop_exit_codes: [0]"}),
                                      fixture_app("s", {})})})
            .code == 0);
    REQUIRE(h.wait_status("e", "stopped"));
    REQUIRE(h.wait_status("s", "online"));
    REQUIRE(h.rein({"stop", "s"}).code == 0);
    auto row = describe(h, "e")[0];
    INFO(row.dump());
    std::string last = row["last_exit"];
    CHECK(has(last, "exited with code 0 after "));
    CHECK(has(last, "(early: before min_uptime"));
    std::string log = h.read("reind.log");
    CHECK(has(log, "early, before min_uptime"));
    CHECK(has(log, "with SIGINT"));
    CHECK_FALSE(has(log, "with 2\n"));
    // Stopped on request: not an early exit, whatever its uptime.
    CHECK_FALSE(has(describe(h, "s")[0]["last_exit"].get<std::string>(), "early"));
}
