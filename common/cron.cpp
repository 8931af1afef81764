#include "common/cron.hpp"

#include <array>
#include <cctype>
#include <charconv>
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
    if (parts.size() != 5)
        return make_error("bad_value", "expected 5 fields (minute hour day month weekday), got " +
                                           std::to_string(parts.size()));
    CronExpr c;
    bool any = false;
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

std::time_t CronExpr::next_after(std::time_t after) const {
    std::tm t{};
    localtime_r(&after, &t);
    t.tm_sec = 0;
    t.tm_min += 1;
    t.tm_isdst = -1;
    std::time_t limit = after + 5L * 366 * 24 * 3600;
    for (int guard = 0; guard < 100000; ++guard) {
        std::time_t at = std::mktime(&t); // normalises the fields (and DST)
        if (at < 0 || at > limit) return -1;
        if (!m_months.test(std::size_t(t.tm_mon + 1))) {
            t.tm_mon += 1, t.tm_mday = 1, t.tm_hour = 0, t.tm_min = 0;
        } else if (!day_matches(t)) {
            t.tm_mday += 1, t.tm_hour = 0, t.tm_min = 0;
        } else if (!m_hours.test(std::size_t(t.tm_hour))) {
            t.tm_hour += 1, t.tm_min = 0;
        } else if (!m_minutes.test(std::size_t(t.tm_min))) {
            t.tm_min += 1;
        } else {
            return at;
        }
        t.tm_isdst = -1;
    }
    return -1;
}

} // namespace rein
