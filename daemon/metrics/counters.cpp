#include "daemon/metrics/counters.hpp"

#include "daemon/reactor/clock.hpp"

namespace rein::daemon::metrics {

const char* to_string(Trigger t) {
    switch (t) {
    case Trigger::manual:
        return "manual";
    case Trigger::crash:
        return "crash";
    case Trigger::memory:
        return "memory";
    case Trigger::watch:
        return "watch";
    case Trigger::cron:
        return "cron";
    case Trigger::none:
        break;
    }
    return "none";
}

DaemonCounters& counters() {
    static DaemonCounters c;
    return c;
}

void restart_began(InstanceCounters& c, Trigger trigger) {
    c.pending = trigger;
    c.pending_since_mono = mono_ms();
}

void came_online(InstanceCounters& c, const std::string& app) {
    if (c.pending == Trigger::none) return;
    double seconds = double(mono_ms() - c.pending_since_mono) / 1000.0;
    counters().restarts[{app, c.pending}].observe(seconds);
    c.pending = Trigger::none;
}

} // namespace rein::daemon::metrics
