#pragma once
// Pure formatting of `logs` events for people and for scripts.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace rein::cli::render {

/// How `rein logs` prints lines.
enum class LogStyle { prefixed, raw, json };

/// The text to print for one event of the `logs` stream (newline included), or "" for events
/// that print nothing in this style. `prefixed`: `0|api | text` (history lines, whose
/// instance is unknown: `api | text`), the prefix coloured per app when `color`, stderr lines
/// in red; a `file` event prints a header. `raw`: the bare line. `json`: one object
/// {"app","id","stream","time","line"}.
std::string format_log_event(const nlohmann::json& event, LogStyle style, bool color);

/// `logs --timestamp`: the time `wall_ms` in `format` (dayjs tokens or strftime) and a space,
/// dimmed when `color`.
std::string timestamp_prefix(const std::string& format, std::int64_t wall_ms, bool color);

} // namespace rein::cli::render
