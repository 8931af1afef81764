// Log line framing: partial writes, long lines, a last line without newline.
#include "daemon/logs/line_splitter.hpp"

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

namespace {

// feed_blocks, with every block cut back into its lines: what a reader of the file would see.
std::vector<std::string> split_blocks(LineSplitter& s, const std::vector<std::string>& chunks,
                                      int* blocks = nullptr) {
    std::vector<std::string> out;
    auto emit = [&](std::string_view l) { out.emplace_back(l); };
    auto emit_block = [&](std::string_view b) {
        if (blocks) ++*blocks;
        REQUIRE(!b.empty());
        REQUIRE(b.back() == '\n');
        for (auto nl = b.find('\n'); nl != std::string_view::npos; nl = b.find('\n')) {
            out.emplace_back(b.substr(0, nl));
            b.remove_prefix(nl + 1);
        }
    };
    for (const auto& c : chunks) s.feed_blocks(c, emit, emit_block);
    s.finish(emit);
    return out;
}

} // namespace

TEST_CASE("whole lines in one chunk go out as one block") {
    LineSplitter s;
    int blocks = 0;
    CHECK(split_blocks(s, {"a\nb\nc\n"}, &blocks) == std::vector<std::string>{"a", "b", "c"});
    CHECK(blocks == 1);
}

TEST_CASE("a held line is finished before the block, and a new one is held after it") {
    LineSplitter s;
    std::vector<std::string> lines, block;
    auto emit = [&](std::string_view l) { lines.emplace_back(l); };
    auto emit_block = [&](std::string_view b) { block.emplace_back(b); };
    s.feed_blocks("ab", emit, emit_block);
    CHECK(lines.empty());
    s.feed_blocks("c", emit, emit_block); // still no newline: all of it is held
    CHECK(s.partial() == "abc");
    s.feed_blocks("d\ne\nf\ng", emit, emit_block);
    CHECK(lines == std::vector<std::string>{"abcd"});
    CHECK(block == std::vector<std::string>{"e\nf\n"});
    CHECK(s.partial() == "g");
}

TEST_CASE("a reader may carry the held line into its next buffer") {
    LineSplitter s;
    std::vector<std::string> block;
    auto emit = [](std::string_view) { FAIL("no single line expected"); };
    auto emit_block = [&](std::string_view b) { block.emplace_back(b); };
    s.feed_blocks("a\nbc", emit, emit_block);
    std::string next = std::string(s.partial()) + "d\n";
    s.drop_partial();
    CHECK(s.pending() == 0);
    s.feed_blocks(next, emit, emit_block);
    CHECK(block == std::vector<std::string>{"a\n", "bcd\n"});
}

TEST_CASE("a run longer than the maximum line goes line by line, long lines split") {
    LineSplitter s(4);
    int blocks = 0;
    CHECK(split_blocks(s, {"ab\ncd\nefgh12\n"}, &blocks) ==
          std::vector<std::string>{"ab", "cd", "efgh", "12"});
    CHECK(blocks == 0);
}

TEST_CASE("feed_blocks frames any chunking exactly like feed") {
    std::string text;
    unsigned seed = 12345;
    auto next = [&] { return seed = seed * 1103515245u + 12345u, (seed >> 16) & 0x7fff; };
    for (int i = 0; i < 3000; ++i) {
        std::size_t len = next() % 13;
        text.append(len, char('a' + next() % 26));
        text.push_back('\n');
    }
    text += "tail";
    for (int round = 0; round < 20; ++round) {
        std::vector<std::string> chunks;
        for (std::size_t pos = 0; pos < text.size();) {
            std::size_t len = 1 + next() % 40;
            chunks.push_back(text.substr(pos, len));
            pos += len;
        }
        LineSplitter a(8), b(8);
        CHECK(split_blocks(a, chunks) == split(b, chunks));
    }
}
