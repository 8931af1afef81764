// reind's /metrics (REIN_METRICS, reind --metrics) and `rein metrics`: the values follow what
// the apps do, the endpoint never holds up the daemon, and `rein update` keeps it.
#include "harness.hpp"
#include "metrics_scrape.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <cstdlib>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace rein::test;

namespace {

const std::vector<std::string> k_any_port = {"REIN_METRICS=127.0.0.1:0"};
const std::string k_fx = R"({app="fx",namespace="default",id="0",index="0")";

// The value of `name` for instance 0 of fx, with `more` labels after the four of every instance.
std::optional<double> fx(const std::string& text, const std::string& name,
                         const std::string& more = "") {
    return sample(text, name + k_fx + more + "}");
}

bool has_value(int port, const std::string& name, double want, const std::string& more = "") {
    auto v = fx(scrape(port).body, name, more);
    return v && *v == want;
}

} // namespace

TEST_CASE("metrics: restarts, exit code, memory limit, log lines and control requests") {
    Home h;
    std::string eco = h.ecosystem({fixture_app("fx", {"print", "7", "eprint", "oops"},
                                               {"max_memory_restart: 200M", "min_uptime: 100"})});
    REQUIRE(h.rein({"start", eco}, k_any_port).code == 0);
    int port = metrics_port(h);
    REQUIRE(port > 0);

    // Lines count once the daemon has written them.
    REQUIRE(wait_until(
        [&] { return has_value(port, "rein_instance_log_lines_total", 7, R"(,stream="out")"); }));
    std::string text = scrape(port).body;
    CHECK(fx(text, "rein_instance_log_lines_total", R"(,stream="err")") == 1.0);
    CHECK(fx(text, "rein_instance_log_bytes_total", R"(,stream="err")") == 5.0); // "oops\n"
    for (const char* s : {R"(,stream="out")", R"(,stream="err")"}) {
        CHECK(fx(text, "rein_instance_log_dropped_lines_total", s) == 0.0);
        CHECK(fx(text, "rein_instance_log_dropped_bytes_total", s) == 0.0);
    }
    CHECK(fx(text, "rein_instance_memory_limit_bytes") == 200.0 * 1024 * 1024);
    CHECK(fx(text, "rein_instance_up") == 1.0);
    CHECK(fx(text, "rein_instance_status", R"(,status="online")") == 1.0);
    CHECK(fx(text, "rein_instance_status", R"(,status="stopped")") == 0.0);
    CHECK(!fx(text, "rein_instance_last_exit_code")); // no run has ended yet
    CHECK(fx(text, "rein_instance_restarts_total") == 0.0);
    CHECK(has(text, "rein_instance_info" + k_fx + ",pid=\"" +
                        std::to_string(h.row(0)["pid"].get<int>()) + "\""));
    CHECK(sample(text, "rein_apps") == 1.0);
    CHECK(sample(text, R"(rein_instances{status="online"})") == 1.0);
    CHECK(sample(text, R"(rein_instances{status="errored"})") == 0.0);

    // Every control request counts, by command; a scrape is none.
    auto pings = [&] {
        return sample(scrape(port).body, R"(rein_control_requests_total{command="ping"})");
    };
    auto before = pings();
    REQUIRE(before);
    CHECK(h.rein({"ping"}).code == 0);
    CHECK(pings() == *before + 1);
    int raw = h.connect_raw();
    send_all(raw, "{\"id\":1,\"cmd\":\"frobnicate\"}\n");
    CHECK(has(read_line(raw), "unknown_command"));
    close(raw);
    CHECK(sample(scrape(port).body, R"(rein_control_requests_total{command="unknown"})") == 1.0);

    // A crash: restarts 0 -> 1, the exit code of the signal, a restart measured as a crash.
    pid_t pid = h.row(0)["pid"].get<int>();
    REQUIRE(kill(pid, SIGKILL) == 0);
    REQUIRE(wait_until([&] { return has_value(port, "rein_instance_restarts_total", 1); }));
    REQUIRE(wait_until([&] { return has_value(port, "rein_instance_up", 1); }));
    text = scrape(port).body;
    CHECK(fx(text, "rein_instance_last_exit_code") == 137.0);
    CHECK(sample(text, R"(rein_restart_duration_seconds_count{app="fx",trigger="crash"})") == 1.0);
    CHECK(
        has(text, R"(rein_restart_duration_seconds_bucket{app="fx",trigger="crash",le="+Inf"} 1)"));

    // A manual restart is measured apart; a reload is one observation of its own family.
    REQUIRE(h.rein({"restart", "fx"}).code == 0);
    REQUIRE(wait_until([&] {
        return sample(scrape(port).body,
                      R"(rein_restart_duration_seconds_count{app="fx",trigger="manual"})") == 1.0;
    }));
    REQUIRE(h.rein({"reload", "fx"}).code == 0);
    text = scrape(port).body;
    CHECK(sample(text, R"(rein_reload_duration_seconds_count{app="fx"})") == 1.0);
    CHECK(fx(text, "rein_instance_restarts_total") >= 2.0);

    // Stopped instances stay listed, down.
    REQUIRE(h.rein({"stop", "fx"}).code == 0);
    text = scrape(port).body;
    CHECK(fx(text, "rein_instance_up") == 0.0);
    CHECK(fx(text, "rein_instance_uptime_seconds") == 0.0);
    CHECK(fx(text, "rein_instance_status", R"(,status="stopped")") == 1.0);
    CHECK(!fx(text, "rein_instance_start_time_seconds"));
}

TEST_CASE("metrics: the HTTP side: 404, 405, a pointer at /, HEAD, the content type") {
    Home h;
    REQUIRE(h.rein({"ping"}, k_any_port).code == 0);
    int port = metrics_port(h);
    REQUIRE(port > 0);
    Scrape ok = scrape(port);
    CHECK(ok.status == 200);
    CHECK(has(ok.head, "Content-Type: text/plain; version=0.0.4; charset=utf-8"));
    CHECK(has(ok.head, "Connection: close"));
    CHECK(has(ok.body, "# TYPE rein_build_info gauge"));
    CHECK(scrape(port, "/nope").status == 404);
    CHECK(scrape(port, "/metrics?x=1").status == 200);
    Scrape root = scrape(port, "/");
    CHECK(root.status == 200);
    CHECK(has(root.body, "/metrics"));
    CHECK(http_raw(port, "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n").status == 405);
    Scrape head = http_raw(port, "HEAD /metrics HTTP/1.1\r\n\r\n");
    CHECK(head.status == 200);
    CHECK(head.body.empty());
    // A client that shuts its side down once its request is sent still gets the answer.
    int fd = connect_tcp(port);
    REQUIRE(fd >= 0);
    send_all(fd, "GET /metrics HTTP/1.1\r\n\r\n");
    shutdown(fd, SHUT_WR);
    std::string got;
    char buf[4096];
    for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) got.append(buf, std::size_t(n));
    close(fd);
    CHECK(got.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    // A head over 8 KiB: closed without an answer.
    CHECK(http_raw(port, "GET /metrics HTTP/1.1\r\nX: " + std::string(9000, 'a') + "\r\n\r\n")
              .status == 0);
}

TEST_CASE("metrics: clients that stall do not hold up scrapes or the daemon") {
    Home h;
    REQUIRE(h.rein({"ping"}, k_any_port).code == 0);
    int port = metrics_port(h);
    REQUIRE(port > 0);
    std::vector<int> stalled;
    for (int i = 0; i < 5; ++i) {
        int fd = connect_tcp(port);
        REQUIRE(fd >= 0);
        send_all(fd, "GET /metr");
        stalled.push_back(fd);
    }
    CHECK(scrape(port).status == 200);
    Run ping = h.rein({"ping"});
    CHECK(ping.code == 0);
    CHECK(has(ping.out, "pong"));
    // The half request is closed after 5 s.
    char c;
    timeval tv{10, 0};
    setsockopt(stalled[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    CHECK(read(stalled[0], &c, 1) == 0);
    for (int fd : stalled) close(fd);
}

TEST_CASE("metrics: rein metrics prints the families of /metrics, endpoint on or off") {
    Home h;
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("fx", {})})}, k_any_port).code == 0);
    int port = metrics_port(h);
    REQUIRE(port > 0);
    Run printed = h.rein({"metrics"});
    REQUIRE(printed.code == 0);
    CHECK(families(printed.out) == families(scrape(port).body));
    CHECK(has(printed.out, "rein_instance_up" + k_fx + "} 1\n"));

    Home off; // no endpoint: rein metrics still answers, ping says nothing of metrics
    Run quiet = off.rein({"metrics"});
    CHECK(quiet.code == 0);
    CHECK(has(quiet.out, "# TYPE rein_apps gauge"));
    CHECK(metrics_line(off).empty());
}

TEST_CASE("metrics: a Unix socket address, mode 0600") {
    Home h;
    std::string sock = h.path("m.sock");
    REQUIRE(h.rein({"ping"}, {"REIN_METRICS=unix:" + sock}).code == 0);
    CHECK(metrics_line(h) == "unix:" + sock);
    struct stat st {};
    REQUIRE(stat(sock.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    Scrape s = scrape(0, "/metrics", sock);
    CHECK(s.status == 200);
    CHECK(has(s.body, "rein_apps 0\n"));
}

TEST_CASE("metrics: a bad REIN_METRICS is one clear error and no daemon") {
    Home h;
    Run r = h.rein({"ping"}, {"REIN_METRICS=localhost:http"});
    CHECK(r.code != 0);
    CHECK(has(r.err, "REIN_METRICS"));
    CHECK(has(r.err, "'localhost:http'"));
    // reind's sentence, then rein's pointer to it: the value is named once.
    CHECK(r.err.find("localhost:http") == r.err.rfind("localhost:http"));
    CHECK(h.daemon_pid() == 0);
    // `off` is no endpoint, and the daemon starts.
    Run off = h.rein({"ping"}, {"REIN_METRICS=off"});
    CHECK(off.code == 0);
    CHECK(!has(off.out, "metrics:"));
}

TEST_CASE("metrics: reind --metrics wins over REIN_METRICS") {
    Home h;
    std::string sock = h.path("f.sock"), err = h.path("reind.err");
    // reind detaches and returns once it serves (or with its one sentence on stderr).
    auto reind = [&](const std::string& flag) {
        return std::system(("REIN_HOME=" + h.dir() +
                            " REIN_METRICS=127.0.0.1:0 " REIND_BIN " --metrics " + flag + " 2>" +
                            err)
                               .c_str());
    };
    REQUIRE(reind("unix:" + sock) == 0);
    CHECK(metrics_line(h) == "unix:" + sock);
    CHECK(scrape(0, "/metrics", sock).status == 200);
    REQUIRE(h.rein({"kill"}).code == 0);
    CHECK(reind("127.0.0.1:99999") != 0);
    CHECK(has(slurp(err), "reind: --metrics: metrics address '127.0.0.1:99999' is not valid"));
    CHECK(reind("off") == 0); // off wins over the environment's address too
    CHECK(metrics_line(h).empty());
}

TEST_CASE("metrics: rein update serves on the same port") {
    Home h;
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("fx", {})})}, k_any_port).code == 0);
    int port = metrics_port(h);
    REQUIRE(port > 0);
    pid_t daemon = h.daemon_pid();
    REQUIRE(h.rein({"update"}).code == 0);
    CHECK(h.daemon_pid() == daemon);
    CHECK(metrics_port(h) == port);
    Scrape s = scrape(port);
    CHECK(s.status == 200);
    CHECK(fx(s.body, "rein_instance_up") == 1.0);
}

TEST_CASE("metrics: promtool check metrics passes, no lint warning") {
    if (access("/usr/bin/promtool", X_OK) != 0) {
        MESSAGE("skipped: /usr/bin/promtool is not installed (Debian package prometheus)");
        return;
    }
    Home h;
    REQUIRE(
        h.rein({"start",
                h.ecosystem({fixture_app("fx", {"print", "3"}, {"max_memory_restart: 50M"}),
                             fixture_app("we\"ird\\app", {"exit", "3"}, {"autorestart: false"})})})
            .code == 0);
    REQUIRE(h.wait_status("we\"ird\\app", "stopped"));
    REQUIRE(h.rein({"restart", "fx"}).code == 0);
    std::string file = h.path("m.txt");
    Run r = h.rein({"metrics"});
    REQUIRE(r.code == 0);
    h.write("m.txt", r.out);
    std::string out = h.path("promtool.out");
    int rc =
        std::system(("/usr/bin/promtool check metrics < " + file + " > " + out + " 2>&1").c_str());
    INFO(slurp(out));
    CHECK(rc == 0);
    CHECK(slurp(out).empty());
}
