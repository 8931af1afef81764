#include "cli/render/durations.hpp"

#include "common/date_format.hpp"

#include <cstdio>

namespace rein::cli::render {

std::string format_duration(std::int64_t ms) {
    if (ms < 0) ms = 0;
    if (ms == 0) return "0s";
    if (ms < 1000) return std::to_string(ms) + "ms";
    if (ms < 60'000) {
        // Tenths only where they say something: under 10 s and not ".0".
        if (ms >= 10'000 || ms / 100 % 10 == 0) return std::to_string(ms / 1000) + "s";
        char buf[16];
        snprintf(buf, sizeof buf, "%.1fs", double(ms / 100) / 10); // 1.65 s reads 1.6s
        return buf;
    }
    struct Unit {
        std::int64_t ms;
        const char* name;
    };
    static constexpr Unit units[] = {
        {86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}};
    for (std::size_t i = 0; i + 1 < std::size(units); ++i) {
        if (ms < units[i].ms) continue;
        std::string out = std::to_string(ms / units[i].ms) + units[i].name;
        std::int64_t rest = ms % units[i].ms / units[i + 1].ms;
        if (rest > 0) out += " " + std::to_string(rest) + units[i + 1].name;
        return out;
    }
    return "0s"; // not reached: every ms >= 60 s matches a unit above
}

std::string format_datetime(std::int64_t wall_ms) {
    if (wall_ms <= 0) return "-";
    return format_date("YYYY-MM-DD HH:mm:ss", wall_ms);
}

} // namespace rein::cli::render
