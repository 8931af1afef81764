#pragma once
// Times and durations as people read them (describe), not as epoch milliseconds.
#include <cstdint>
#include <string>

namespace rein::cli::render {

/// "250ms", "1.6s", "42s", "3m 12s", "2h 5m", "3d 4h": at most the two largest units.
std::string format_duration(std::int64_t ms);
/// A wall-clock time (ms since the epoch) in local time, "2026-12-02 06:14:03"; "-" for 0.
std::string format_datetime(std::int64_t wall_ms);

} // namespace rein::cli::render
