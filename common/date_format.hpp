#pragma once
// Timestamps in users' formats: strftime, or the dayjs tokens PM2's log_date_format uses
// (`YYYY-MM-DD HH:mm:ss Z`), so an ecosystem file written for PM2 prints the same dates.
#include <cstdint>
#include <string>

namespace rein {

/// Formats `wall_ms` (ms since the epoch) in local time. A format containing '%' is strftime
/// with %L for milliseconds; otherwise dayjs tokens (YYYY YY M MM MMM MMMM D DD d dd ddd dddd
/// H HH h hh m mm s ss SSS Z ZZ A a, `[text]` verbatim), everything else copied as is.
std::string format_date(const std::string& format, std::int64_t wall_ms);

/// A log line's timestamp: format_date(format), or for an empty format ISO 8601 with
/// milliseconds and the UTC offset (2026-11-23T22:34:00.123+00:00).
std::string format_log_time(const std::string& format, std::int64_t wall_ms);

/// ISO 8601 in UTC with milliseconds, as JavaScript's toISOString (2026-11-23T22:34:00.123Z).
std::string format_iso_utc(std::int64_t wall_ms);

} // namespace rein
