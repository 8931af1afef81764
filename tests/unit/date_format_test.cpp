// log_date_format: dayjs tokens as PM2 writes them, and strftime.
#include "common/date_format.hpp"
#include "local_zone.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <ctime>
#include <string>

using rein::format_date;
using rein::test::LocalZone;

namespace {

// 2026-03-04 07:08:09.045 UTC = 12:38:09.045 at +05:30, a Wednesday.
constexpr std::int64_t k_morning = 1772608089045;
// 2026-12-02 14:05:06.789 UTC = 19:35:06.789 at +05:30, a Wednesday.
constexpr std::int64_t k_evening = 1796220306789;

} // namespace

TEST_CASE("dayjs tokens: each one") {
    LocalZone z("IST-05:30");
    CHECK(format_date("YYYY", k_morning) == "2026");
    CHECK(format_date("YY", k_morning) == "26");
    CHECK(format_date("M", k_morning) == "3");
    CHECK(format_date("MM", k_morning) == "03");
    CHECK(format_date("MMM", k_morning) == "Mar");
    CHECK(format_date("MMMM", k_morning) == "March");
    CHECK(format_date("D", k_morning) == "4");
    CHECK(format_date("DD", k_morning) == "04");
    CHECK(format_date("d", k_morning) == "3");
    CHECK(format_date("dd", k_morning) == "We");
    CHECK(format_date("ddd", k_morning) == "Wed");
    CHECK(format_date("dddd", k_morning) == "Wednesday");
    CHECK(format_date("H", k_morning) == "12");
    CHECK(format_date("HH", k_morning) == "12");
    CHECK(format_date("h", k_morning) == "12");
    CHECK(format_date("hh", k_morning) == "12");
    CHECK(format_date("m", k_morning) == "38");
    CHECK(format_date("mm", k_morning) == "38");
    CHECK(format_date("s", k_morning) == "9");
    CHECK(format_date("ss", k_morning) == "09");
    CHECK(format_date("SSS", k_morning) == "045");
    CHECK(format_date("Z", k_morning) == "+05:30");
    CHECK(format_date("ZZ", k_morning) == "+0530");
    CHECK(format_date("A", k_morning) == "PM");
    CHECK(format_date("a", k_morning) == "pm");
    CHECK(format_date("H:h A", k_evening) == "19:7 PM");
    CHECK(format_date("HH:hh a", k_evening) == "19:07 pm");
}

TEST_CASE("dayjs: hours before noon, a single-digit hour and month") {
    LocalZone z("UTC0");
    CHECK(format_date("H h hh A a", k_morning) == "7 7 07 AM am");
    CHECK(format_date("H h A", 1772582400000) == "0 12 AM"); // midnight is 12 AM
    CHECK(format_date("Z ZZ", k_morning) == "+00:00 +0000");
}

TEST_CASE("dayjs: PM2's usual formats, escapes and plain text") {
    LocalZone z("IST-05:30");
    CHECK(format_date("YYYY-MM-DD HH:mm:ss Z", k_evening) == "2026-12-02 19:35:06 +05:30");
    CHECK(format_date("YYYY-MM-DD-HH:mm:ss", k_evening) == "2026-12-02-19:35:06");
    CHECK(format_date("YYYY-MM-DDTHH:mm:ss.SSS", k_evening) == "2026-12-02T19:35:06.789");
    CHECK(format_date("[at] HH [YYYY] [] x", k_evening) == "at 19 YYYY [] x");
    // Without its "]" a "[" is text, and the letters after it are tokens again (s, d).
    CHECK(format_date("[unclosed HH", k_evening) == "[unclo6e3 19");
    CHECK(format_date("SS", k_evening) == "SS"); // only SSS is a token
    // dayjs has no case for Y and YYY: it prints the zone without colon there.
    CHECK(format_date("Y", k_evening) == "+0530");
    CHECK(format_date("", k_evening) == "");
}

TEST_CASE("strftime when the format has a %, with %L as milliseconds") {
    LocalZone z("IST-05:30");
    CHECK(format_date("%Y-%m-%d %H:%M:%S.%L", k_evening) == "2026-12-02 19:35:06.789");
    CHECK(format_date("%Y|%L|YYYY", k_evening) == "2026|789|YYYY");
}

TEST_CASE("log times: ISO by default, UTC ISO as JavaScript writes it") {
    LocalZone z("IST-05:30");
    CHECK(rein::format_log_time("", k_evening) == "2026-12-02T19:35:06.789+05:30");
    CHECK(rein::format_log_time("HH:mm", k_evening) == "19:35");
    CHECK(rein::format_iso_utc(k_evening) == "2026-12-02T14:05:06.789Z");
    CHECK(rein::format_iso_utc(-1) == "1969-12-31T23:59:59.999Z");
}
