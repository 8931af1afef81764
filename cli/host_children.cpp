#include "cli/host_children.hpp"

#include "common/files.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace rein::cli {

HostChild spawn_for_host(const HostUrl& host, const std::vector<std::string>& argv) {
    HostChild child;
    child.host = &host;
    std::string self = executable_path();
    if (self.empty()) self = "/proc/self/exe";
    std::vector<char*> args{const_cast<char*>(self.c_str())};
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const std::string url = "ssh://" + host.label;
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return child;
    const pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        // A parent killed (Ctrl-C on a `logs` follow, a test's kill) takes its children along.
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent) _exit(1);
        dup2(p[1], STDOUT_FILENO);
        setenv("REIN_HOST", url.c_str(), 1);
        unsetenv("REIN_HOSTS_FILE");
        execv(args[0], args.data());
        _exit(127);
    }
    close(p[1]);
    if (pid < 0) {
        close(p[0]);
        return child;
    }
    child.pid = pid;
    child.out = p[0];
    return child;
}

void drain_children(std::vector<HostChild>& children,
                    const std::function<void(const HostChild&, const std::string&)>& on_line) {
    for (;;) {
        std::vector<pollfd> fds;
        std::vector<HostChild*> owners;
        for (auto& c : children)
            if (c.out >= 0) {
                fds.push_back({c.out, POLLIN, 0});
                owners.push_back(&c);
            }
        if (fds.empty()) break;
        if (poll(fds.data(), fds.size(), -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (std::size_t i = 0; i < fds.size(); ++i) {
            if (!fds[i].revents) continue;
            HostChild& c = *owners[i];
            char buf[64 * 1024];
            ssize_t n = read(c.out, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n > 0) c.pending.append(buf, std::size_t(n));
            for (std::size_t nl; (nl = c.pending.find('\n')) != std::string::npos;) {
                on_line(c, c.pending.substr(0, nl));
                c.pending.erase(0, nl + 1);
            }
            if (n <= 0) {
                if (!c.pending.empty()) on_line(c, c.pending);
                c.pending.clear();
                close(c.out);
                c.out = -1;
            }
        }
    }
    for (auto& c : children) {
        if (c.pid <= 0) {
            c.status = 1;
            continue;
        }
        int status = 0;
        while (waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {}
        c.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
}

} // namespace rein::cli
