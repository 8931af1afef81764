#include "daemon/supervision/proc_stats.hpp"

#include "daemon/supervision/process_tree.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <vector>

namespace rein::daemon {

namespace {

long page_size() {
    static long ps = sysconf(_SC_PAGESIZE);
    return ps;
}

// Reads a small /proc file into buf; returns bytes read (0 when it is gone).
std::size_t read_small(const char* path, char* buf, std::size_t cap) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, cap - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = '\0';
    return std::size_t(n);
}

void add_one(pid_t pid, ProcSample& s) {
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    if (!read_small(path, buf, sizeof buf)) return;
    // Fields after the command name, which may itself hold spaces and parentheses.
    char* p = strrchr(buf, ')');
    if (!p) return;
    p += 2; // field 3 (state) starts here
    unsigned long long utime = 0, stime = 0;
    long long rss = 0;
    int field = 3;
    for (char* tok = strtok(p, " "); tok; tok = strtok(nullptr, " "), ++field) {
        if (field == 14)
            utime = strtoull(tok, nullptr, 10);
        else if (field == 15)
            stime = strtoull(tok, nullptr, 10);
        else if (field == 24) {
            rss = strtoll(tok, nullptr, 10);
            break;
        }
    }
    s.cpu_ticks += utime + stime;
    if (rss > 0) s.rss_bytes += std::uint64_t(rss) * std::uint64_t(page_size());
}

} // namespace

ProcSample sample_tree(pid_t pid) {
    ProcSample s;
    if (pid <= 0) return s;
    std::vector<pid_t> todo{pid};
    // Bounded: a fork bomb cannot make one sample walk forever.
    for (std::size_t i = 0; i < todo.size() && i < 4096; ++i) {
        add_one(todo[i], s);
        children_of(todo[i], todo);
    }
    return s;
}

} // namespace rein::daemon
