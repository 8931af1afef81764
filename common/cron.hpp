#pragma once
// cron_restart: 5-field cron expressions (minute hour day-of-month month day-of-week) in local
// time, as crontab(5) reads them, or 6 fields with seconds first (as PM2's croner reads them).
// Pure: the time to start from is a parameter.
#include "common/result.hpp"

#include <bitset>
#include <ctime>
#include <string>
#include <string_view>

namespace rein {

class CronExpr {
  public:
    /// Parses `*`, numbers, ranges `a-b`, lists `a,b`, steps `*/n` and `a-b/n`, month and
    /// weekday names (`jan`, `mon`), weekday 7 as Sunday, and @hourly, @daily (@midnight),
    /// @weekly, @monthly, @yearly (@annually). Six fields put a second field first.
    /// Errors (code "bad_value") say which field.
    static Result<CronExpr> parse(std::string_view text);

    /// The first matching second strictly after `after` (a whole minute for 5 fields), in
    /// local time; -1 when none
    /// comes within five years (`0 0 30 2 *`). Around daylight-saving changes it follows the
    /// wall clock as it is lived: a matching minute of the hour repeated in autumn matches in
    /// both passes (`30 2 * * *` runs twice that night), and a time skipped in spring never
    /// comes (`30 2 * * *` does not run that night; `* * * * *` goes on at 03:00).
    std::time_t next_after(std::time_t after) const;

  private:
    bool day_matches(const std::tm& t) const;
    /// The first whole minute strictly after `after` whose minute, hour and day match.
    std::time_t next_minute_after(std::time_t after) const;
    std::bitset<60> m_seconds; ///< only bit 0 for 5 fields
    std::bitset<60> m_minutes;
    std::bitset<24> m_hours;
    std::bitset<32> m_days;   ///< 1..31
    std::bitset<13> m_months; ///< 1..12
    std::bitset<7> m_weekdays;
    bool m_any_day = false, m_any_weekday = false;
};

} // namespace rein
