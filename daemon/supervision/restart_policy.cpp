#include "daemon/supervision/restart_policy.hpp"

#include <algorithm>

namespace rein::daemon {

std::int64_t shortage_retry_delay(std::int64_t last_ms) {
    if (last_ms <= 0) return k_shortage_retry_ms;
    return std::min<std::int64_t>(last_ms * 3 / 2, k_max_backoff_ms);
}

RestartDecision decide_restart(const AppSpec& spec, const RestartHistory& history,
                               const RunEnd& end) {
    RestartDecision d;
    d.history = history;
    if (!spec.autorestart) return d;
    if (end.exit_code && std::find(spec.stop_exit_codes.begin(), spec.stop_exit_codes.end(),
                                   *end.exit_code) != spec.stop_exit_codes.end())
        return d;

    bool unstable = end.uptime_ms < spec.min_uptime_ms;
    if (unstable) {
        // max_restarts unstable restarts were already spent: this run ends the instance.
        if (history.unstable_restarts >= spec.max_restarts) {
            d.action = RestartDecision::Action::error;
            return d;
        }
        d.history.unstable_restarts = history.unstable_restarts + 1;
    } else {
        d.history.unstable_restarts = 0;
    }

    d.action = RestartDecision::Action::restart;
    if (spec.exp_backoff_restart_delay_ms > 0) {
        std::int64_t first = spec.exp_backoff_restart_delay_ms;
        if (history.backoff_ms == 0 || end.uptime_ms >= k_backoff_reset_ms)
            d.history.backoff_ms = first;
        else
            d.history.backoff_ms = std::min<std::int64_t>(history.backoff_ms * 3 / 2,
                                                          std::max(first, k_max_backoff_ms));
        d.delay_ms = d.history.backoff_ms;
    } else {
        d.delay_ms = spec.restart_delay_ms;
    }
    return d;
}

} // namespace rein::daemon
