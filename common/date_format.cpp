#include "common/date_format.hpp"

#include <cstdio>
#include <ctime>
#include <string_view>

namespace rein {

namespace {

constexpr const char* k_month_names[] = {"January",   "February", "March",    "April",
                                         "May",       "June",     "July",     "August",
                                         "September", "October",  "November", "December"};
constexpr const char* k_weekday_names[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                           "Thursday", "Friday", "Saturday"};

std::string pad(long value, int width) {
    char buf[32];
    snprintf(buf, sizeof buf, "%0*ld", width, value);
    return buf;
}

// "+05:30" (colon) or "+0530", from the local offset in seconds east of UTC.
std::string zone(long gmtoff, bool colon) {
    char sign = gmtoff < 0 ? '-' : '+';
    if (gmtoff < 0) gmtoff = -gmtoff;
    return sign + pad(gmtoff / 3600, 2) + (colon ? ":" : "") + pad((gmtoff % 3600) / 60, 2);
}

// Splits a time in ms into local broken-down time and the milliseconds within the second
// (floored, so times before 1970 keep a non-negative millisecond).
tm local_time(std::int64_t wall_ms, int& millis) {
    std::int64_t secs = wall_ms / 1000;
    millis = int(wall_ms % 1000);
    if (millis < 0) {
        millis += 1000;
        --secs;
    }
    time_t t = time_t(secs);
    tm local{};
    localtime_r(&t, &local);
    return local;
}

std::string strftime_ms(std::string fmt, const tm& when, int millis) {
    std::string ms = pad(millis, 3);
    for (std::size_t p = fmt.find("%L"); p != std::string::npos; p = fmt.find("%L", p + 3))
        fmt.replace(p, 2, ms);
    char buf[512];
    std::size_t n = strftime(buf, sizeof buf, fmt.c_str(), &when);
    return std::string(buf, n);
}

// The length of the run of `c` at the start of `s`, at most `max`.
std::size_t run_of(std::string_view s, char c, std::size_t max) {
    std::size_t n = 0;
    while (n < s.size() && n < max && s[n] == c) ++n;
    return n;
}

// One dayjs token at the start of `rest` (longest match, as dayjs's pattern takes it): its
// text, and how many characters it used (0: not a token).
std::size_t token(std::string_view rest, const tm& t, int millis, std::string& out) {
    const int hour12 = t.tm_hour % 12 == 0 ? 12 : t.tm_hour % 12;
    switch (rest[0]) {
    case 'Y': {
        std::size_t n = run_of(rest, 'Y', 4);
        if (n == 4)
            out += pad(t.tm_year + 1900L, 4);
        else if (n == 2)
            out += pad((t.tm_year + 1900L) % 100, 2);
        else // dayjs prints the zone without colon for Y and YYY (no case of its own)
            out += zone(t.tm_gmtoff, false);
        return n;
    }
    case 'M': {
        std::size_t n = run_of(rest, 'M', 4);
        if (n <= 2) out += pad(t.tm_mon + 1L, int(n));
        if (n == 3) out += std::string(k_month_names[t.tm_mon], 3);
        if (n == 4) out += k_month_names[t.tm_mon];
        return n;
    }
    case 'D': {
        std::size_t n = run_of(rest, 'D', 2);
        out += pad(t.tm_mday, int(n));
        return n;
    }
    case 'd': {
        std::size_t n = run_of(rest, 'd', 4);
        if (n == 1) out += std::to_string(t.tm_wday);
        if (n == 2 || n == 3) out += std::string(k_weekday_names[t.tm_wday], n);
        if (n == 4) out += k_weekday_names[t.tm_wday];
        return n;
    }
    case 'H': {
        std::size_t n = run_of(rest, 'H', 2);
        out += pad(t.tm_hour, int(n));
        return n;
    }
    case 'h': {
        std::size_t n = run_of(rest, 'h', 2);
        out += pad(hour12, int(n));
        return n;
    }
    case 'm': {
        std::size_t n = run_of(rest, 'm', 2);
        out += pad(t.tm_min, int(n));
        return n;
    }
    case 's': {
        std::size_t n = run_of(rest, 's', 2);
        out += pad(t.tm_sec, int(n));
        return n;
    }
    case 'S':
        if (run_of(rest, 'S', 3) < 3) return 0;
        out += pad(millis, 3);
        return 3;
    case 'Z': {
        std::size_t n = run_of(rest, 'Z', 2);
        out += zone(t.tm_gmtoff, n == 1);
        return n;
    }
    case 'A':
    case 'a': {
        const bool am = t.tm_hour < 12;
        out += rest[0] == 'A' ? (am ? "AM" : "PM") : (am ? "am" : "pm");
        return 1;
    }
    case '[': {
        // [text] is copied without its brackets; "[]" and an unclosed "[" are plain text.
        std::size_t close = rest.find(']');
        if (close == std::string_view::npos || close == 1) return 0;
        out.append(rest.substr(1, close - 1));
        return close + 1;
    }
    default:
        return 0;
    }
}

std::string dayjs_format(std::string_view fmt, const tm& when, int millis) {
    std::string out;
    while (!fmt.empty()) {
        std::size_t used = token(fmt, when, millis, out);
        if (used == 0) {
            out.push_back(fmt[0]);
            used = 1;
        }
        fmt.remove_prefix(used);
    }
    return out;
}

} // namespace

std::string format_date(const std::string& format, std::int64_t wall_ms) {
    int millis = 0;
    tm when = local_time(wall_ms, millis);
    if (format.find('%') != std::string::npos) return strftime_ms(format, when, millis);
    return dayjs_format(format, when, millis);
}

std::string format_log_time(const std::string& format, std::int64_t wall_ms) {
    return format_date(format.empty() ? "YYYY-MM-DDTHH:mm:ss.SSSZ" : format, wall_ms);
}

std::string format_iso_utc(std::int64_t wall_ms) {
    std::int64_t secs = wall_ms / 1000;
    int millis = int(wall_ms % 1000);
    if (millis < 0) {
        millis += 1000;
        --secs;
    }
    time_t t = time_t(secs);
    tm utc{};
    gmtime_r(&t, &utc);
    return strftime_ms("%Y-%m-%dT%H:%M:%S.%LZ", utc, millis);
}

} // namespace rein
