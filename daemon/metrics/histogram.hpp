#pragma once
// A Prometheus histogram with the fixed buckets of docs/metrics.md: counts per bucket (not yet
// cumulative: the writer adds them up), the sum and the count of observations.
#include <array>
#include <cstdint>

namespace rein::daemon::metrics {

/// Upper bounds in seconds; +Inf is implied after the last one.
inline constexpr std::array<double, 10> k_buckets{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

/// Observations of one series (an app's reloads, say).
struct Histogram {
    std::array<std::uint64_t, k_buckets.size() + 1> counts{}; ///< per bucket; the last is +Inf
    double sum = 0;
    std::uint64_t count = 0;

    /// Adds one observation of `seconds`.
    void observe(double seconds) {
        std::size_t i = 0;
        while (i < k_buckets.size() && seconds > k_buckets[i]) ++i;
        ++counts[i];
        sum += seconds;
        ++count;
    }
};

} // namespace rein::daemon::metrics
