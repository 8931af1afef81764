// Fuzzes cron_restart expressions (common/cron.hpp): parsing never crashes and fails with a
// "bad_value" sentence; for an expression that parses, next_after() from a few fixed instants
// (around a leap day, a year's end and both daylight-saving changes of Europe/Berlin) returns -1
// strictly after the instant (a whole minute unless a sixth field names seconds), and the same
// holds when asked again from just before and at that match. next_after() bounds its own search
// (five years, 100,000 steps).
#include "common/cron.hpp"
#include "fuzz_support.hpp"

#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <string_view>

namespace {

// Instants as UTC epoch seconds; local time is Europe/Berlin (UTC when tzdata is missing).
constexpr std::time_t k_instants[] = {
    1709161170, // 2024-02-28 22:59:30 UTC: 23:59:30 local, the leap day follows
    1704063599, // 2023-12-31 22:59:59 UTC: a second before local midnight of the new year
    1711846740, // 2024-03-31 00:59:00 UTC: 01:59 local, just before 02:00 is skipped
    1729989000, // 2024-10-27 00:30:00 UTC: 02:30 CEST, the first pass through 02:xx
    1729992600, // 2024-10-27 01:30:00 UTC: 02:30 CET, the second pass
};

// How many blank-separated fields `text` has (six: the first one is seconds).
int fields(std::string_view text) {
    int n = 0;
    bool in_field = false;
    for (char c : text) {
        const bool blank =
            c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
        if (!blank && !in_field) ++n;
        in_field = !blank;
    }
    return n;
}

void check_next(const rein::CronExpr& cron, std::time_t after, bool seconds) {
    std::time_t next = cron.next_after(after);
    if (next == -1) return;
    FUZZ_CHECK(next > after);
    if (!seconds) FUZZ_CHECK(next % 60 == 0); // Berlin's offsets are whole hours
    // Asked from the second before it, the match is found again (or a later one never comes
    // before it); asked from the match itself, the next one is later still.
    std::time_t again = cron.next_after(next - 1);
    FUZZ_CHECK(again == -1 || again > next - 1);
    std::time_t later = cron.next_after(next);
    FUZZ_CHECK(later == -1 || later > next);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    setenv("TZ", "Europe/Berlin", 1);
    tzset();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto cron = rein::CronExpr::parse(text);
    if (!cron) {
        FUZZ_CHECK(cron.error().code == "bad_value");
        FUZZ_CHECK(!cron.error().message.empty());
        return 0;
    }
    for (std::time_t at : k_instants) check_next(*cron, at, fields(text) == 6);
    return 0;
}
