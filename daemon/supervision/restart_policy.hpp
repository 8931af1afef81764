#pragma once
// The restart policy as a pure function: given an app's settings, its restart history and how
// the last run ended, decide what happens next. No clocks, no processes, no JSON.
#include "common/app_spec.hpp"

#include <cstdint>
#include <optional>

namespace rein::daemon {

/// What the policy remembers between runs of one instance.
struct RestartHistory {
    int unstable_restarts = 0;   ///< consecutive runs shorter than min_uptime
    std::int64_t backoff_ms = 0; ///< last exponential backoff delay (0: none yet)
};

/// How a run ended.
struct RunEnd {
    std::int64_t uptime_ms = 0;
    std::optional<int> exit_code; ///< set when the process exited
    std::optional<int> signal;    ///< set when a signal killed it
};

struct RestartDecision {
    enum class Action { restart, stop, error };
    Action action = Action::stop;
    std::int64_t delay_ms = 0; ///< with restart: wait this long first
    RestartHistory history;    ///< the history to keep after this decision
};

/// Longest exponential backoff delay.
inline constexpr std::int64_t k_max_backoff_ms = 15000;
/// A run this long resets the exponential backoff to its first delay.
inline constexpr std::int64_t k_backoff_reset_ms = 30000;

/// First wait before a spawn that failed for want of a resource (descriptors, memory,
/// processes) is tried again.
inline constexpr std::int64_t k_shortage_retry_ms = 1000;

/// The wait before the next try of a spawn that failed for a resource shortage, the last wait
/// having been `last_ms` (0: this is the first failure): the policy's exponential backoff
/// (x1.5, at most k_max_backoff_ms) from k_shortage_retry_ms. Such a failure is not a run of
/// the app, so it never counts as an unstable restart.
std::int64_t shortage_retry_delay(std::int64_t last_ms);

/// Decides restart, stop (autorestart off, a stop_exit_code) or error (out of max_restarts).
RestartDecision decide_restart(const AppSpec& spec, const RestartHistory& history,
                               const RunEnd& end);

} // namespace rein::daemon
