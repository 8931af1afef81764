// The state rein update hands to the next image: instances carry over whole, and a state the
// new image cannot use is refused before anything is taken over.
#include "daemon/continuity/handover.hpp"

#include <doctest/doctest.h>

using namespace rein::daemon;
using nlohmann::json;

namespace {

Instance sample_instance() {
    Instance inst;
    inst.id = 7;
    inst.app = "api";
    inst.index = 2;
    inst.pid = 4242;
    inst.pgid = 4242;
    inst.status = rein::daemon::Status::waiting_restart;
    inst.restarts = 5;
    inst.history = {3, 1500};
    inst.created_at_wall = 1764600000000;
    inst.started_mono = 123456;
    inst.started_wall = 1764600001000;
    inst.exit_code = 1;
    inst.status_text = "warming up";
    inst.last_cpu_ticks = 99;
    inst.last_cpu_mono = 123000;
    inst.cpu_percent = 12.5;
    inst.memory_bytes = 1 << 20;
    return inst;
}

} // namespace

TEST_CASE("an instance comes back from the handover as it went in") {
    Instance in = sample_instance();
    json j = instance_to_handover(in, 2500);
    CHECK(j["restart_in_ms"] == 2500);
    auto out = instance_from_handover(json::parse(j.dump()));
    REQUIRE(out);
    CHECK(instance_to_handover(*out, 2500) == j);
    CHECK(out->status == rein::daemon::Status::waiting_restart);
    CHECK(out->history.backoff_ms == 1500);
    CHECK_FALSE(out->signal.has_value());
}

TEST_CASE("a carried instance with a missing field, an unknown status or no pid is refused") {
    json j = instance_to_handover(sample_instance(), std::nullopt);
    json missing = j;
    missing.erase("restarts");
    CHECK_FALSE(instance_from_handover(missing));
    json status = j;
    status["status"] = "sleeping";
    CHECK_FALSE(instance_from_handover(status));
    json no_pid = j;
    no_pid["status"] = "online";
    no_pid["pid"] = 0;
    CHECK_FALSE(instance_from_handover(no_pid));
}

TEST_CASE("a state of another format, or naming descriptors that are not open, is refused") {
    CHECK_FALSE(parse_handover(json::array()));
    auto other = parse_handover({{"format", k_handover_format + 1}});
    REQUIRE_FALSE(other);
    CHECK(other.error().message.find("state format") != std::string::npos);
    json closed = {
        {"format", k_handover_format}, {"started_wall", 0},
        {"updated_wall", 0},           {"next_id", 0},
        {"kept_fds", json::array()},   {"fds", {{"lock", 999}, {"control", 998}, {"notify", 997}}}};
    auto refused = parse_handover(closed);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.find("not open") != std::string::npos);
}

TEST_CASE("numbers out of range or with fractions in the state are refused, not converted") {
    // Found by the handover fuzzer: 1.7e25 read as int64 was undefined behaviour.
    json state = {{"format", k_handover_format}, {"started_wall", 1.7e25},
                  {"updated_wall", 0},           {"next_id", 0},
                  {"kept_fds", {0, 1, 2}},       {"fds", {{"lock", 0}, {"control", 1}}}};
    CHECK_FALSE(parse_handover(state));
    json j = instance_to_handover(sample_instance(), std::nullopt);
    j["restarts"] = 2.5;
    CHECK_FALSE(instance_from_handover(j));
    j = instance_to_handover(sample_instance(), std::nullopt);
    j["pid"] = 1e12;
    CHECK_FALSE(instance_from_handover(j));
}
