#include "harness.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <poll.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace rein::test {

namespace {

// Set when any assertion of the current test case failed: its home is kept for the post-mortem.
bool g_failed = false;

struct FailureListener : doctest::IReporter {
    explicit FailureListener(const doctest::ContextOptions&) {}
    void report_query(const doctest::QueryData&) override {}
    void test_run_start() override {}
    void test_run_end(const doctest::TestRunStats&) override {}
    void test_case_start(const doctest::TestCaseData&) override { g_failed = false; }
    void test_case_reenter(const doctest::TestCaseData&) override {}
    void test_case_end(const doctest::CurrentTestCaseStats&) override {}
    void test_case_exception(const doctest::TestCaseException&) override { g_failed = true; }
    void subcase_start(const doctest::SubcaseSignature&) override {}
    void subcase_end() override {}
    void log_assert(const doctest::AssertData& ad) override {
        if (ad.m_failed) g_failed = true;
    }
    void log_message(const doctest::MessageData&) override {}
    void test_case_skipped(const doctest::TestCaseData&) override {}
};
REGISTER_LISTENER("rein-failures", 1, FailureListener);

} // namespace

bool wait_until(const std::function<bool()>& pred, int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    int interval_ms = 2; // the poll interval (not a synchronisation): grows to 100 ms
    for (;;) {
        if (pred()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
        interval_ms = std::min(interval_ms * 2, 100);
    }
}

bool alive(pid_t pid) {
    if (pid <= 0) return false;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return false;
    auto close = line.rfind(')');
    return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

std::string fixture() {
    return REIN_FIXTURE_BIN;
}

std::string slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

std::string environ_of(pid_t pid) {
    std::string env = slurp("/proc/" + std::to_string(pid) + "/environ");
    for (char& c : env)
        if (c == '\0') c = '\n';
    return env;
}

std::string fixture_app(const std::string& name, const std::vector<std::string>& actions,
                        const std::vector<std::string>& extra) {
    std::string s = "  - name: " + name + "\n    script: " + fixture() + "\n";
    s += "    args: " + nlohmann::json(actions).dump() + "\n";
    for (const auto& line : extra) s += "    " + line + "\n";
    return s;
}

std::string Home::ecosystem(const std::vector<std::string>& apps, const std::string& name) const {
    std::string text = "apps:\n";
    for (const auto& a : apps) text += a;
    return write(name, text);
}

Home::Home() {
    char tmpl[] = "/tmp/rt.XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    m_dir = tmpl;
}

Home::~Home() {
    rein({"kill"});
    if (pid_t d = daemon_pid(); alive(d)) kill(d, SIGKILL);
    // A daemon killed by the test leaves its rein-holder running, as it should.
    if (pid_t h = holder_pid(); alive(h)) kill(h, SIGKILL);
    for (pid_t p : m_seen)
        if (alive(p)) kill(-p, SIGKILL), kill(p, SIGKILL);
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(m_dir, ec)) {
        std::string name = entry.path().filename().string();
        if (name.rfind("sanitizer.", 0) != 0) continue;
        std::string report = "sanitizer report " + name + ":\n" + slurp(entry.path().string());
        FAIL_CHECK(report);
        g_failed = true;
    }
    if (g_failed) {
        MESSAGE("kept REIN_HOME for the post-mortem: " << m_dir);
    } else {
        std::filesystem::remove_all(m_dir, ec);
    }
}

pid_t Home::spawn_rein(const std::vector<std::string>& args,
                       const std::vector<std::string>& extra_env, const std::string& cwd, int out,
                       int err) const {
    // The test's environment, then REIN_HOME, then extra_env: a later KEY= replaces an earlier.
    std::vector<std::string> env;
    auto put = [&env](const std::string& kv) {
        std::string key = kv.substr(0, kv.find('=') + 1);
        std::erase_if(env,
                      [&](const std::string& e) { return e.compare(0, key.size(), key) == 0; });
        env.push_back(kv);
    };
    for (char** e = environ; *e; ++e) put(*e);
    put("REIN_HOME=" + m_dir);
    // In the sanitizer build, reports of rein, the detached reind and the fixture apps (whose
    // stderr is not the test's) go to files in the home, which ~Home turns into failures.
    for (const char* var : {"ASAN_OPTIONS", "UBSAN_OPTIONS"}) {
        const char* old = std::getenv(var);
        put(std::string(var) + "=" + (old && *old ? std::string(old) + ":" : "") +
            "log_path=" + sanitizer_log_prefix() + ":print_stacktrace=1");
    }
    for (const auto& kv : extra_env) put(kv);
    std::vector<std::string> argv = {REIN_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargv, cenv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    for (auto& e : env) cenv.push_back(e.data());
    cenv.push_back(nullptr);

    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        dup2(out, 1);
        dup2(err, 2);
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
        execve(cargv[0], cargv.data(), cenv.data());
        _exit(127);
    }
    return pid;
}

Run Home::rein(const std::vector<std::string>& args, const std::vector<std::string>& extra_env,
               const std::string& cwd) const {
    int out[2], err[2];
    REQUIRE(pipe2(out, O_CLOEXEC) == 0);
    REQUIRE(pipe2(err, O_CLOEXEC) == 0);
    pid_t pid = spawn_rein(args, extra_env, cwd, out[1], err[1]);
    close(out[1]);
    close(err[1]);
    Run r;
    pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    int open_fds = 2;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (open_fds > 0 && std::chrono::steady_clock::now() < deadline) {
        if (poll(fds, 2, 1000) <= 0) continue;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
            char buf[65536];
            ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
            if (n > 0) {
                (i == 0 ? r.out : r.err).append(buf, std::size_t(n));
            } else if (n == 0 || errno != EINTR) {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            }
        }
    }
    for (auto& p : fds)
        if (p.fd >= 0) close(p.fd);
    if (open_fds > 0) kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    r.code = open_fds > 0 ? -1 : WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

nlohmann::json Home::jlist() const {
    Run r = rein({"jlist"});
    REQUIRE_MESSAGE(r.code == 0, "jlist failed: " << r.err);
    auto j = nlohmann::json::parse(r.out);
    for (const auto& row : j)
        if (row["pid"].is_number()) m_seen.push_back(row["pid"].get<pid_t>());
    return j;
}

nlohmann::json Home::row(int id) const {
    for (const auto& r : jlist())
        if (r["id"] == id) return r;
    return nullptr;
}

std::vector<nlohmann::json> Home::rows(const std::string& name) const {
    std::vector<nlohmann::json> out;
    for (const auto& r : jlist())
        if (r["name"] == name) out.push_back(r);
    return out;
}

bool Home::wait_status(const std::string& name, const std::string& status, std::size_t count,
                       int timeout_ms) const {
    return wait_until(
        [&] {
            auto rs = rows(name);
            if (rs.size() < count) return false;
            for (const auto& r : rs)
                if (r["status"] != status) return false;
            return true;
        },
        timeout_ms);
}

std::string Home::write(const std::string& name, const std::string& text) const {
    std::string p = path(name);
    std::ofstream(p, std::ios::binary) << text;
    return p;
}

std::string Home::read(const std::string& name) const {
    return slurp(path(name));
}

pid_t Home::daemon_pid() const {
    std::string s = read("reind.pid");
    return s.empty() ? 0 : pid_t(std::stoi(s));
}

pid_t Home::holder_pid() const {
    std::string s = read("holder.pid");
    pid_t pid = s.empty() ? 0 : pid_t(std::atoi(s.c_str()));
    // The pid may be another process's by now: only a rein-holder counts.
    std::string argv0 = slurp("/proc/" + std::to_string(pid) + "/cmdline");
    argv0 = argv0.substr(0, argv0.find('\0'));
    bool holder = std::filesystem::path(argv0).filename() == "rein-holder";
    return pid > 0 && holder ? pid : 0;
}

Background::Background(const Home& home, const std::vector<std::string>& args)
    : Background(home, args, {}) {}

Background::Background(const Home& home, const std::vector<std::string>& args,
                       const std::vector<std::string>& extra_env) {
    int out[2];
    REQUIRE(pipe2(out, O_CLOEXEC) == 0);
    int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    m_pid = home.spawn_rein(args, extra_env, "", out[1], devnull);
    close(out[1]);
    close(devnull);
    m_out = out[0];
}

Background::~Background() {
    kill(m_pid, SIGKILL);
    int status = 0;
    while (waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {}
    close(m_out);
}

bool Background::read_until(const std::function<bool(const std::string&)>& pred, int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!pred(m_text)) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pollfd p{m_out, POLLIN, 0};
        if (poll(&p, 1, int(left.count())) <= 0) continue;
        char buf[65536];
        ssize_t n = ::read(m_out, buf, sizeof buf);
        if (n <= 0) return pred(m_text);
        m_text.append(buf, std::size_t(n));
    }
    return true;
}

int Home::connect_raw() const {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::string p = path("rein.sock");
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", p.c_str());
    REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    timeval tv{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

std::string read_line(int fd) {
    std::string line;
    char c;
    while (read(fd, &c, 1) == 1) {
        if (c == '\n') return line;
        line += c;
    }
    return line;
}

void send_all(int fd, const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
        ssize_t n = send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
        if (n <= 0) return; // the daemon may close on us mid-way: that is allowed
        off += std::size_t(n);
    }
}

std::string find_pm2() {
    if (const char* p = std::getenv("REIN_TEST_PM2"); p && *p) return p;
    std::string cached = REIN_SOURCE_DIR "/bench/.cache/pm2/node_modules/.bin/pm2";
    if (access(cached.c_str(), X_OK) == 0) return cached;
    // A PM2 installed globally (npm install -g pm2) will do as well.
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "";
    for (std::size_t start = 0; start < dirs.size();) {
        std::size_t end = std::min(dirs.find(':', start), dirs.size());
        std::string candidate = dirs.substr(start, end - start) + "/pm2";
        if (end > start && access(candidate.c_str(), X_OK) == 0) return candidate;
        start = end + 1;
    }
    return "";
}

} // namespace rein::test
