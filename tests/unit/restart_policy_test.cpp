// The restart policy as a spec: what happens after a run ends, without clocks or processes.
#include "daemon/supervision/restart_policy.hpp"

#include <doctest/doctest.h>

using namespace rein;
using namespace rein::daemon;
using Action = RestartDecision::Action;

namespace {

RunEnd exited(int code, std::int64_t uptime_ms) {
    return {uptime_ms, code, std::nullopt};
}
RunEnd killed(int sig, std::int64_t uptime_ms) {
    return {uptime_ms, std::nullopt, sig};
}

} // namespace

TEST_CASE("a crash is restarted at once by default") {
    AppSpec spec;
    auto d = decide_restart(spec, {}, exited(1, 5000));
    CHECK(d.action == Action::restart);
    CHECK(d.delay_ms == 0);
    CHECK(d.history.unstable_restarts == 0);
}

TEST_CASE("autorestart false stops whatever the exit") {
    AppSpec spec;
    spec.autorestart = false;
    CHECK(decide_restart(spec, {}, exited(1, 10)).action == Action::stop);
    CHECK(decide_restart(spec, {}, killed(9, 10)).action == Action::stop);
}

TEST_CASE("a stop_exit_code stops, other codes and signals restart") {
    AppSpec spec;
    spec.stop_exit_codes = {0, 3};
    CHECK(decide_restart(spec, {}, exited(0, 5000)).action == Action::stop);
    CHECK(decide_restart(spec, {}, exited(3, 5000)).action == Action::stop);
    CHECK(decide_restart(spec, {}, exited(4, 5000)).action == Action::restart);
    CHECK(decide_restart(spec, {}, killed(3, 5000)).action == Action::restart);
}

TEST_CASE("errored after max_restarts unstable runs") {
    AppSpec spec;
    spec.max_restarts = 3;
    spec.min_uptime_ms = 1000;
    RestartHistory h;
    for (int i = 1; i <= 3; ++i) {
        auto d = decide_restart(spec, h, exited(1, 10));
        REQUIRE(d.action == Action::restart);
        CHECK(d.history.unstable_restarts == i);
        h = d.history;
    }
    CHECK(decide_restart(spec, h, exited(1, 10)).action == Action::error);
}

TEST_CASE("a run of min_uptime or more is stable and clears the unstable count") {
    AppSpec spec;
    spec.min_uptime_ms = 1000;
    RestartHistory h{5, 0};
    auto d = decide_restart(spec, h, exited(1, 1000));
    CHECK(d.action == Action::restart);
    CHECK(d.history.unstable_restarts == 0);
    d = decide_restart(spec, h, exited(1, 999));
    CHECK(d.history.unstable_restarts == 6);
}

TEST_CASE("max_restarts 0 errors on the first unstable run") {
    AppSpec spec;
    spec.max_restarts = 0;
    CHECK(decide_restart(spec, {}, exited(1, 10)).action == Action::error);
    CHECK(decide_restart(spec, {}, exited(1, 5000)).action == Action::restart);
}

TEST_CASE("restart_delay waits before every restart") {
    AppSpec spec;
    spec.restart_delay_ms = 250;
    CHECK(decide_restart(spec, {}, exited(1, 5000)).delay_ms == 250);
    CHECK(decide_restart(spec, {}, killed(11, 10)).delay_ms == 250);
}

TEST_CASE("exponential backoff grows by 1.5, caps at 15 s and resets after 30 s stable") {
    AppSpec spec;
    spec.exp_backoff_restart_delay_ms = 100;
    spec.restart_delay_ms = 5000; // the backoff takes the place of the fixed delay
    spec.max_restarts = 1000;
    RestartHistory h;
    std::vector<std::int64_t> delays;
    for (int i = 0; i < 5; ++i) {
        auto d = decide_restart(spec, h, exited(1, 10));
        delays.push_back(d.delay_ms);
        h = d.history;
    }
    CHECK(delays == std::vector<std::int64_t>{100, 150, 225, 337, 505});
    for (int i = 0; i < 40; ++i) h = decide_restart(spec, h, exited(1, 10)).history;
    CHECK(h.backoff_ms == k_max_backoff_ms);
    // A stable run shorter than 30 s keeps growing it; one of 30 s starts over.
    CHECK(decide_restart(spec, h, exited(1, 29999)).delay_ms == k_max_backoff_ms);
    CHECK(decide_restart(spec, h, exited(1, k_backoff_reset_ms)).delay_ms == 100);
}

TEST_CASE("an end whose status is unknown (an adopted process) counts as a crash") {
    AppSpec spec;
    spec.stop_exit_codes = {0};
    RunEnd unknown{5000, std::nullopt, std::nullopt};
    auto d = decide_restart(spec, {}, unknown);
    CHECK(d.action == Action::restart);
    spec.autorestart = false;
    CHECK(decide_restart(spec, {}, unknown).action == Action::stop);
}
