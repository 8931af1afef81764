#pragma once
// Durations and sizes as users write them in ecosystem files and on the command line.
#include "common/result.hpp"

#include <cstdint>
#include <string_view>

namespace rein {

/// Milliseconds from `1500` (plain integer ms), `500ms`, `2s`, `1.5s`, `1m` or `1h` (lowercase
/// units; a fraction is rounded down to whole ms). Negative or malformed input is an error.
Result<std::int64_t> parse_duration_ms(std::string_view text);

/// Bytes from `1048576`, `512K`, `200M`, `1G` (also `KB`, `MB`, `GB`, `B`; any case; 1024-based;
/// a fraction such as `1.5G` is rounded down to whole bytes). Negative or malformed is an error.
Result<std::int64_t> parse_size_bytes(std::string_view text);

} // namespace rein
