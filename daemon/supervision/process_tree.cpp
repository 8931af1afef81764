#include "daemon/supervision/process_tree.hpp"
#include "daemon/supervision/proc_state.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <set>
#include <unistd.h>

namespace rein::daemon {

namespace {

// A walk never takes more than this many processes (a fork bomb cannot hold the loop).
constexpr std::size_t k_max_tree = 8192;

} // namespace

std::string read_proc_text(const std::string& path, std::size_t cap) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return {};
    std::string out(cap, '\0');
    std::size_t got = 0;
    while (got < cap) {
        ssize_t n = ::read(fd, out.data() + got, cap - got);
        if (n <= 0) break;
        got += std::size_t(n);
    }
    ::close(fd);
    out.resize(got);
    return out;
}

pid_t parent_of(pid_t pid) {
    return proc_stat(pid).ppid;
}

void children_of(pid_t pid, std::vector<pid_t>& out) {
    std::string dir = "/proc/" + std::to_string(pid) + "/task";
    DIR* d = opendir(dir.c_str());
    if (!d) return;
    while (dirent* e = readdir(d)) {
        if (e->d_name[0] == '.') continue;
        std::string text = read_proc_text(dir + "/" + e->d_name + "/children", 64 * 1024);
        const char* p = text.c_str();
        while (*p) {
            char* end = nullptr;
            long child = std::strtol(p, &end, 10);
            if (end == p) break;
            if (child > 0) out.push_back(pid_t(child));
            p = end;
            while (*p == ' ' || *p == '\n') ++p;
        }
    }
    closedir(d);
}

namespace {

bool has_app_id(pid_t pid, int id) {
    // The environment the process started with: NUL-separated KEY=VALUE entries.
    std::string env = read_proc_text("/proc/" + std::to_string(pid) + "/environ", 256 * 1024);
    std::string want = "REIN_APP_ID=" + std::to_string(id);
    for (std::size_t at = 0; at < env.size();) {
        std::size_t end = env.find('\0', at);
        if (end == std::string::npos) end = env.size();
        if (env.compare(at, end - at, want) == 0) return true;
        at = end + 1;
    }
    return false;
}

std::vector<ProcId> with_descendants(const std::vector<pid_t>& roots) {
    std::vector<pid_t> todo = roots;
    std::vector<ProcId> out;
    std::set<pid_t> seen;
    for (std::size_t i = 0; i < todo.size() && i < k_max_tree; ++i) {
        pid_t pid = todo[i];
        if (!seen.insert(pid).second) continue;
        ProcId p = proc_id_of(pid);
        if (p.start == 0) continue;
        out.push_back(p);
        children_of(pid, todo);
    }
    return out;
}

} // namespace

ProcId proc_id_of(pid_t pid) {
    ProcStat s = proc_stat(pid);
    if (s.state == 0 || s.state == 'Z' || s.state == 'X') return {pid, 0, 0};
    return {pid, s.start, s.pgid};
}

bool still_running(const ProcId& p) {
    return p.pid > 0 && p.start != 0 && proc_id_of(p.pid).start == p.start;
}

void signal_outside_group(const std::vector<ProcId>& procs, pid_t pgid, int sig) {
    for (const auto& p : procs) {
        ProcId now = proc_id_of(p.pid);
        if (now.start == 0 || now.start != p.start || (pgid > 0 && now.pgid == pgid)) continue;
        ::kill(p.pid, sig);
    }
}

std::vector<ProcId> process_tree(pid_t root) {
    if (root <= 0) return {};
    return with_descendants({root});
}

std::vector<ProcId> inherited_processes(int id, const IsMain& is_main) {
    std::vector<pid_t> mine;
    children_of(getpid(), mine);
    std::vector<pid_t> roots;
    for (pid_t child : mine)
        if (!is_main(child) && has_app_id(child, id)) roots.push_back(child);
    return roots.empty() ? std::vector<ProcId>() : with_descendants(roots);
}

std::vector<ProcId> all_inherited(const IsMain& is_main) {
    std::vector<pid_t> mine;
    children_of(getpid(), mine);
    std::vector<pid_t> roots;
    for (pid_t child : mine)
        if (!is_main(child)) roots.push_back(child);
    return roots.empty() ? std::vector<ProcId>() : with_descendants(roots);
}

} // namespace rein::daemon
