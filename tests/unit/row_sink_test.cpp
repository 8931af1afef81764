#include "daemon/control/handlers/row_sink.hpp"

#include <doctest/doctest.h>
#include <functional>
#include <string>

using rein::daemon::RowSink;
using rein::daemon::TextSink;
using rein::daemon::TreeSink;

namespace {

// What `list` sent before it wrote text: the tree, dumped as every reply line is.
std::string tree_text(const std::function<void(RowSink&)>& write) {
    nlohmann::json row = nlohmann::json::object();
    TreeSink tree(row);
    write(tree);
    return row.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string text_of(const std::function<void(RowSink&)>& write, TextSink& sink) {
    write(sink);
    std::string out;
    sink.finish_row(out);
    return out;
}

} // namespace

TEST_CASE("TextSink writes a row byte for byte as the dumped tree of the same fields") {
    const std::vector<std::string> odd = {
        "plain",
        "quote\" back\\slash /slash",
        "ctl \b\f\n\r\t \x01\x1f\x7f end",
        std::string("nul\0in", 6),
        "unicode é ü 日本 🚀",
        "bad utf8 \xff\xfe and cut \xe6\x97",
        "",
    };
    for (const auto& s : odd) {
        auto write = [&](RowSink& out) {
            out.string("zeta", s);
            out.string(s, "value keyed by the odd string");
            out.strings("args", {s, "x", s});
            out.strings("none", {});
            out.integer("neg", -42);
            out.unsigned_integer("big", 18446744073709551615ULL);
            out.real("cpu", 0.0);
            out.real("cpu2", 12.3);
            out.real("cpu3", 100.0 / 3);
            out.boolean("t", true);
            out.boolean("f", false);
            out.null("nothing");
            out.begin_object("pm2_env");
            out.string("name", s);
            out.begin_object("env");
            out.string("B", "1");
            out.string("A", s);
            out.string("B", "2"); // set twice: the last one stays, in its sorted place
            out.end_object();
            out.begin_object("empty");
            out.end_object();
            out.integer("env", 7); // replaces the object
            out.end_object();
            out.integer("Capital", 1);
            out.integer("a_b", 1);
            out.integer("a", 1);
        };
        TextSink sink;
        CAPTURE(s);
        CHECK(text_of(write, sink) == tree_text(write));
        // The sink is reused for the next row: nothing of the last one stays.
        CHECK(text_of(write, sink) == tree_text(write));
    }
}

TEST_CASE("TextSink with fields writes only those top-level keys, nested ones whole") {
    auto write = [](RowSink& out) {
        out.integer("id", 3);
        out.string("name", "web");
        out.begin_object("pm2_env");
        out.string("name", "web"); // a nested key named like a wanted one
        out.begin_object("env");
        out.string("id", "x");
        out.end_object();
        out.end_object();
        out.begin_object("monit");
        out.real("cpu", 1.5);
        out.end_object();
        out.real("cpu", 1.5);
    };
    TextSink sink({"id", "monit", "cpu"});
    CHECK_FALSE(sink.wants("pm2_env"));
    CHECK(sink.wants("monit"));
    CHECK(text_of(write, sink) == R"({"cpu":1.5,"id":3,"monit":{"cpu":1.5}})");
    TextSink all;
    CHECK(text_of(write, all) == tree_text(write));
}
