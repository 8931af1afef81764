// Selectors as PM2 users type them: names, ids, namespaces, /regex/, script paths, several.
#include "cli/command.hpp"
#include "daemon/supervision/registry.hpp"

#include <doctest/doctest.h>

using rein::daemon::Registry;

namespace {

void add(Registry& r, const std::string& name, const std::string& script, int instances,
         const std::string& ns = "default") {
    rein::AppSpec spec;
    spec.name = name;
    spec.script = script;
    spec.namespace_name = ns;
    auto& app = r.add_app(spec, nullptr);
    for (int i = 0; i < instances; ++i) r.add_instance(app, 0);
}

} // namespace

TEST_CASE("select: /regex/ matches app names anywhere and a bad one is one clear error") {
    Registry r;
    add(r, "api-a", "/srv/a.js", 2); // ids 0, 1
    add(r, "api-b", "/srv/b.js", 1); // id 2
    add(r, "web", "/srv/web.js", 1); // id 3
    CHECK(*r.select("/^api-/") == std::vector<int>{0, 1, 2});
    CHECK(*r.select("/b$/") == std::vector<int>{2, 3}); // api-b and web
    CHECK(*r.select("/e/") == std::vector<int>{3});
    auto none = r.select("/^zzz/");
    REQUIRE_FALSE(none);
    CHECK(none.error().code == "not_found");
    auto bad = r.select("/[/");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == "bad_request");
    CHECK_FALSE(r.select(""));
}

TEST_CASE("select: an absolute script path selects the apps running that file") {
    Registry r;
    add(r, "a", "/srv/a.js", 2);
    add(r, "a2", "/srv/a.js", 1);
    add(r, "b", "/srv/b.js", 1);
    CHECK(*r.select("/srv/a.js") == std::vector<int>{0, 1, 2});
    auto none = r.select("/srv/none.js");
    REQUIRE_FALSE(none);
    CHECK(none.error().message == "no process runs /srv/none.js");
}

TEST_CASE("select_many: the union of names, ids and namespaces, each id once, in order") {
    Registry r;
    add(r, "a", "/srv/a.js", 2);
    add(r, "b", "/srv/b.js", 1, "back");
    add(r, "c", "/srv/c.js", 1);
    CHECK(*r.select_many({"c", "0", "a"}) == std::vector<int>{0, 1, 3});
    CHECK(*r.select_many({"back", "/^c/"}) == std::vector<int>{2, 3});
    auto partly = r.select_many({"a", "nope"});
    REQUIRE_FALSE(partly);
    CHECK(partly.error().code == "not_found");
    CHECK_FALSE(r.select_many({}));
}

TEST_CASE("start's target: a quoted command line is split like a shell but a file stays whole") {
    using rein::cli::script_and_args;
    auto cmd = script_and_args("python3 -m http.server 8000", {"--bind", "::"});
    REQUIRE(cmd);
    CHECK(cmd->first == "python3");
    CHECK(cmd->second == std::vector<std::string>{"-m", "http.server", "8000", "--bind", "::"});
    auto quoted = script_and_args("node -e 'console.log(1 + 2)'", {});
    REQUIRE(quoted);
    CHECK(quoted->second == std::vector<std::string>{"-e", "console.log(1 + 2)"});
    auto plain = script_and_args("app.js", {"x"});
    REQUIRE(plain);
    CHECK(plain->first == "app.js");
    CHECK(plain->second == std::vector<std::string>{"x"});
    CHECK_FALSE(script_and_args("sleep 'open", {}));
    CHECK_FALSE(script_and_args("   ", {}));
}
