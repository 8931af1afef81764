// cron_restart schedules, computed from an injected "now" in a fixed time zone.
#include "common/cron.hpp"
#include "local_zone.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <ctime>
#include <string>

using rein::CronExpr;
using rein::test::LocalZone;

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
    for (const char* bad : {"", "* * * *", "* * * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *",
                            "* * * 13 *", "* * * * 8", "*/0 * * * *", "a * * * *", "5-1 * * * *"})
        CHECK_MESSAGE(!CronExpr::parse(bad).ok(), bad);
    CHECK(CronExpr::parse("* 25 * * *").error().message.find("hour") != std::string::npos);
}

namespace {

// Europe/Berlin's rules as a POSIX TZ string, so the test needs no tzdata: CET (UTC+1), CEST
// (UTC+2) from 02:00 on the last Sunday of March to 03:00 on the last Sunday of October.
constexpr const char* k_berlin = "CET-1CEST,M3.5.0,M10.5.0/3";

std::time_t utc(int y, int mo, int d, int h, int mi) {
    std::tm t{};
    t.tm_year = y - 1900;
    t.tm_mon = mo - 1;
    t.tm_mday = d;
    t.tm_hour = h;
    t.tm_min = mi;
    return timegm(&t);
}

} // namespace

TEST_CASE("daylight saving ends: the repeated hour is walked twice, never backwards") {
    LocalZone zone(k_berlin);
    // 2024-10-27: at 01:00 UTC the wall clock goes from 03:00 CEST back to 02:00 CET.
    // From 02:30 CET (the second pass) the next minute is 02:31 CET, not 02:31 CEST an hour ago.
    CHECK(next("* * * * *", utc(2024, 10, 27, 1, 30)) == utc(2024, 10, 27, 1, 31));
    CHECK(next("* * * * *", utc(2024, 10, 27, 0, 30)) == utc(2024, 10, 27, 0, 31));
    // 02:59 CEST is followed by 02:00 CET.
    CHECK(next("* * * * *", utc(2024, 10, 27, 0, 59)) == utc(2024, 10, 27, 1, 0));
    // From 02:50 CEST, 02:10 comes again (CET) before 03:10.
    CHECK(next("10 * * * *", utc(2024, 10, 27, 0, 50)) == utc(2024, 10, 27, 1, 10));
    // A daily 02:30 runs in both passes, then the next day.
    CHECK(next("30 2 * * *", utc(2024, 10, 26, 12, 0)) == utc(2024, 10, 27, 0, 30));
    CHECK(next("30 2 * * *", utc(2024, 10, 27, 0, 30)) == utc(2024, 10, 27, 1, 30));
    CHECK(next("30 2 * * *", utc(2024, 10, 27, 1, 30)) == utc(2024, 10, 28, 1, 30));
    CHECK(next("0 3 * * *", utc(2024, 10, 27, 1, 30)) == utc(2024, 10, 27, 2, 0));
    CHECK(next("0 0 * * *", utc(2024, 10, 27, 1, 30)) == utc(2024, 10, 27, 23, 0));
    // Every minute, one real minute apart, through the whole night.
    for (std::time_t t = utc(2024, 10, 26, 22, 0); t < utc(2024, 10, 27, 3, 0); t += 60) {
        CAPTURE(t);
        REQUIRE(next("* * * * *", t) == t + 60);
        REQUIRE(next("* * * * *", t + 59) == t + 60);
    }
}

TEST_CASE("daylight saving begins: skipped wall-clock times never come") {
    LocalZone zone(k_berlin);
    // 2024-03-31: at 01:00 UTC the wall clock goes from 02:00 CET straight to 03:00 CEST.
    CHECK(next("* * * * *", utc(2024, 3, 31, 0, 59)) == utc(2024, 3, 31, 1, 0)); // 03:00 CEST
    CHECK(next("*/15 * * * *", utc(2024, 3, 31, 0, 50)) == utc(2024, 3, 31, 1, 0));
    CHECK(next("0 3 * * *", utc(2024, 3, 31, 0, 0)) == utc(2024, 3, 31, 1, 0));
    CHECK(next("45 3 * * *", utc(2024, 3, 31, 0, 0)) == utc(2024, 3, 31, 1, 45));
    // 02:xx does not exist that night: the next one is on April 1st (CEST).
    CHECK(next("30 2 * * *", utc(2024, 3, 30, 12, 0)) == utc(2024, 4, 1, 0, 30));
    CHECK(next("0 2 * * *", utc(2024, 3, 31, 0, 59)) == utc(2024, 4, 1, 0, 0));
    CHECK(next("0 0 * * *", utc(2024, 3, 30, 23, 30)) == utc(2024, 3, 31, 22, 0));
    for (std::time_t t = utc(2024, 3, 30, 23, 0); t < utc(2024, 3, 31, 3, 0); t += 60) {
        CAPTURE(t);
        REQUIRE(next("* * * * *", t) == t + 60);
    }
}

TEST_CASE("monthly and yearly schedules cross daylight-saving changes at local midnight") {
    LocalZone zone(k_berlin);
    CHECK(next("@monthly", utc(2024, 3, 15, 12, 0)) == utc(2024, 3, 31, 22, 0));   // April, CEST
    CHECK(next("@monthly", utc(2024, 10, 15, 12, 0)) == utc(2024, 10, 31, 23, 0)); // November, CET
    CHECK(next("@yearly", utc(2024, 6, 1, 0, 0)) == utc(2024, 12, 31, 23, 0));
    CHECK(next("0 0 30 2 *", utc(2024, 6, 1, 0, 0)) == -1);
}

TEST_CASE("six fields: seconds first, as PM2's croner reads them") {
    auto now = at(2026, 11, 24, 10, 30);
    CHECK(next("*/10 * * * * *", now) == now + 10);
    CHECK(next("*/10 * * * * *", now + 55) == at(2026, 11, 24, 10, 31));
    CHECK(next("30 * * * * *", now + 29) == now + 30);
    CHECK(next("30 * * * * *", now + 30) == at(2026, 11, 24, 10, 31) + 30);
    CHECK(next("0 0 3 * * *", now) == at(2026, 11, 25, 3, 0));
    CHECK(next("15 5 3 * * *", now) == at(2026, 11, 25, 3, 5) + 15);
    // Five fields still match whole minutes only.
    CHECK(next("* * * * *", now + 1) == at(2026, 11, 24, 10, 31));
    auto bad = CronExpr::parse("60 * * * * *");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message.find("second field '60'") != std::string::npos);
    CHECK_FALSE(CronExpr::parse("* * * * * * *").ok());
}
