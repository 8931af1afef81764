#include "cli/ssh_transport.hpp"

#include "common/shell_split.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace rein::cli {

namespace {

std::optional<HostUrl>& remote_slot() {
    static std::optional<HostUrl> host;
    return host;
}

// The remote command is one string for the remote shell: a path with anything but plain
// characters is single-quoted.
std::string shell_quoted(const std::string& s) {
    if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          "0123456789/._-+,:=") == std::string::npos)
        return s;
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// waitpid() with a deadline: the status, or nullopt while it runs.
std::optional<int> wait_for(pid_t pid, int timeout_ms) {
    for (int waited = 0;; waited += 5) {
        int status = 0;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) return status;
        if (r < 0 && errno != EINTR) return -1;
        if (waited >= timeout_ms) return std::nullopt;
        usleep(5000);
    }
}

} // namespace

void set_remote(const HostUrl& host) {
    remote_slot() = host;
}

const HostUrl* remote() {
    return remote_slot() ? &*remote_slot() : nullptr;
}

std::vector<std::string> ssh_command(const HostUrl& host, const char* rein_ssh,
                                     const char* remote_bin, bool start, bool env) {
    std::vector<std::string> argv;
    if (rein_ssh && *rein_ssh)
        if (auto words = shell_split(rein_ssh); words && !words->empty()) argv = *words;
    if (argv.empty()) argv = {"ssh"};
    if (host.port) argv.insert(argv.end(), {"-p", std::to_string(host.port)});
    argv.push_back(host.user.empty() ? host.host : host.user + "@" + host.host);
    argv.push_back("--");
    std::string command = shell_quoted(remote_bin && *remote_bin ? remote_bin : "rein");
    command += start ? " proxy" : " proxy --no-start";
    if (env) command += " --env";
    argv.push_back(command);
    return argv;
}

SshProcess::SshProcess(SshProcess&& o) noexcept
    : m_pid(std::exchange(o.m_pid, 0)), m_remote(std::exchange(o.m_remote, false)),
      m_label(std::move(o.m_label)), m_status(o.m_status) {}

SshProcess& SshProcess::operator=(SshProcess&& o) noexcept {
    if (this != &o) {
        finish();
        m_pid = std::exchange(o.m_pid, 0);
        m_remote = std::exchange(o.m_remote, false);
        m_label = std::move(o.m_label);
        m_status = o.m_status;
    }
    return *this;
}

int SshProcess::finish() {
    if (m_pid <= 0) return m_status;
    // Our end is closed (or the remote side closed): ssh ends within a round trip. One that
    // does not (a stuck network) is ended, so that rein never leaves it behind.
    auto status = wait_for(m_pid, 2000);
    if (!status) {
        kill(m_pid, SIGTERM);
        status = wait_for(m_pid, 1000);
        if (!status) {
            kill(m_pid, SIGKILL);
            status = wait_for(m_pid, 1000);
        }
    }
    m_pid = 0;
    m_status = status.value_or(-1);
    return m_status;
}

Error SshProcess::ended() {
    const std::string& label = m_label;
    int status = finish();
    if (status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == k_proxy_no_daemon)
        return make_error("no_daemon", "no daemon is running on " + label);
    std::string how =
        status < 0            ? "ended"
        : WIFEXITED(status)   ? "ended with exit status " + std::to_string(WEXITSTATUS(status))
        : WIFSIGNALED(status) ? "was killed by signal " + std::to_string(WTERMSIG(status))
                              : "ended";
    return make_error("failed",
                      "ssh to " + label + " " + how + " before the daemon there answered");
}

Result<std::pair<UniqueFd, SshProcess>> spawn_ssh(const HostUrl& host, bool start, bool env) {
    const auto argv_s =
        ssh_command(host, std::getenv("REIN_SSH"), std::getenv("REIN_REMOTE_BIN"), start, env);
    std::vector<char*> argv;
    for (const auto& a : argv_s) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return make_error("failed", std::string("socketpair: ") + std::strerror(errno));
    UniqueFd ours(sv[0]), theirs(sv[1]);
    // The child reports a failed exec on a pipe that closes on success.
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return make_error("failed", std::string("pipe: ") + std::strerror(errno));
    UniqueFd err_r(p[0]), err_w(p[1]);
    const pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) return make_error("failed", std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
        // A rein killed mid-command takes its ssh along (a follow ended by a signal).
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent) _exit(1);
        dup2(theirs.get(), STDIN_FILENO);
        dup2(theirs.get(), STDOUT_FILENO);
        signal(SIGPIPE, SIG_DFL);
        execvp(argv[0], argv.data());
        int e = errno;
        (void)!write(err_w.get(), &e, sizeof e);
        _exit(127);
    }
    theirs.reset();
    err_w.reset();
    int e = 0;
    if (read(err_r.get(), &e, sizeof e) == ssize_t(sizeof e)) {
        while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {}
        return make_error("failed", "cannot run " + argv_s[0] + " (REIN_SSH) to reach " +
                                        host.label + ": " + std::strerror(e));
    }
    return std::pair{std::move(ours), SshProcess(pid, host.label)};
}

} // namespace rein::cli
