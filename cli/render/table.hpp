#pragma once
// Pure formatting of daemon replies for people: the process table and describe blocks.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace rein::cli::render {

/// "0b", "512kb", "12.3mb", "1.2gb" (PM2's units, so the table reads the same).
std::string format_bytes(std::uint64_t bytes);
/// "0s", "42s", "5m", "3h", "2D" (PM2's uptime column).
std::string format_uptime(std::int64_t ms);
/// The process table for `list` rows, box-drawn; ANSI colours only when `color`. Wider than
/// `max_width` columns (0: no limit), it drops namespace, pid, uptime, mode and restarts in
/// that order and cuts long names with `…`, as PM2's table does on a narrow terminal.
std::string process_table(const nlohmann::json& rows, bool color, std::size_t max_width = 0);
/// The row keys process_table reads (what `list` is asked for: the daemon sends only those).
const std::vector<std::string>& process_table_fields();
/// One block per instance for `describe` rows.
std::string describe_blocks(const nlohmann::json& rows, bool color);

} // namespace rein::cli::render
