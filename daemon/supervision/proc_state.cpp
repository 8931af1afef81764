#include "daemon/supervision/proc_state.hpp"

#include "daemon/supervision/process_tree.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <string>
#include <sys/syscall.h>
#include <unistd.h>

namespace rein::daemon {

ProcStat proc_stat(pid_t pid) {
    ProcStat out;
    std::string stat = read_proc_text("/proc/" + std::to_string(pid) + "/stat", 1024);
    // The command name may hold spaces and parentheses: fields are counted after the last ')'.
    auto close = stat.rfind(')');
    if (close == std::string::npos || close + 2 >= stat.size()) return out;
    const char* p = stat.c_str() + close + 2; // field 3, the state
    char state = *p;
    for (int field = 3; p && field <= 52; ++field) {
        if (field == 4) out.ppid = pid_t(std::strtol(p, nullptr, 10));
        if (field == 5) out.pgid = pid_t(std::strtol(p, nullptr, 10));
        if (field == 22) out.start = std::strtoull(p, nullptr, 10);
        if (field == 52) out.status = int(std::strtol(p, nullptr, 10));
        p = std::strchr(p, ' ');
        if (p) ++p;
    }
    out.state = state;
    if (state != 'Z' && state != 'X') out.status.reset();
    return out;
}

std::optional<int> zombie_status(pid_t pid, std::uint64_t start) {
    ProcStat s = proc_stat(pid);
    if (s.start != start) return std::nullopt;
    return s.status;
}

int socket_fd_of(pid_t pid, const std::vector<std::string>& inodes) {
    std::string dir = "/proc/" + std::to_string(pid) + "/fd";
    DIR* d = opendir(dir.c_str());
    if (!d) return -1;
    int found = -1;
    while (dirent* e = readdir(d)) {
        if (e->d_name[0] == '.') continue;
        char target[64];
        ssize_t n = readlink((dir + "/" + e->d_name).c_str(), target, sizeof target - 1);
        if (n <= 0) continue;
        std::string t(target, std::size_t(n));
        for (const auto& inode : inodes)
            if (t == "socket:[" + inode + "]") found = std::atoi(e->d_name);
        if (found >= 0) break;
    }
    closedir(d);
    return found;
}

bool group_running(pid_t pgid) {
    if (pgid <= 0 || (kill(-pgid, 0) != 0 && errno != EPERM)) return false;
    // kill() also succeeds for a group of zombies: look at each member's state.
    DIR* d = opendir("/proc");
    if (!d) return true;
    bool running = false;
    while (dirent* e = readdir(d)) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
        ProcStat s = proc_stat(pid_t(std::atoi(e->d_name)));
        if (s.pgid == pgid && s.state != 0 && s.state != 'Z' && s.state != 'X') {
            running = true;
            break;
        }
    }
    closedir(d);
    return running;
}

UniqueFd open_pidfd(pid_t pid) {
    return UniqueFd(int(syscall(SYS_pidfd_open, pid, 0)));
}

UniqueFd take_fd(int pidfd, int fd) {
    return UniqueFd(int(syscall(SYS_pidfd_getfd, pidfd, fd, 0)));
}

} // namespace rein::daemon
