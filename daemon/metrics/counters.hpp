#pragma once
// What the daemon counts for /metrics beyond the state it keeps anyway: a few plain structs
// the control server, the supervisor and the reload handler increment. Nothing here reads or
// writes a file; collect.cpp turns them into the exposition. They start from zero with each
// daemon image (rein update included).
#include "daemon/metrics/histogram.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <utility>

namespace rein::daemon::metrics {

/// What caused a restart (the `trigger` label of rein_restart_duration_seconds).
enum class Trigger { none, manual, crash, memory, watch, cron };

/// The label value of a trigger ("manual", ...).
const char* to_string(Trigger t);

/// Per instance, kept in its registry record.
struct InstanceCounters {
    std::uint64_t cpu_ticks_total = 0;         ///< CPU ticks of every run, summed at each sample
    std::uint64_t unstable_restarts_total = 0; ///< runs shorter than min_uptime, ever
    int last_exit = -1; ///< exit code of the last run (128+N for signal N); -1: none ended
    Trigger pending = Trigger::none;     ///< a restart under way, observed once online again
    std::int64_t pending_since_mono = 0; ///< when its cause happened
};

/// Lines and bytes of one stream of one instance.
struct StreamCounts {
    std::uint64_t lines = 0, bytes = 0, dropped_lines = 0, dropped_bytes = 0;
};

/// The daemon-wide counters.
struct DaemonCounters {
    std::map<std::string, std::uint64_t, std::less<>> requests;    ///< control requests by cmd
    std::map<std::string, Histogram, std::less<>> reloads;         ///< whole reloads by app
    std::map<std::pair<std::string, Trigger>, Histogram> restarts; ///< by app and trigger
    double last_scrape_seconds = 0; ///< how long building the previous body took
};

/// The daemon's one set of counters.
DaemonCounters& counters();

/// Notes that a restart of `c`'s instance began now for `trigger`. A restart asked for while one
/// waits (a manual restart of a crashed instance) is a new one: its cause replaces the first.
void restart_began(InstanceCounters& c, Trigger trigger);
/// The instance of app `app` is online: observes its pending restart, if any.
void came_online(InstanceCounters& c, const std::string& app);

} // namespace rein::daemon::metrics
