// `list` writes its rows as text, not through a JSON tree: the text must be what dumping the
// tree gave (sorted keys, the same escapes), and `fields` must keep exactly what it names.
#include "harness.hpp"

#include <doctest/doctest.h>

#include <set>
#include <unistd.h>

using namespace rein::test;

namespace {

// The reply to one raw request line.
nlohmann::json ask(const Home& h, const std::string& request) {
    int fd = h.connect_raw();
    send_all(fd, request + "\n");
    std::string line = read_line(fd);
    close(fd);
    return nlohmann::json::parse(line);
}

} // namespace

TEST_CASE("jlist rows are canonical JSON text in every state, odd names and env included") {
    Home h;
    std::string eco = h.ecosystem({
        "  - name: \"日本 \\\"q\\\" \\\\ app\"\n    script: /bin/sh\n"
        "    args: [\"-c\", \"exec sleep 1000\", \"tab\\there\", \"new\\nline\", \"ü\"]\n"
        "    instances: 2\n    namespace: front\n    instance_var: MYVAR\n"
        "    env:\n      A: \"é \\\" \\\\ \\t end\"\n      EMPTY: \"\"\n      MYVAR: \"x\"\n",
        "  - name: cl\n    script: /bin/sleep\n    args: [\"1000\"]\n"
        "    exec_mode: cluster\n    instances: 2\n    max_memory_restart: 100M\n",
        "  - name: stopme\n    script: /bin/sleep\n    args: [\"1000\"]\n",
        "  - name: bad\n    script: /bin/false\n    max_restarts: 1\n    min_uptime: 1000\n",
        "  - name: clash\n    script: /bin/sleep\n    args: [\"1000\"]\n    instance_var: env\n",
    });
    REQUIRE(h.rein({"start", eco}).code == 0);
    REQUIRE(h.rein({"stop", "stopme"}).code == 0);
    REQUIRE(h.wait_status("bad", "errored"));
    REQUIRE(h.wait_status("cl", "online", 2));

    Run j = h.rein({"jlist"});
    REQUIRE(j.code == 0);
    auto rows = nlohmann::json::parse(j.out);
    h.jlist(); // the harness cleans up every pid it saw
    CHECK(j.out == rows.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    REQUIRE(rows.size() == 7);
    std::set<std::string> statuses;
    for (const auto& r : rows) statuses.insert(r["status"].get<std::string>());
    CHECK(statuses == std::set<std::string>{"online", "stopped", "errored"});

    const auto& odd = rows[0];
    CHECK(odd["name"] == "日本 \"q\" \\ app");
    CHECK(odd["args"][3] == "new\nline");
    CHECK(odd["pm2_env"]["env"]["A"] == "é \" \\ \t end");
    CHECK(odd["pm2_env"]["env"]["MYVAR"] == "0"); // the instance's index wins over the app's
    CHECK(odd["pm2_env"]["MYVAR"] == 0);
    CHECK(odd["pm2_env"]["env"]["REIN_APP_NAME"] == odd["name"]);
    CHECK(odd["monit"]["memory"] == odd["memory"]);
    CHECK(rows[2]["pm2_env"]["exec_mode"] == "cluster_mode");
    CHECK(rows[2]["max_memory_restart"] == 100 * 1024 * 1024);
    // instance_var "env": the number set last replaces the env object, as it always did.
    CHECK(rows[6]["pm2_env"]["env"] == 0);
}

TEST_CASE("list fields: only the named keys, and an unknown or empty list is refused") {
    Home h;
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("web", {}, {"instances: 2"})})}).code == 0);
    REQUIRE(h.wait_status("web", "online", 2));
    auto full = h.jlist();

    auto some = ask(h, R"({"id":1,"cmd":"list","fields":["name","pm2_env","id"]})");
    REQUIRE(some["ok"] == true);
    REQUIRE(some["result"]["rows"].size() == 2);
    for (std::size_t i = 0; i < 2; ++i) {
        const auto& row = some["result"]["rows"][i];
        CHECK(row.size() == 3);
        CHECK(row["name"] == full[i]["name"]);
        CHECK(row["id"] == full[i]["id"]);
        CHECK(row["pm2_env"] == full[i]["pm2_env"]);
    }
    // Every key of a full row may be asked for, and asking for all gives the full row back.
    std::vector<std::string> all;
    for (const auto& [key, value] : full[0].items()) all.push_back(key);
    auto every = ask(h, nlohmann::json{{"id", 2}, {"cmd", "list"}, {"fields", all}}.dump());
    REQUIRE(every["ok"] == true);
    CHECK(every["result"]["rows"][1]["pm2_env"] == full[1]["pm2_env"]);
    CHECK(every["result"]["rows"][1].size() == full[1].size());

    for (const char* bad : {R"(["name","nope"])", "[]", R"("name")", "[1]"}) {
        CAPTURE(bad);
        auto r = ask(h, std::string(R"({"id":3,"cmd":"list","fields":)") + bad + "}");
        CHECK(r["ok"] == false);
        CHECK(r["error"]["code"] == "bad_request");
    }
    CHECK(has(ask(h, R"({"id":4,"cmd":"list","fields":["nope"]})").dump(), "nope"));

    Run ls = h.rein({"ls"}); // asks for the table's fields only
    CHECK(ls.code == 0);
    CHECK(has(ls.out, "web"));
    CHECK(has(ls.out, "online"));
}
