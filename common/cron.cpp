#include "common/cron.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <limits>
#include <optional>
#include <sstream>
#include <vector>

namespace rein {

namespace {

constexpr std::array<const char*, 12> k_months = {"jan", "feb", "mar", "apr", "may", "jun",
                                                  "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<const char*, 7> k_days = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

struct Field {
    const char* name;
    int lo, hi;
    const char* const* names; ///< names for lo, lo+1, ... (months, weekdays) or null
    int name_count;
};

Error bad(const Field& f, std::string_view part, const std::string& why) {
    return make_error("bad_value",
                      std::string(f.name) + " field '" + std::string(part) + "': " + why);
}

std::optional<int> value(const Field& f, std::string_view s) {
    int n = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (!s.empty() && ec == std::errc() && end == s.data() + s.size()) return n;
    std::string lower;
    for (char c : s) lower += char(std::tolower(static_cast<unsigned char>(c)));
    for (int i = 0; f.names && i < f.name_count; ++i)
        if (lower == f.names[i]) return f.lo + i;
    return std::nullopt;
}

// Sets the bits of one field ("*/15", "1-5", "mon,wed"); bit i means value i.
template <std::size_t N>
Status parse_field(const Field& f, std::string_view text, std::bitset<N>& bits, bool& any) {
    any = text == "*";
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t comma = text.find(',', start);
        std::string_view part = text.substr(
            start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        start = comma == std::string_view::npos ? text.size() + 1 : comma + 1;
        int step = 1;
        if (auto slash = part.find('/'); slash != std::string_view::npos) {
            auto s = value(Field{f.name, 1, 1000, nullptr, 0}, part.substr(slash + 1));
            if (!s || *s < 1) return bad(f, part, "the step must be a positive number");
            step = *s;
            part = part.substr(0, slash);
        }
        int from = f.lo, to = f.hi;
        if (part != "*") {
            auto dash = part.find('-');
            auto a = value(f, part.substr(0, dash));
            auto b = dash == std::string_view::npos ? a : value(f, part.substr(dash + 1));
            if (!a || !b) return bad(f, part, "expected a number, a name, a range or *");
            from = *a;
            to = dash == std::string_view::npos && step > 1 ? f.hi : *b;
        }
        if (from < f.lo || to > f.hi || from > to)
            return bad(f, part,
                       "out of range " + std::to_string(f.lo) + "-" + std::to_string(f.hi));
        for (int v = from; v <= to; v += step) bits.set(std::size_t(v == 7 && N == 7 ? 0 : v));
    }
    return Ok{};
}

} // namespace

Result<CronExpr> CronExpr::parse(std::string_view text) {
    std::string expr(text);
    if (expr == "@yearly" || expr == "@annually")
        expr = "0 0 1 1 *";
    else if (expr == "@monthly")
        expr = "0 0 1 * *";
    else if (expr == "@weekly")
        expr = "0 0 * * 0";
    else if (expr == "@daily" || expr == "@midnight")
        expr = "0 0 * * *";
    else if (expr == "@hourly")
        expr = "0 * * * *";
    std::istringstream in(expr);
    std::vector<std::string> parts;
    for (std::string p; in >> p;) parts.push_back(p);
    if (parts.size() != 5 && parts.size() != 6)
        return make_error("bad_value",
                          "expected 5 fields (minute hour day month weekday) or 6 (second first), "
                          "got " +
                              std::to_string(parts.size()));
    CronExpr c;
    bool any = false;
    c.m_seconds.set(0);
    if (parts.size() == 6) {
        static const Field second{"second", 0, 59, nullptr, 0};
        c.m_seconds.reset();
        if (auto s = parse_field(second, parts[0], c.m_seconds, any); !s) return s.error();
        parts.erase(parts.begin());
    }
    static const Field minute{"minute", 0, 59, nullptr, 0}, hour{"hour", 0, 23, nullptr, 0},
        day{"day", 1, 31, nullptr, 0}, month{"month", 1, 12, k_months.data(), 12},
        weekday{"weekday", 0, 7, k_days.data(), 7};
    if (auto s = parse_field(minute, parts[0], c.m_minutes, any); !s) return s.error();
    if (auto s = parse_field(hour, parts[1], c.m_hours, any); !s) return s.error();
    if (auto s = parse_field(day, parts[2], c.m_days, c.m_any_day); !s) return s.error();
    if (auto s = parse_field(month, parts[3], c.m_months, any); !s) return s.error();
    if (auto s = parse_field(weekday, parts[4], c.m_weekdays, c.m_any_weekday); !s)
        return s.error();
    return c;
}

bool CronExpr::day_matches(const std::tm& t) const {
    bool dom = m_days.test(std::size_t(t.tm_mday));
    bool dow = m_weekdays.test(std::size_t(t.tm_wday));
    // crontab(5): when both are restricted, either one matching is enough.
    if (!m_any_day && !m_any_weekday) return dom || dow;
    return dom && dow;
}

namespace {

bool local(std::time_t at, std::tm& out) {
    return localtime_r(&at, &out) != nullptr;
}

bool leap(int year) {
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int days_in_month(const std::tm& t) {
    constexpr std::array<int, 12> days = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return t.tm_mon == 1 && leap(t.tm_year + 1900) ? 29 : days[std::size_t(t.tm_mon)];
}

/// The first instant in (from, to] whose UTC offset is not `offset` (from's), given that to's
/// is not: where the wall clock jumps (daylight-saving time begins or ends).
std::time_t offset_change(std::time_t from, long offset, std::time_t to) {
    while (to - from > 1) {
        std::time_t mid = from + (to - from) / 2;
        std::tm t{};
        if (local(mid, t) && t.tm_gmtoff == offset)
            from = mid;
        else
            to = mid;
    }
    return to;
}

/// The first set bit above `from` (values from+1..N-1), or -1.
template <std::size_t N>
int next_set(const std::bitset<N>& bits, int from) {
    for (std::size_t i = std::size_t(from + 1); i < N; ++i)
        if (bits.test(i)) return int(i);
    return -1;
}

} // namespace

// Walks forward in real time (instants), never in wall-clock fields: converting a wall-clock
// time back to an instant is ambiguous in the hour repeated when daylight-saving time ends (and
// impossible in the hour skipped when it begins), so mktime() may answer an instant before
// `after`. Each step jumps to the next local minute, hour, midnight or month that could match,
// computed at the current UTC offset; when the offset changes before that point, the walk stops
// at the change and looks again at the new wall clock. So the repeated hour is walked twice (a
// matching minute matches in both passes) and a skipped wall-clock time never matches.
std::time_t CronExpr::next_after(std::time_t after) const {
    std::tm t{};
    if (!local(after, t)) return -1;
    // The minute `after` is in may still have a matching second to come; then every later
    // matching minute's first matching second is the answer.
    std::time_t minute = next_minute_after(after - t.tm_sec - 1);
    for (int i = 0; i < 2 && minute >= 0; ++i, minute = next_minute_after(minute))
        for (int s = 0; s < 60; ++s)
            if (m_seconds.test(std::size_t(s)) && minute + s > after) return minute + s;
    return -1;
}

std::time_t CronExpr::next_minute_after(std::time_t after) const {
    constexpr std::time_t horizon = std::time_t{5} * 366 * 24 * 3600;
    if (after > std::numeric_limits<std::time_t>::max() - 2 * horizon) return -1;
    const std::time_t limit = after + horizon;
    std::tm t{};
    if (!local(after, t)) return -1;
    std::time_t at = after + (60 - t.tm_sec); // the next whole minute
    for (int guard = 0; guard < 100000; ++guard) {
        if (at > limit || !local(at, t)) return -1;
        const std::time_t into_day = t.tm_hour * 3600 + t.tm_min * 60 + t.tm_sec;
        std::time_t step = 0; // seconds to the next wall-clock time that may match
        if (t.tm_sec != 0) {
            step = 60 - t.tm_sec; // an offset with seconds in it (local mean time)
        } else if (!m_months.test(std::size_t(t.tm_mon + 1))) {
            step = std::time_t(days_in_month(t) - t.tm_mday + 1) * 86400 - into_day;
        } else if (!day_matches(t)) {
            step = 86400 - into_day;
        } else if (!m_hours.test(std::size_t(t.tm_hour))) {
            int hour = next_set(m_hours, t.tm_hour);
            step = hour < 0 ? 86400 - into_day : (hour - t.tm_hour) * 3600 - t.tm_min * 60;
        } else if (!m_minutes.test(std::size_t(t.tm_min))) {
            int minute = next_set(m_minutes, t.tm_min);
            step = (minute < 0 ? 60 - t.tm_min : minute - t.tm_min) * 60;
        } else {
            return at;
        }
        std::time_t next = at + step;
        std::tm n{};
        if (!local(next, n)) return -1;
        if (n.tm_gmtoff != t.tm_gmtoff) next = offset_change(at, t.tm_gmtoff, next);
        at = next;
    }
    return -1;
}

} // namespace rein
