// cron_restart schedules, computed from an injected "now" in a fixed time zone.
#include "common/cron.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <ctime>

using rein::CronExpr;

namespace {

// Local time in UTC (set for this test binary), so the expectations are fixed.
std::time_t at(int y, int mo, int d, int h, int mi) {
    setenv("TZ", "UTC", 1);
    tzset();
    std::tm t{};
    t.tm_year = y - 1900;
    t.tm_mon = mo - 1;
    t.tm_mday = d;
    t.tm_hour = h;
    t.tm_min = mi;
    t.tm_isdst = 0;
    return timegm(&t);
}

std::time_t next(const char* expr, std::time_t from) {
    auto c = CronExpr::parse(expr);
    REQUIRE_MESSAGE(c.ok(), (c ? "" : c.error().message));
    return c->next_after(from);
}

} // namespace

TEST_CASE("every minute, every hour, every day") {
    auto now = at(2026, 11, 24, 10, 30);
    CHECK(next("* * * * *", now) == at(2026, 11, 24, 10, 31));
    CHECK(next("* * * * *", now + 59) == at(2026, 11, 24, 10, 31));
    CHECK(next("0 * * * *", now) == at(2026, 11, 24, 11, 0));
    CHECK(next("@hourly", now) == at(2026, 11, 24, 11, 0));
    CHECK(next("0 3 * * *", now) == at(2026, 11, 25, 3, 0));
    CHECK(next("@daily", now) == at(2026, 11, 25, 0, 0));
}

TEST_CASE("steps, ranges, lists and names") {
    auto now = at(2026, 11, 24, 10, 31); // a Tuesday
    CHECK(next("*/15 * * * *", now) == at(2026, 11, 24, 10, 45));
    CHECK(next("5-10/5 * * * *", now) == at(2026, 11, 24, 11, 5));
    CHECK(next("0 9-17 * * mon-fri", now) == at(2026, 11, 24, 11, 0));
    CHECK(next("0 0 * * sun", now) == at(2026, 11, 29, 0, 0));
    CHECK(next("0 0 * * 7", now) == at(2026, 11, 29, 0, 0));
    CHECK(next("30 4 1,15 * *", now) == at(2026, 12, 1, 4, 30));
    CHECK(next("0 0 1 jan *", now) == at(2027, 1, 1, 0, 0));
}

TEST_CASE("day of month and weekday both restricted: either matches") {
    auto now = at(2026, 11, 24, 10, 31);
    // The 1st, or any Friday: Friday the 27th comes first.
    CHECK(next("0 0 1 * fri", now) == at(2026, 11, 27, 0, 0));
}

TEST_CASE("leap days and impossible dates") {
    CHECK(next("0 0 29 2 *", at(2026, 11, 24, 0, 0)) == at(2028, 2, 29, 0, 0));
    CHECK(next("0 0 30 2 *", at(2026, 11, 24, 0, 0)) == -1);
}

TEST_CASE("malformed expressions are errors that name the field") {
    for (const char* bad : {"", "* * * *", "* * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *",
                            "* * * 13 *", "* * * * 8", "*/0 * * * *", "a * * * *", "5-1 * * * *"})
        CHECK_MESSAGE(!CronExpr::parse(bad).ok(), bad);
    CHECK(CronExpr::parse("* 25 * * *").error().message.find("hour") != std::string::npos);
}
