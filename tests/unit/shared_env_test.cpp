#include "common/app_spec.hpp"
#include "common/shared_env.hpp"
#include "daemon/supervision/registry.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using rein::SharedEnv;

TEST_CASE("shared env: copies share one map until one is edited") {
    SharedEnv a(SharedEnv::Map{{"PATH", "/usr/bin:/bin"}, {"HOME", "/root"}});
    SharedEnv b = a;
    CHECK(b.shares(a));
    CHECK(&b.map() == &a.map());
    b.edit()["HOME"] = "/home/x";
    CHECK_FALSE(b.shares(a));
    CHECK(a.at("HOME") == "/root");
    CHECK(b.at("HOME") == "/home/x");
    CHECK_FALSE(a == b);
    SharedEnv c(SharedEnv::Map{{"PATH", "/usr/bin:/bin"}, {"HOME", "/root"}});
    CHECK(c == a); // equal, not shared
    CHECK_FALSE(c.shares(a));
    SharedEnv none;
    CHECK(none.empty());
    CHECK(none.find("PATH") == none.end());
    CHECK(none == SharedEnv(SharedEnv::Map{}));
}

TEST_CASE("shared env: JSON is an object of strings, anything else is refused") {
    SharedEnv a(SharedEnv::Map{{"A", "1"}, {"B", ""}});
    nlohmann::json j = a;
    CHECK(j == nlohmann::json{{"A", "1"}, {"B", ""}});
    CHECK(j.get<SharedEnv>() == a);
    CHECK_THROWS_AS(nlohmann::json({{"A", 1}}).get<SharedEnv>(), nlohmann::json::exception);
    CHECK_THROWS_AS(nlohmann::json::array().get<SharedEnv>(), nlohmann::json::exception);
    rein::AppSpec spec;
    spec.name = "x";
    spec.base_env = a;
    nlohmann::json sj = spec;
    CHECK(sj.at("base_env") == j);
    CHECK(sj.get<rein::AppSpec>().base_env == a);
}

TEST_CASE("shared env: apps added one by one with equal environments keep one copy") {
    rein::daemon::Registry registry;
    SharedEnv::Map env{{"PATH", "/usr/bin:/bin"}, {"LANG", "C.UTF-8"}};
    auto add = [&](const std::string& name, const SharedEnv::Map& e) -> const SharedEnv& {
        rein::AppSpec spec;
        spec.name = name;
        spec.base_env = SharedEnv(e); // a copy of its own, as read from registry.json
        return registry.add_app(std::move(spec), nullptr).spec.base_env;
    };
    const SharedEnv& first = add("a", env);
    const SharedEnv& second = add("b", env);
    CHECK(second.shares(first));
    SharedEnv::Map other = env;
    other["LANG"] = "de_DE.UTF-8";
    const SharedEnv& third = add("c", other);
    CHECK_FALSE(third.shares(first));
    CHECK(third.at("LANG") == "de_DE.UTF-8");
    CHECK(first.at("LANG") == "C.UTF-8");
}
