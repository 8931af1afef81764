#pragma once
// Time sources. Supervisor logic takes times as parameters; only the edges read the clocks.
#include <cstdint>
#include <ctime>

namespace rein::daemon {

/// Milliseconds on CLOCK_MONOTONIC (durations, timers).
inline std::int64_t mono_ms() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

/// Microseconds on CLOCK_MONOTONIC (telling a busy pipe from a quiet one).
inline std::int64_t mono_us() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::int64_t(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

/// Milliseconds since the epoch (timestamps shown to users).
inline std::int64_t wall_ms() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return std::int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

} // namespace rein::daemon
