// The reactor's timers: order, and a due timer cancelled by another one in the same turn.
#include "daemon/reactor/reactor.hpp"

#include <doctest/doctest.h>

#include <vector>

using rein::daemon::Reactor;

TEST_CASE("timers fire in deadline order, equal deadlines in the order they were set") {
    Reactor r;
    std::vector<int> fired;
    // The deadlines are whole milliseconds taken when each timer is set, so the clock may tick
    // between two calls: delays are far enough apart that a tick cannot reorder them.
    r.after(50, [&] { fired.push_back(3); });
    r.after(0, [&] { fired.push_back(1); });
    r.after(-5, [&] { fired.push_back(2); }); // a past delay counts as now
    r.after(100, [&] {
        fired.push_back(4);
        r.stop();
    });
    r.run();
    CHECK(fired == std::vector<int>{1, 2, 3, 4});
}

TEST_CASE("a due timer cancelled by an earlier one in the same turn does not fire") {
    Reactor r;
    bool second_fired = false;
    Reactor::TimerId second = 0;
    r.after(0, [&] { r.cancel(second); });
    second = r.after(0, [&] { second_fired = true; });
    r.after(2, [&] { r.stop(); });
    r.run();
    CHECK_FALSE(second_fired);
}
