// A real Prometheus server (Debian's package, installed by packaging/deps.sh) scraping reind's
// /metrics, and promtool checking the text. Skipped only when /usr/bin/prometheus is absent.
#include "harness.hpp"
#include "http.hpp"
#include "metrics_scrape.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <regex>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

using namespace rein::test;

namespace {

const char* const kPrometheus = "/usr/bin/prometheus";
const char* const kPromtool = "/usr/bin/promtool";

/// Percent-encodes a query-string value (PromQL has braces, quotes and spaces).
std::string url_encode(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '_' || c == '-' || c == '.' || c == '~') {
            out += char(c);
        } else {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", c);
            out += buf;
        }
    }
    return out;
}

/// One Prometheus server on 127.0.0.1 scraping `target` every second, its config and data in
/// `dir`; killed by pid when the object goes.
class Prometheus {
  public:
    Prometheus(const std::string& dir, const std::string& target) : m_dir(dir) {
        std::filesystem::create_directories(dir);
        write(dir + "/prometheus.yml", "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                                       "scrape_configs:\n  - job_name: rein\n    static_configs:\n"
                                       "      - targets: ['" +
                                           target + "']\n");
        // The port was free a moment ago; another process may take it first: try a few.
        for (int attempt = 0; attempt < 3 && !m_port; ++attempt) start(free_port());
    }
    ~Prometheus() {
        if (m_pid > 0) {
            kill(m_pid, SIGKILL);
            waitpid(m_pid, nullptr, 0);
        }
    }
    Prometheus(const Prometheus&) = delete;
    Prometheus& operator=(const Prometheus&) = delete;

    /// The port of its HTTP API, 0 when it did not come up.
    int port() const { return m_port; }
    /// What it logged (for failure messages).
    std::string log() const { return slurp(m_dir + "/prometheus.log"); }

    /// The result of an instant query: one JSON object per series ({"metric":..., "value":...});
    /// null when the query failed.
    nlohmann::json query(const std::string& expr) const {
        Scrape r = get(m_port, "/api/v1/query?query=" + url_encode(expr));
        auto j = nlohmann::json::parse(r.body, nullptr, false);
        if (j.is_discarded() || j.value("status", "") != "success") return nullptr;
        return j["data"]["result"];
    }
    /// The value of the only series `expr` gives, "" when not exactly one.
    std::string value(const std::string& expr) const {
        auto r = query(expr);
        return r.is_array() && r.size() == 1 ? r[0]["value"][1].get<std::string>() : "";
    }

  private:
    /// GET from its API; Connection: close, as its server would keep the connection open.
    static Scrape get(int port, const std::string& path) {
        return http_raw(port,
                        "GET " + path + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    }

    static void write(const std::string& path, const std::string& text) {
        std::FILE* f = std::fopen(path.c_str(), "w");
        REQUIRE(f);
        std::fputs(text.c_str(), f);
        std::fclose(f);
    }

    void start(int port) {
        std::string listen = "127.0.0.1:" + std::to_string(port);
        std::vector<std::string> args = {kPrometheus, "--config.file=" + m_dir + "/prometheus.yml",
                                         "--storage.tsdb.path=" + m_dir + "/data",
                                         "--web.listen-address=" + listen, "--log.level=warn"};
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        std::string log = m_dir + "/prometheus.log";
        posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        posix_spawn_file_actions_adddup2(&fa, 1, 2);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        pid_t pid = -1;
        int rc = posix_spawn(&pid, kPrometheus, &fa, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&fa);
        REQUIRE(rc == 0);
        m_pid = pid;
        // Ready (its TSDB opened, the API up) or gone (the port was taken): a few seconds.
        bool ready =
            wait_until([&] { return !alive(pid) || get(port, "/-/ready").status == 200; }, 30000);
        if (ready && alive(pid)) {
            m_port = port;
            return;
        }
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        m_pid = -1;
    }

    std::string m_dir;
    pid_t m_pid = -1;
    int m_port = 0;
};

/// `promtool check metrics` of `body`: its exit status and everything it printed.
std::pair<int, std::string> promtool_check(const Home& h, const std::string& body) {
    std::string in = h.write("scrape.txt", body);
    std::string out = h.path("promtool.out");
    int rc = std::system(
        (std::string(kPromtool) + " check metrics < " + in + " > " + out + " 2>&1").c_str());
    return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, h.read("promtool.out")};
}

/// Kills the only instance of `name` with SIGKILL (a crash) and waits until jlist shows it
/// online again with `restarts` restarts.
void crash(const Home& h, const std::string& name, int restarts) {
    auto rows = h.rows(name);
    REQUIRE(rows.size() == 1);
    REQUIRE(kill(rows[0]["pid"].get<pid_t>(), SIGKILL) == 0);
    REQUIRE(wait_until([&] {
        auto r = h.rows(name);
        return r.size() == 1 && r[0]["restarts"] == restarts && r[0]["status"] == "online";
    }));
}

/// Every PromQL query of the Grafana dashboard (panel targets, and the selector of each
/// label_values() variable), with Grafana's variables filled in: every host, namespace and app.
std::vector<std::string> dashboard_queries() {
    auto dash = nlohmann::json::parse(slurp(REIN_SOURCE_DIR "/packaging/grafana/rein.json"));
    std::vector<std::string> out;
    std::vector<nlohmann::json> panels;
    for (const auto& p : dash["panels"]) {
        panels.push_back(p);
        for (const auto& inner : p.value("panels", nlohmann::json::array())) // a collapsed row's
            panels.push_back(inner);
    }
    for (const auto& p : panels)
        for (const auto& t : p.value("targets", nlohmann::json::array())) out.push_back(t["expr"]);
    const std::regex label_values(R"(label_values\((.*), *\w+\))");
    std::smatch m;
    for (const auto& v : dash["templating"]["list"]) {
        std::string q = v["type"] == "query" ? v["query"]["query"].get<std::string>() : "";
        if (std::regex_match(q, m, label_values)) out.push_back(m[1]);
    }
    for (auto& q : out) {
        q = std::regex_replace(q, std::regex(R"(\$__rate_interval|\$__interval)"), "1m");
        q = std::regex_replace(q, std::regex(R"(\$__range)"), "1h");
        q = std::regex_replace(q, std::regex(R"(\$\w+)"), ".*");
    }
    return out;
}

} // namespace

TEST_CASE("a real Prometheus scrapes reind's /metrics and counts an app's crashes") {
    if (access(kPrometheus, X_OK) != 0) {
        MESSAGE("/usr/bin/prometheus is not installed (packaging/deps.sh installs it): skipped");
        return;
    }
    Home h;
    REQUIRE(
        h.rein({"start", h.ecosystem({fixture_app("crashy", {})})}, {"REIN_METRICS=127.0.0.1:0"})
            .code == 0);
    REQUIRE(h.wait_status("crashy", "online"));
    int port = metrics_port(h);
    REQUIRE(port > 0);

    // The exposition itself passes promtool's lint (names, units, HELP/TYPE, histograms).
    std::string body = scrape(port).body;
    REQUIRE(has(body, "rein_instance_restarts_total{"));
    auto [rc, complaints] = promtool_check(h, body);
    INFO("promtool check metrics said: " << complaints);
    CHECK(rc == 0);
    CHECK(complaints.empty());

    Prometheus prom(h.path("prom"), "127.0.0.1:" + std::to_string(port));
    INFO("prometheus log: " << prom.log());
    REQUIRE(prom.port() > 0);
    const std::string expr = R"(rein_instance_restarts_total{app="crashy"})";
    // The first scrape comes once its target discovery settles (about 5 s).
    REQUIRE(wait_until([&] { return prom.value(expr) == "0"; }, 30000));
    // One series with the instance labels of the design, nothing renamed by Prometheus.
    auto series = prom.query(expr)[0]["metric"];
    CHECK(series["namespace"] == "default");
    CHECK(series["index"] == "0");
    CHECK(series["id"] == "0");
    CHECK(!series.contains("exported_instance"));
    CHECK(prom.value(R"(up{job="rein"})") == "1");

    crash(h, "crashy", 1);
    CHECK(wait_until([&] { return prom.value(expr) == "1"; }, 15000));
    crash(h, "crashy", 2);
    CHECK(wait_until([&] { return prom.value(expr) == "2"; }, 15000));
    CHECK(prom.value(R"(increase(rein_instance_restarts_total{app="crashy"}[1m]) > 0)") != "");
}

// tests/packaging/grafana_test.py checks the dashboard's names against `rein metrics`; this runs
// its queries: label matchers, joins (`and on (instance, job)`) and histogram quantiles that
// select nothing would pass that check and draw empty panels.
TEST_CASE("every query of the Grafana dashboard gets data from a real Prometheus") {
    if (access(kPrometheus, X_OK) != 0) {
        MESSAGE("/usr/bin/prometheus is not installed (packaging/deps.sh installs it): skipped");
        return;
    }
    auto queries = dashboard_queries();
    REQUIRE(queries.size() > 20);
    Home h;
    // What the panels show: log lines, a memory limit, two instances, a reload and a restart.
    std::string app =
        fixture_app("web", {"every", "100"}, {"instances: 2", "max_memory_restart: 200M"});
    REQUIRE(h.rein({"start", h.ecosystem({app})}, {"REIN_METRICS=127.0.0.1:0"}).code == 0);
    REQUIRE(h.wait_status("web", "online", 2));
    int port = metrics_port(h);
    REQUIRE(port > 0);
    Prometheus prom(h.path("prom"), "127.0.0.1:" + std::to_string(port));
    INFO("prometheus log: " << prom.log());
    REQUIRE(prom.port() > 0);
    REQUIRE(wait_until([&] { return prom.value(R"(up{job="rein"})") == "1"; }, 30000));
    // After the first scrape, so that increase() over the histograms sees them grow.
    REQUIRE(h.rein({"reload", "web"}).code == 0);
    REQUIRE(h.rein({"restart", "web"}).code == 0);
    REQUIRE(h.wait_status("web", "online", 2));
    std::vector<std::string> empty;
    for (const auto& q : queries) {
        // rate() and increase() need two scrapes after the change: a few seconds at most.
        if (!wait_until([&] { return !prom.query(q).empty(); }, 15000)) empty.push_back(q);
    }
    INFO("queries with no data: " << nlohmann::json(empty).dump(1));
    CHECK(empty.empty());
}
