// Log line framing: partial writes, long lines, a last line without newline.
#include "daemon/line_splitter.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using rein::daemon::LineSplitter;

namespace {

std::vector<std::string> split(LineSplitter& s, const std::vector<std::string>& chunks,
                               bool finish = true) {
    std::vector<std::string> out;
    auto emit = [&](std::string_view l) { out.emplace_back(l); };
    for (const auto& c : chunks) s.feed(c, emit);
    if (finish) s.finish(emit);
    return out;
}

} // namespace

TEST_CASE("lines split across writes are joined") {
    LineSplitter s;
    CHECK(split(s, {"hel", "lo\nwor", "ld\n"}) == std::vector<std::string>{"hello", "world"});
}

TEST_CASE("a last line without newline is kept at the end of the stream") {
    LineSplitter s;
    CHECK(split(s, {"a\nb"}, false) == std::vector<std::string>{"a"});
    CHECK(s.pending() == 1);
    std::vector<std::string> rest;
    s.finish([&](std::string_view l) { rest.emplace_back(l); });
    CHECK(rest == std::vector<std::string>{"b"});
}

TEST_CASE("empty lines are lines") {
    LineSplitter s;
    CHECK(split(s, {"\n\nx\n"}) == std::vector<std::string>{"", "", "x"});
}

TEST_CASE("a line over the maximum is split into pieces, never dropped") {
    LineSplitter s(4);
    CHECK(split(s, {"abcdefghij\nxy\n"}) == std::vector<std::string>{"abcd", "efgh", "ij", "xy"});
    LineSplitter t(4);
    CHECK(split(t, {"ab", "cdef", "g"}) == std::vector<std::string>{"abcd", "efg"});
}
