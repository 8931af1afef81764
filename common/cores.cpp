#include "common/cores.hpp"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <string>

namespace rein {

namespace {

bool parse_int64(std::string_view s, long long& out) {
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && end == s.data() + s.size();
}

std::string read_small_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) return {};
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// The process's cgroup v2 path ("/system.slice/x.service") from /proc/self/cgroup's "0::" line.
std::string own_cgroup() {
    std::ifstream in("/proc/self/cgroup");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("0::", 0) == 0) return line.substr(3);
    return {};
}

} // namespace

int cores_from(int affinity_count, std::string_view cpu_max_contents) {
    int cores = std::max(affinity_count, 1);
    // Format: "$MAX $PERIOD" where $MAX is "max" or a quota in µs per period.
    while (!cpu_max_contents.empty() &&
           (cpu_max_contents.back() == '\n' || cpu_max_contents.back() == ' '))
        cpu_max_contents.remove_suffix(1);
    const auto space = cpu_max_contents.find(' ');
    if (space == std::string_view::npos) return cores;
    long long quota = 0;
    long long period = 0;
    if (!parse_int64(cpu_max_contents.substr(0, space), quota) ||
        !parse_int64(cpu_max_contents.substr(space + 1), period) || quota <= 0 || period <= 0)
        return cores;                                            // "max" or garbage: no quota
    const long long quota_cores = (quota + period - 1) / period; // ceil: 1.5 CPUs can run 2
    if (quota_cores < cores) cores = static_cast<int>(quota_cores);
    return std::max(cores, 1);
}

int usable_cores() {
    int cores = 0;
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0) cores = CPU_COUNT(&set);
    if (cores <= 0) cores = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
    // A quota anywhere up the hierarchy limits us; inside a container /sys/fs/cgroup is the
    // container's own cgroup, so the walk ends there.
    std::string cgroup = own_cgroup();
    while (true) {
        const std::string dir = cgroup.empty() || cgroup == "/" ? "" : cgroup;
        cores = cores_from(cores, read_small_file("/sys/fs/cgroup" + dir + "/cpu.max"));
        if (dir.empty()) break;
        const auto slash = cgroup.rfind('/');
        cgroup.erase(slash == std::string::npos ? 0 : slash);
    }
    return std::max(cores, 1);
}

} // namespace rein
