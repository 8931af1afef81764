#pragma once
// The last lines of a log file, read backwards from its end: as fast on a 1 GiB file as on a
// small one.
#include <cstddef>
#include <string>
#include <vector>

namespace rein::daemon {

/// The last `count` lines of the file at `path`, oldest first, without their newlines. A last
/// line without newline counts. A missing or unreadable file has no lines.
std::vector<std::string> tail_lines(const std::string& path, std::size_t count);

} // namespace rein::daemon
