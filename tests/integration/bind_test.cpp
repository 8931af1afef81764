// The bind hand-off: unmodified servers that bind their own port run in cluster mode, every
// instance on one socket the daemon holds (docs/cluster.md). Needs node and python3; a test
// whose interpreter is missing is skipped.
#include "harness.hpp"
#include "http.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <netinet/in.h>
#include <pwd.h>
#include <set>
#include <sys/socket.h>
#include <unistd.h>

using namespace rein::test;

namespace {

bool on_path(const std::string& tool) {
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/bin:/bin";
    for (std::size_t at = 0; at <= dirs.size();) {
        auto end = dirs.find(':', at);
        if (end == std::string::npos) end = dirs.size();
        if (access((dirs.substr(at, end - at) + "/" + tool).c_str(), X_OK) == 0) return true;
        at = end + 1;
    }
    return false;
}

// An app entry: a fixture server run by `interpreter`, with `where` (a port or a path) as its
// only argument.
std::string server(const std::string& name, const std::string& interpreter,
                   const std::string& script, const std::string& where,
                   const std::vector<std::string>& extra = {}) {
    std::string s = "  - name: " + name + "\n    script: " REIN_SOURCE_DIR "/tests/fixtures/" +
                    script + "\n    interpreter: " + interpreter + "\n    args: ['" + where +
                    "']\n";
    for (const auto& line : extra) s += "    " + line + "\n";
    return s;
}

// True when some instance of `name` restarts or leaves online within `ms` (an observation
// window, polled).
bool unstable_within(const Home& h, const std::string& name, int ms) {
    return wait_until(
        [&] {
            for (const auto& r : h.rows(name))
                if (r["restarts"] != 0 || r["status"] != "online") return true;
            return false;
        },
        ms);
}

// True when a connection to 127.0.0.1:port is refused (nothing listens), as opposed to one
// accepted into a backlog that nobody reads.
bool refused(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(uint16_t(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool no = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 && errno == ECONNREFUSED;
    close(fd);
    return no;
}

// Every instance online and stable, the port answered by at least two of them (and only by
// them), no request failing through reload and restart, refused once the app is deleted.
void check_shared_port(const Home& h, const std::string& name, std::size_t count, int port) {
    REQUIRE(h.wait_status(name, "online", count));
    CHECK_FALSE(unstable_within(h, name, 3000));
    auto pids = pids_of(h, name);
    REQUIRE(pids.size() == count);
    std::set<std::string> seen;
    for (int i = 0; i < 2000 && seen.size() < 2; ++i) {
        std::string body = http_get(port);
        CHECK(pids.count(body) == 1);
        seen.insert(body);
    }
    CHECK(seen.size() >= 2);
    for (const auto& r : h.rows(name))
        CHECK(has(environ_of(r["pid"].get<int>()), "librein-bind.so"));

    LoadLoop load(port);
    REQUIRE(wait_until([&] { return load.ok > 20; }));
    CHECK(h.rein({"reload", name}).code == 0);
    CHECK(h.rein({"restart", name}).code == 0);
    long before_end = load.ok;
    REQUIRE(wait_until([&] { return load.ok > before_end + 20; }));
    load.finish();
    CHECK(load.failed == 0);
    MESSAGE(name << ": " << load.ok.load() << " requests through reload and restart, "
                 << load.failed.load() << " failed");
    CHECK(h.wait_status(name, "online", count));

    REQUIRE(h.rein({"delete", name}).code == 0);
    CHECK(refused(port));
}

// A free port below the unprivileged range, or 0.
int free_low_port() {
    for (int port = 1023; port > 900; --port) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(uint16_t(port));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        bool free = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
        close(fd);
        if (free) return port;
    }
    return 0;
}

} // namespace

TEST_CASE("bind hand-off: node -i 3 binding its own port shares it, through reload and restart") {
    if (!on_path("node")) return;
    Home h;
    int port = free_port();
    std::string p = std::to_string(port);
    REQUIRE(h.rein({"start",
                    h.ecosystem({server("web", "node", "http_server.js", p, {"instances: 3"})})})
                .code == 0);
    check_shared_port(h, "web", 3, port);
}

TEST_CASE("bind hand-off: python -i 2 binding its own port shares it, through reload and "
          "restart") {
    if (!on_path("python3")) return;
    Home h;
    int port = free_port();
    REQUIRE(h.rein({"start", h.ecosystem({server("py", "python3", "http_server.py",
                                                 std::to_string(port), {"instances: 2"})})})
                .code == 0);
    check_shared_port(h, "py", 2, port);
}

TEST_CASE("bind hand-off: a node app forking its own cluster workers serves from the workers") {
    if (!on_path("node")) return;
    Home h;
    int port = free_port();
    REQUIRE(h.rein({"start", h.ecosystem({server("nc", "node", "http_cluster.js",
                                                 std::to_string(port), {"instances: 2"})})})
                .code == 0);
    REQUIRE(h.wait_status("nc", "online", 2));
    CHECK_FALSE(unstable_within(h, "nc", 3000));
    auto primaries = pids_of(h, "nc");
    std::set<std::string> seen;
    for (int i = 0; i < 2000 && seen.size() < 3; ++i) seen.insert(http_get(port));
    CHECK(seen.count("") == 0);
    CHECK(seen.size() >= 3); // 2 primaries x 2 workers: more workers than instances answer
    for (const auto& body : seen) CHECK(primaries.count(body) == 0);
}

TEST_CASE("bind hand-off: an address held elsewhere gives EADDRINUSE, and the log names who") {
    if (!on_path("node")) return;
    Home h;
    // Held by a process outside rein: this test.
    int port = free_port();
    int held = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(uint16_t(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(held, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(listen(held, 1) == 0);
    std::string p = std::to_string(port);
    REQUIRE(h.rein({"start", h.ecosystem({server("busy", "node", "http_server.js", p,
                                                 {"instances: 2", "autorestart: false"})})})
                .code == 0);
    auto rows = h.rows("busy");
    REQUIRE(!rows.empty());
    std::string err_log = rows[0]["error_file"];
    CHECK(wait_until([&] { return has(slurp(err_log), "listen failed: EADDRINUSE"); }));
    std::string mine = "pid " + std::to_string(getpid()) + ")";
    CHECK(wait_until([&] {
        std::string log = h.read("reind.log");
        return has(log, "bind 127.0.0.1:" + p + " refused: Address already in use") &&
               has(log, mine);
    }));
    CHECK(has(slurp(err_log), "rein: bind 127.0.0.1:" + p + " refused"));
    close(held);

    // Held by another app of the same daemon.
    int port2 = free_port();
    std::string p2 = std::to_string(port2);
    REQUIRE(h.rein({"start",
                    h.ecosystem({server("first", "node", "http_server.js", p2, {"instances: 2"})},
                                "first.yaml")})
                .code == 0);
    REQUIRE(h.wait_status("first", "online", 2));
    REQUIRE(wait_until([&] { return !http_get(port2).empty(); }));
    REQUIRE(h.rein({"start", h.ecosystem({server("second", "node", "http_server.js", p2,
                                                 {"instances: 2", "autorestart: false"})},
                                         "second.yaml")})
                .code == 0);
    CHECK(wait_until([&] {
        return has(h.read("reind.log"),
                   "bind 127.0.0.1:" + p2 + " refused: address in use (by app first)");
    }));
}

TEST_CASE("bind hand-off: a port below 1024 only for an app that could bind it itself") {
    if (!on_path("node") || geteuid() != 0 || !getpwnam("nobody")) return;
    int port = free_low_port();
    REQUIRE(port > 0);
    std::string p = std::to_string(port);
    Home h;
    REQUIRE(h.rein({"start",
                    h.ecosystem({server("low", "node", "http_server.js", p,
                                        {"instances: 2", "uid: nobody", "autorestart: false"})})})
                .code == 0);
    auto rows = h.rows("low");
    REQUIRE(!rows.empty());
    std::string err_log = rows[0]["error_file"];
    CHECK(wait_until([&] { return has(slurp(err_log), "listen failed: EACCES"); }));
    CHECK(has(h.read("reind.log"), "port " + p + " needs root or CAP_NET_BIND_SERVICE"));
    CHECK(http_get(port).empty());
    REQUIRE(h.rein({"delete", "low"}).code == 0);

    // The same app as root gets it.
    REQUIRE(h.rein({"start",
                    h.ecosystem({server("root", "node", "http_server.js", p, {"instances: 2"})},
                                "root.yaml")})
                .code == 0);
    REQUIRE(h.wait_status("root", "online", 2));
    CHECK(wait_until([&] { return !http_get(port).empty(); }));
}

TEST_CASE("bind hand-off: fork mode and bind_handoff: false get no preload") {
    if (!on_path("node")) return;
    Home h;
    int port = free_port();
    REQUIRE(
        h.rein({"start",
                h.ecosystem({server("single", "node", "http_server.js", std::to_string(port)),
                             server("off", "node", "http_server.js", std::to_string(free_port()),
                                    {"instances: 2", "bind_handoff: false"})})})
            .code == 0);
    REQUIRE(h.wait_status("single", "online", 1));
    REQUIRE(h.rows("single")[0]["exec_mode"] == "fork");
    CHECK(wait_until([&] { return pids_of(h, "single").count(http_get(port)) == 1; }));
    std::vector<nlohmann::json> rows = h.rows("single");
    for (const auto& r : h.rows("off")) rows.push_back(r);
    for (const auto& r : rows) {
        if (r["pid"].is_null()) continue;
        std::string env = environ_of(r["pid"].get<int>());
        CHECK_FALSE(has(env, "librein-bind.so"));
        CHECK_FALSE(has(env, "REIN_BIND_SOCKET="));
    }
}

TEST_CASE("bind hand-off: a Unix socket path is shared and removed with the app") {
    if (!on_path("node")) return;
    Home h;
    std::string path = h.path("web.sock");
    REQUIRE(h.rein({"start", h.ecosystem({server("unix", "node", "http_server.js", path,
                                                 {"instances: 2"})})})
                .code == 0);
    REQUIRE(h.wait_status("unix", "online", 2));
    CHECK_FALSE(unstable_within(h, "unix", 1000));
    std::set<std::string> seen;
    for (int i = 0; i < 2000 && seen.size() < 2; ++i) seen.insert(http_get(0, path));
    CHECK(seen == pids_of(h, "unix"));
    REQUIRE(h.rein({"delete", "unix"}).code == 0);
    CHECK(access(path.c_str(), F_OK) != 0);
}

TEST_CASE("sockets close when no instance serves and come back on start (both kinds)") {
    if (!on_path("node")) return;
    Home h;
    int handed = free_port(), listened = free_port();
    REQUIRE(h.rein({"start", h.ecosystem({server("web", "node", "http_server.js",
                                                 std::to_string(handed), {"instances: 2"}),
                                          "  - name: c\n    script: " REIN_HTTP_BIN
                                          "\n    instances: 2\n    listen: '127.0.0.1:" +
                                              std::to_string(listened) + "'\n"})})
                .code == 0);
    REQUIRE(h.wait_status("web", "online", 2));
    REQUIRE(h.wait_status("c", "online", 2));
    REQUIRE(wait_until([&] { return !http_get(handed).empty(); }));
    CHECK(!http_get(listened).empty());
    Run d = h.rein({"describe", "web"});
    CHECK(has(d.out, "127.0.0.1:" + std::to_string(handed) + " (bind hand-off)"));
    CHECK(
        has(h.rein({"describe", "c"}).out, "127.0.0.1:" + std::to_string(listened) + " (listen)"));

    REQUIRE(h.rein({"stop", "all"}).code == 0);
    // Refused at once, not left waiting in a backlog nobody reads.
    CHECK(wait_until([&] { return refused(handed) && refused(listened); }));
    CHECK(has(h.rein({"describe", "c"}).out, "none (no instance serves)"));

    REQUIRE(h.rein({"start", "all"}).code == 0);
    CHECK(wait_until([&] { return !http_get(handed).empty(); }));
    CHECK(wait_until([&] { return !http_get(listened).empty(); }));
}

TEST_CASE("bind hand-off: sockets are carried across rein update, a new instance gets them") {
    if (!on_path("node")) return;
    Home h;
    int port = free_port();
    REQUIRE(h.rein({"start", h.ecosystem({server("web", "node", "http_server.js",
                                                 std::to_string(port), {"instances: 2"})})})
                .code == 0);
    REQUIRE(h.wait_status("web", "online", 2));
    REQUIRE(wait_until([&] { return !http_get(port).empty(); }));
    REQUIRE(h.rein({"update"}).code == 0);
    CHECK(has(h.rein({"describe", "web"}).out,
              "127.0.0.1:" + std::to_string(port) + " (bind hand-off)"));
    REQUIRE(h.rein({"scale", "web", "3"}).code == 0);
    REQUIRE(h.wait_status("web", "online", 3));
    CHECK_FALSE(unstable_within(h, "web", 2000));
    CHECK_FALSE(has(h.read("reind.log"), "refused"));
    std::set<std::string> seen;
    auto pids = pids_of(h, "web");
    for (int i = 0; i < 3000 && seen.size() < 3; ++i) seen.insert(http_get(port));
    CHECK(seen == pids);
}

TEST_CASE("sockets close when the instances waiting to restart are stopped") {
    Home h;
    int port = free_port();
    REQUIRE(
        h.rein({"start",
                h.ecosystem({fixture_app("crash", {"exit", "1"},
                                         {"instances: 2", "restart_delay: 60s",
                                          "listen: '127.0.0.1:" + std::to_string(port) + "'"})})})
            .code == 0);
    REQUIRE(h.wait_status("crash", "waiting_restart", 2));
    CHECK_FALSE(refused(port)); // held for the restart: connections wait in the backlog
    REQUIRE(h.rein({"stop", "crash"}).code == 0);
    CHECK(wait_until([&] { return refused(port); }));
}
