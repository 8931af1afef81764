#include "common/cores.hpp"

#include <doctest/doctest.h>

#include <sched.h>

using rein::cores_from;

TEST_CASE("without a cgroup quota the affinity mask decides") {
    CHECK(cores_from(8, "max 100000\n") == 8);
    CHECK(cores_from(8, "") == 8);
}

TEST_CASE("a cgroup quota limits the cores, rounding a fraction up") {
    CHECK(cores_from(8, "150000 100000\n") == 2);
    CHECK(cores_from(8, "200000 100000") == 2);
    CHECK(cores_from(8, "50000 100000") == 1);
    CHECK(cores_from(2, "400000 100000") == 2); // a quota above the mask adds nothing
}

TEST_CASE("malformed cpu.max contents impose no limit") {
    CHECK(cores_from(4, "garbage") == 4);
    CHECK(cores_from(4, "x 100000") == 4);
    CHECK(cores_from(4, "100000 0") == 4);
    CHECK(cores_from(4, "-5 100000") == 4);
}

TEST_CASE("there is always at least one core") {
    CHECK(cores_from(0, "") == 1);
    CHECK(cores_from(-3, "max 100000") == 1);
}

TEST_CASE("usable_cores is within the affinity mask") {
    cpu_set_t set;
    CPU_ZERO(&set);
    REQUIRE(sched_getaffinity(0, sizeof set, &set) == 0);
    const int cores = rein::usable_cores();
    CHECK(cores >= 1);
    CHECK(cores <= CPU_COUNT(&set));
}
