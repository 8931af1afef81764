// Cluster mode: daemon-held sockets, readiness, zero-downtime reload, scale.
#include "harness.hpp"
#include "http.hpp"

#include <doctest/doctest.h>

#include <netinet/in.h>
#include <set>
#include <sys/socket.h>
#include <unistd.h>

using namespace rein::test;

namespace {

std::string server_app(const std::string& name, const std::string& listen,
                       const std::vector<std::string>& extra = {}) {
    std::string s =
        "  - name: " + name + "\n    script: " REIN_HTTP_BIN "\n    listen: '" + listen + "'\n";
    for (const auto& line : extra) s += "    " + line + "\n";
    return s;
}

} // namespace

TEST_CASE("two instances share one listen socket: both serve, each knows it got it") {
    Home h;
    int port = free_port();
    std::string addr = "127.0.0.1:" + std::to_string(port);
    REQUIRE(h.rein({"start", h.ecosystem({server_app("web", addr, {"instances: 2"})})}).code == 0);
    REQUIRE(h.wait_status("web", "online", 2));
    auto expected = pids_of(h, "web");
    std::set<std::string> seen;
    for (int i = 0; i < 2000 && seen.size() < 2; ++i) seen.insert(http_get(port));
    CHECK(seen == expected);
    for (const auto& row : h.rows("web")) {
        CHECK(row["exec_mode"] == "cluster");
        pid_t pid = row["pid"];
        std::string env = environ_of(pid);
        CHECK(has(env, "LISTEN_FDS=1\n"));
        CHECK(has(env, "LISTEN_PID=" + std::to_string(pid) + "\n"));
        CHECK(has(env, "LISTEN_FDNAMES=web\n"));
        CHECK(has(env, "PORT=" + std::to_string(port) + "\n"));
    }
    // Deleting the app closes the socket.
    REQUIRE(h.rein({"delete", "web"}).code == 0);
    CHECK(http_get(port).empty());
}

TEST_CASE("no request fails during two reloads and a restart, every pid is replaced") {
    Home h;
    int port = free_port();
    REQUIRE(h.rein({"start", h.ecosystem({server_app("web", "127.0.0.1:" + std::to_string(port),
                                                     {"instances: 2", "wait_ready: true"})})})
                .code == 0);
    REQUIRE(h.wait_status("web", "online", 2));
    auto before = pids_of(h, "web");
    std::vector<int> ids_before;
    for (const auto& r : h.rows("web")) ids_before.push_back(r["id"]);
    LoadLoop load(port);
    REQUIRE(wait_until([&] { return load.ok > 50; }));
    Run r1 = h.rein({"reload", "web"});
    CHECK(r1.code == 0);
    auto middle = pids_of(h, "web");
    Run r2 = h.rein({"reload", "web", "--parallel", "2"}); // both at once: still no failure
    CHECK(r2.code == 0);
    auto after = pids_of(h, "web");
    // A full restart refuses nothing either: connections wait in the daemon-held backlog.
    CHECK(h.rein({"restart", "web"}).code == 0);
    long before_end = load.ok;
    REQUIRE(wait_until([&] { return load.ok > before_end + 50; }));
    load.finish();
    CHECK(load.failed == 0);
    CHECK(load.ok > 100);
    CHECK(after.size() == 2);
    for (const auto& p : before) CHECK(middle.count(p) == 0);
    for (const auto& p : middle) CHECK(after.count(p) == 0);
    // Each instance kept its id through both reloads and the restart (PM2's pm_id), one count
    // per replacement.
    auto rows = h.rows("web");
    REQUIRE(rows.size() == 2);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        CHECK(rows[i]["status"] == "online");
        CHECK(rows[i]["id"] == ids_before[i]);
        CHECK(rows[i]["restarts"] == 3);
    }
    MESSAGE("requests answered during the reloads: " << load.ok.load());
}

TEST_CASE("scale up and down") {
    Home h;
    int port = free_port();
    REQUIRE(h.rein({"start", h.ecosystem({server_app("web", "127.0.0.1:" + std::to_string(port))})})
                .code == 0);
    REQUIRE(h.wait_status("web", "online", 1));
    REQUIRE(h.rein({"scale", "web", "3"}).code == 0);
    REQUIRE(h.wait_status("web", "online", 3));
    CHECK(h.rows("web").size() == 3);
    REQUIRE(h.rein({"scale", "web", "+1"}).code == 0);
    CHECK(h.wait_status("web", "online", 4));
    REQUIRE(h.rein({"scale", "web", "-3"}).code == 0);
    CHECK(wait_until([&] { return h.rows("web").size() == 1; }));
    CHECK_FALSE(http_get(port).empty());
    CHECK(h.rein({"scale", "web", "-1"}).code == 1);
    CHECK(h.rein({"scale", "web", "many"}).code == 2);
    CHECK(h.rein({"scale", "ghost", "2"}).code == 1);
}

TEST_CASE("wait_ready keeps an instance launching until it sends READY=1") {
    Home h;
    std::string go = h.path("go");
    REQUIRE(
        h.rein({"start",
                h.ecosystem({fixture_app("slow", {"waitfile", go, "notify", "STATUS=warm\nREADY=1"},
                                         {"wait_ready: true", "listen_timeout: 60s"})})})
            .code == 0);
    CHECK(h.rows("slow")[0]["status"] == "launching");
    CHECK(has(environ_of(h.rows("slow")[0]["pid"].get<pid_t>()), "NOTIFY_SOCKET=@rein-"));
    h.write("go", "");
    CHECK(h.wait_status("slow", "online"));
    CHECK(has(h.rein({"describe", "slow"}).out, "app status"));
    CHECK(has(h.rein({"describe", "slow"}).out, "warm"));
}

TEST_CASE("listen_timeout: an instance that never says ready goes online anyway") {
    Home h;
    // listen_timeout long enough that even a loaded machine (ASan) sees launching first.
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app(
                                 "mute", {}, {"wait_ready: true", "listen_timeout: 2000"})})})
                .code == 0);
    CHECK(h.rows("mute")[0]["status"] == "launching");
    CHECK(h.wait_status("mute", "online"));
    CHECK(has(h.read("reind.log"), "online anyway"));
}

TEST_CASE("a new instance that crashes on start aborts the reload, the old ones keep serving") {
    Home h;
    std::string crash = h.path("crash");
    int port = free_port();
    REQUIRE(
        h.rein({"start",
                h.ecosystem({fixture_app("w", {"exitif", crash, "notify", "READY=1"},
                                         {"instances: 2", "exec_mode: cluster", "wait_ready: true",
                                          "listen: 127.0.0.1:" + std::to_string(port)})})})
            .code == 0);
    REQUIRE(h.wait_status("w", "online", 2));
    auto before = pids_of(h, "w");
    h.write("crash", "");
    Run r = h.rein({"reload", "w"});
    CHECK(r.code == 1);
    CHECK(has(r.err, "aborted"));
    CHECK(wait_until([&] { return h.rows("w").size() == 2; }));
    CHECK(pids_of(h, "w") == before);
    for (const auto& row : h.rows("w")) CHECK(row["status"] == "online");
}

TEST_CASE("a Unix socket listen address") {
    Home h;
    std::string path = h.path("web.sock");
    REQUIRE(h.rein({"start", h.ecosystem({server_app("web", "unix:" + path, {"instances: 2"})})})
                .code == 0);
    REQUIRE(h.wait_status("web", "online", 2));
    CHECK(has(http_get(0, path), "pid "));
    CHECK_FALSE(has(environ_of(h.rows("web")[0]["pid"].get<pid_t>()), "PORT="));
    REQUIRE(h.rein({"delete", "web"}).code == 0);
    CHECK(access(path.c_str(), F_OK) != 0); // the socket file goes with the app
}

TEST_CASE("an address in use is a clear error and starts nothing") {
    Home h;
    int holder = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(holder, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(listen(holder, 1) == 0);
    socklen_t len = sizeof a;
    getsockname(holder, reinterpret_cast<sockaddr*>(&a), &len);
    std::string addr = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
    Run r = h.rein({"start", h.ecosystem({fixture_app("ok", {}), server_app("web", addr)})});
    close(holder);
    CHECK(r.code == 1);
    CHECK(has(r.err, addr + " is already in use (by "));
    CHECK(has(r.err, "pid " + std::to_string(getpid())));
    CHECK(h.jlist().empty());
}

TEST_CASE("a Node app written for PM2 becomes ready with process.send('ready')") {
    if (system("command -v node >/dev/null 2>&1") != 0) {
        MESSAGE("node is not installed: skipped");
        return;
    }
    Home h;
    int port = free_port();
    std::string app = "  - name: node\n    script: " REIN_SOURCE_DIR "/examples/node/server.js\n"
                      "    listen: 127.0.0.1:" +
                      std::to_string(port) + "\n    wait_ready: true\n    listen_timeout: 60s\n";
    REQUIRE(h.rein({"start", h.ecosystem({app})}).code == 0);
    REQUIRE(h.wait_status("node", "online", 1, 30000));
    CHECK(has(environ_of(h.rows("node")[0]["pid"].get<pid_t>()), "NODE_CHANNEL_FD=4\n"));
    CHECK(has(http_get(port), "pid "));
    CHECK(h.rein({"stop", "node"}).code == 0);
    CHECK(h.rows("node")[0]["signal"].is_null()); // drained and exited on SIGINT, no SIGKILL
}
