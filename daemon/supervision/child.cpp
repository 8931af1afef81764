#include "daemon/supervision/child.hpp"

#include "common/unique_fd.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

namespace rein::daemon {

namespace {

// Only async-signal-safe calls between fork and exec: write the failure and leave.
[[noreturn]] void child_fail(const char* what, const char* detail) {
    int e = errno;
    const char* prefix = "rein: ";
    (void)!write(2, prefix, strlen(prefix));
    (void)!write(2, what, strlen(what));
    if (detail) {
        (void)!write(2, " ", 1);
        (void)!write(2, detail, strlen(detail));
    }
    const char* sep = ": ";
    (void)!write(2, sep, 2);
    const char* msg = strerror(e);
    (void)!write(2, msg, strlen(msg));
    (void)!write(2, "\n", 1);
    _exit(127);
}

// The RLIMIT_NOFILE soft limit apps get (the daemon's own before raise_fd_limit); set once at
// start, read by forked children (no allocation, setrlimit is async-signal-safe).
bool g_app_nofile_set = false;
rlim_t g_app_nofile = 0;

std::vector<char*> c_strings(const std::vector<std::string>& v) {
    std::vector<char*> out;
    out.reserve(v.size() + 1);
    for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

} // namespace

std::string find_executable(const std::string& name, const std::string& path) {
    if (name.find('/') != std::string::npos) return name;
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t end = path.find(':', start);
        if (end == std::string::npos) end = path.size();
        std::string dir = path.substr(start, end - start);
        std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
        if (access(candidate.c_str(), X_OK) == 0) return candidate;
        start = end + 1;
    }
    return name;
}

bool is_resource_shortage(int err) {
    return err == EMFILE || err == ENFILE || err == EAGAIN || err == ENOMEM || err == ENOBUFS;
}

void raise_fd_limit(bool inherited) {
    constexpr const char* k_var = "REIND_APP_NOFILE";
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
    g_app_nofile = rl.rlim_cur;
    if (const char* kept = std::getenv(k_var); inherited && kept && *kept)
        g_app_nofile = rlim_t(std::strtoull(kept, nullptr, 10));
    g_app_nofile_set = true;
    setenv(k_var, std::to_string(g_app_nofile).c_str(), 1);
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl); // an infinite hard limit is refused: keep what we have
    }
}

Result<pid_t> spawn_process(const SpawnRequest& req) {
    if (req.argv.empty()) return make_error("spawn_failed", "nothing to run");
    std::string path = "/usr/local/bin:/usr/bin:/bin";
    for (const auto& kv : req.env)
        if (kv.rfind("PATH=", 0) == 0) path = kv.substr(5);
    // Everything the child needs is prepared before fork: the child must not allocate.
    std::string program = find_executable(req.argv[0], path);
    auto argv = c_strings(req.argv);
    auto envp = c_strings(req.env);
    // LISTEN_PID's digits are written by the child into this buffer (no allocation there).
    char listen_pid[32] = "LISTEN_PID=";
    if (req.listen_pid) envp.insert(envp.end() - 1, listen_pid);
    // Where the passed fds wait while 3.. is being filled: above every fd they could clash with.
    // The gate travels as one more passed descriptor, the last, so that close_range leaves it.
    std::vector<int> pass = req.pass_fds;
    if (req.gate_fd >= 0) pass.push_back(req.gate_fd);
    int park = 3 + int(pass.size());
    for (int fd : pass) park = std::max(park, fd + 1);

    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        return make_error(is_resource_shortage(e) ? k_resource_shortage : "spawn_failed",
                          std::string("fork: ") + std::strerror(e));
    }
    if (pid > 0) return pid;

    // Child.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int s = 1; s < NSIG; ++s) signal(s, SIG_DFL);
    setsid();
    if (req.listen_pid) {
        char digits[16];
        int n = 0;
        for (unsigned v = unsigned(getpid()); v > 0 || n == 0; v /= 10)
            digits[n++] = char('0' + v % 10);
        char* p = listen_pid + strlen(listen_pid);
        while (n > 0) *p++ = digits[--n];
        *p = '\0';
    }
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull < 0 || dup2(devnull, 0) < 0) child_fail("open", "/dev/null");
    if (req.stdout_fd >= 0 && dup2(req.stdout_fd, 1) < 0) child_fail("dup2", nullptr);
    if (req.stderr_fd >= 0 && dup2(req.stderr_fd, 2) < 0) child_fail("dup2", nullptr);
    // Park every passed fd above the target range, then put each at 3, 4, ... (dup2 clears
    // CLOEXEC on the copy). 0-2 are already in place, so whatever the copies overwrite here is
    // a daemon descriptor the app must not get anyway.
    for (std::size_t i = 0; i < pass.size(); ++i)
        if (dup2(pass[i], park + int(i)) < 0) child_fail("dup2", "a passed descriptor");
    for (std::size_t i = 0; i < pass.size(); ++i)
        if (dup2(park + int(i), 3 + int(i)) < 0) child_fail("dup2", "a passed descriptor");
    // The app gets 0, 1, 2 and its passed fds only: no daemon descriptor leaks, CLOEXEC or not.
    close_range(3 + unsigned(pass.size()), ~0U, 0);
    if (req.gate_fd >= 0) {
        // Every other descriptor is closed by now, the write ends of other gates included: EOF
        // here can only mean that the daemon is gone.
        int gate = 3 + int(req.pass_fds.size());
        char byte = 0;
        ssize_t n;
        while ((n = read(gate, &byte, 1)) < 0 && errno == EINTR) {}
        if (n != 1) _exit(0);
        close(gate);
    }
    // And the descriptor limit the daemon was started with, not the one it raised for itself.
    // Lowering a soft limit cannot fail, nor matter to the hard limit.
    if (g_app_nofile_set) {
        rlimit rl{};
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && g_app_nofile < rl.rlim_cur) {
            rl.rlim_cur = g_app_nofile;
            setrlimit(RLIMIT_NOFILE, &rl);
        }
    }
    if (!req.cwd.empty() && chdir(req.cwd.c_str()) != 0)
        child_fail("cannot enter working directory", req.cwd.c_str());
    // Groups first (they need root), then the gid, then the uid, which drops root for good.
    if (req.uid && setgroups(req.groups.size(), req.groups.data()) != 0 && errno != EPERM)
        child_fail("setgroups", nullptr);
    if (req.gid && setgid(*req.gid) != 0) child_fail("setgid", nullptr);
    if (req.uid && setuid(*req.uid) != 0) child_fail("setuid", nullptr);
    execve(program.c_str(), argv.data(), envp.data());
    child_fail("cannot run", program.c_str());
}

Result<std::string> run_for_output(const std::vector<std::string>& argv, int timeout_ms) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return make_error("failed", std::strerror(errno));
    UniqueFd r(p[0]), w(p[1]);
    SpawnRequest req;
    req.argv = argv;
    req.cwd = "/";
    req.stdout_fd = w.get();
    req.stderr_fd = w.get();
    auto pid = spawn_process(req);
    if (!pid) return make_error("failed", pid.error().message);
    w.reset();
    std::string out;
    bool ended = false;
    for (int left = timeout_ms; left > 0 && out.size() < 64 * 1024;) {
        pollfd pfd{r.get(), POLLIN, 0};
        timespec t0{}, t1{};
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int n = poll(&pfd, 1, left);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        left -= int((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        char buf[4096];
        ssize_t got = read(r.get(), buf, sizeof buf);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            ended = true;
            break;
        }
        out.append(buf, std::size_t(got));
    }
    if (!ended) kill(*pid, SIGKILL);
    int status = 0;
    while (waitpid(*pid, &status, 0) < 0 && errno == EINTR) {}
    if (!ended)
        return make_error("failed", "gave no answer within " + std::to_string(timeout_ms) + " ms");
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return out;
    std::string said = out.substr(0, out.find('\n'));
    return make_error("failed", WIFEXITED(status)
                                    ? "exited with status " + std::to_string(WEXITSTATUS(status)) +
                                          (said.empty() ? "" : " (" + said + ")")
                                    : "was killed by signal " + std::to_string(WTERMSIG(status)));
}

bool signal_group(pid_t pgid, int sig) {
    return pgid > 0 && kill(-pgid, sig) == 0;
}

bool group_alive(pid_t pgid) {
    return pgid > 0 && (kill(-pgid, 0) == 0 || errno == EPERM);
}

} // namespace rein::daemon
