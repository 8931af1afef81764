// Wire framing: one JSON object per line, each line at most 1 MiB.
#include "common/protocol.hpp"

#include <doctest/doctest.h>

using namespace rein::protocol;

TEST_CASE("lines come out whole however the bytes arrive") {
    LineBuffer b;
    b.feed("{\"id\":1}\n{\"i");
    CHECK(b.next_line() == "{\"id\":1}");
    CHECK_FALSE(b.next_line());
    b.feed("d\":2}\n\n");
    CHECK(b.next_line() == "{\"id\":2}");
    CHECK(b.next_line() == "");
    CHECK_FALSE(b.next_line());
    CHECK(b.pending() == 0);
}

TEST_CASE("a line over the cap without a newline overflows") {
    LineBuffer b(16);
    b.feed(std::string(16, 'x'));
    CHECK_FALSE(b.overflowed());
    b.feed("x");
    CHECK(b.overflowed());
}

TEST_CASE("complete lines before a long partial one are still served") {
    LineBuffer b(8);
    b.feed("short\n" + std::string(9, 'y'));
    CHECK(b.next_line() == "short");
    CHECK(b.overflowed());
}

TEST_CASE("replies have the contract's shape") {
    auto ok = ok_reply(7, {{"x", 1}});
    CHECK(ok == nlohmann::json{{"id", 7}, {"ok", true}, {"result", {{"x", 1}}}});
    auto err = error_reply(8, code::not_found, "no app");
    CHECK(err["ok"] == false);
    CHECK(err["error"]["code"] == "not_found");
    CHECK(err["error"]["message"] == "no app");
}

TEST_CASE("to_line is one line and survives invalid UTF-8") {
    nlohmann::json msg = {{"line", std::string("a\nb\xff")}};
    std::string line = to_line(msg);
    CHECK(line.back() == '\n');
    CHECK(line.find('\n') == line.size() - 1);
    CHECK(nlohmann::json::parse(line)["line"].get<std::string>().substr(0, 3) == "a\nb");
}

TEST_CASE(
    "nesting past the depth limit is caught before parsing, brackets in strings do not count") {
    CHECK_FALSE(json_too_deep("{\"a\":[[1]]}", 3));
    CHECK(json_too_deep("{\"a\":[[[1]]]}", 3));
    CHECK_FALSE(json_too_deep("{\"a\":\"[[[[[[\"}", 3));
    CHECK_FALSE(json_too_deep("{\"a\":\"\\\"[[[[\"}", 3)); // an escaped quote does not end it
    CHECK(parse_untrusted(std::string(100000, '[') + std::string(100000, ']')).is_discarded());
    CHECK(parse_untrusted("{\"id\":[[1]],\"cmd\":\"ping\"}")["cmd"] == "ping");
}
