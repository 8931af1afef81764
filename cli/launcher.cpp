// Starts reind on demand: find the binary, serialise concurrent launches, wait until it serves.
#include "cli/client.hpp"
#include "common/files.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <string>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

namespace rein::cli {

namespace {

bool executable(const std::string& p) {
    return !p.empty() && access(p.c_str(), X_OK) == 0;
}

// reind next to this rein, else on PATH, else $REIND (the contract's order).
std::string search_reind() {
    if (std::string self = executable_path(); !self.empty()) {
        std::string dir = self.substr(0, self.rfind('/'));
        if (executable(dir + "/reind")) return dir + "/reind";
    }
    if (const char* path = std::getenv("PATH")) {
        std::string p = path;
        std::size_t start = 0;
        while (start <= p.size()) {
            std::size_t end = p.find(':', start);
            if (end == std::string::npos) end = p.size();
            std::string cand = p.substr(start, end - start) + "/reind";
            if (end > start && executable(cand)) return cand;
            start = end + 1;
        }
    }
    if (const char* env = std::getenv("REIND"); env && executable(env)) return env;
    return {};
}

} // namespace

Result<std::string> find_reind() {
    std::string reind = search_reind();
    if (reind.empty())
        return make_error("failed", "cannot find reind (next to rein, on PATH, or in $REIND)");
    // Absolute: it is also what a unit file or an updating daemon will run, from elsewhere.
    return std::filesystem::absolute(reind).string();
}

namespace {

// Runs `reind` in a session of its own and waits until it says "ready" on a pipe (its socket
// answers) or why it cannot start; returns that complaint. reind does not fork again: it is
// the daemon.
Status run_reind(const std::string& reind) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return make_error("failed", std::string("pipe: ") + std::strerror(errno));
    std::string fd = std::to_string(p[1]);
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return make_error("failed", std::string("fork: ") + std::strerror(errno));
    }
    if (pid == 0) {
        // reind makes it close-on-exec again, so that its apps do not inherit it.
        fcntl(p[1], F_SETFD, 0);
        execl(reind.c_str(), reind.c_str(), "--ready-fd", fd.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    close(p[1]);
    auto got = read_all(p[0], 4096);
    std::string msg = got ? *got : std::string();
    close(p[0]);
    if (msg == "ready\n") return Ok{}; // it runs on as the daemon
    // It ended without serving: reaped here, its reason said.
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {}
    if (!msg.empty()) std::fputs(msg.c_str(), stderr);
    return make_error("failed", "could not start the daemon " + reind + " (see its message above)");
}

} // namespace

UniqueFd lock_launch(const Paths& paths) {
    // The home folder itself is the lock: no file to make (a fresh home's first command pays
    // for every entry made in it).
    UniqueFd lock(open(paths.home.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (lock)
        while (flock(lock.get(), LOCK_EX) != 0 && errno == EINTR) {}
    return lock;
}

Result<Client> connect_or_start(const Paths& paths) {
    if (remote()) return connect_remote(true); // the host's rein proxy starts its daemon
    auto client = Client::connect(paths);
    if (client || client.error().code != "no_daemon") return client;
    if (auto s = ensure_home_dir(paths); !s) return s.error();

    // Concurrent CLIs, and rein run's own daemon: one launches, the others wait for it and then
    // connect.
    UniqueFd lock = lock_launch(paths);
    client = Client::connect(paths);
    if (client || client.error().code != "no_daemon") return client;

    auto reind = find_reind();
    if (!reind) return reind.error();
    auto started = run_reind(*reind);
    client = Client::connect(paths);
    if (!client && !started) return started.error();
    return client;
}

} // namespace rein::cli
