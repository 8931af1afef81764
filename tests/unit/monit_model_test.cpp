// The dashboard's model: rows, the last minute of figures, log lines, selection, sparklines.
#include "cli/monit/model.hpp"

#include <doctest/doctest.h>

using namespace rein::cli::monit;
using nlohmann::json;

namespace {
json rows_event(std::vector<std::pair<int, double>> id_cpu) {
    json rows = json::array();
    for (auto [id, cpu] : id_cpu)
        rows.push_back(
            {{"id", id}, {"name", id < 10 ? "api" : "db"}, {"cpu", cpu}, {"memory", 100}});
    return {{"event", "rows"}, {"rows", rows}};
}
} // namespace

TEST_CASE("rows select the first instance and keep a minute of history") {
    Model m;
    CHECK(m.selected() == nullptr);
    for (int i = 0; i < 70; ++i) m.apply(rows_event({{1, double(i)}, {11, 5}}));
    REQUIRE(m.selected() != nullptr);
    CHECK((*m.selected())["id"] == 1);
    CHECK(m.cpu_history(1).size() == k_history);
    CHECK(m.cpu_history(1).back() == 69);
    m.move(1);
    CHECK((*m.selected())["id"] == 11);
    m.move(5);
    CHECK((*m.selected())["id"] == 11);
    // An instance that is gone loses its history; the selection falls back to the first row.
    m.apply(rows_event({{1, 0}}));
    CHECK(m.cpu_history(11).empty());
    CHECK((*m.selected())["id"] == 1);
}

TEST_CASE("log lines are kept per app, only the selected app's lines ask for a redraw") {
    Model m;
    m.apply(rows_event({{1, 0}, {11, 0}}));
    CHECK(m.apply({{"event", "line"}, {"app", "api"}, {"line", "hello"}}));
    CHECK_FALSE(m.apply({{"event", "line"}, {"app", "db"}, {"line", "other"}}));
    CHECK(m.log_lines("api") == std::deque<std::string>{"hello"});
    for (int i = 0; i < 300; ++i) m.apply({{"event", "line"}, {"app", "db"}, {"line", "x"}});
    CHECK(m.log_lines("db").size() == k_log_lines);
    m.apply({{"event", "skipped"}, {"lines", 7}});
    CHECK(m.skipped() == 7);
}

TEST_CASE("sparklines scale to the largest value, newest on the right") {
    CHECK(sparkline({0, 50, 100}, 5, 100, true) == "   +@"); // two cells of padding, then 0
    CHECK(sparkline({1, 2, 3, 4}, 2, 0, true) == "#@");      // the last two, 3 and 4 of 4
    CHECK(sparkline({0, 100}, 2, 100, false) == " █");
}
