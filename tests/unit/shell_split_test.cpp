#include "common/shell_split.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using rein::shell_split;
using Words = std::vector<std::string>;

TEST_CASE("blanks separate words and runs of blanks count once") {
    CHECK(*shell_split("a b  c\td\n e") == Words{"a", "b", "c", "d", "e"});
    CHECK(*shell_split("   ") == Words{});
    CHECK(*shell_split("") == Words{});
}

TEST_CASE("single quotes keep everything literally") {
    CHECK(*shell_split(R"('a b' 'c\d' '$HOME' '"')") == Words{"a b", R"(c\d)", "$HOME", "\""});
}

TEST_CASE("double quotes keep blanks and let a backslash escape only \" \\ $ and a backquote") {
    CHECK(*shell_split(R"("a b" "say \"hi\"" "c\\d" "\$x" "\n")") ==
          Words{"a b", R"(say "hi")", R"(c\d)", "$x", R"(\n)"});
}

TEST_CASE("outside quotes a backslash escapes any character") {
    CHECK(*shell_split(R"(a\ b \'c \\d)") == Words{"a b", "'c", R"(\d)"});
    CHECK(*shell_split("a\\\nb") == Words{"ab"}); // backslash-newline joins lines
}

TEST_CASE("adjacent quoted and unquoted parts form one word, empty quotes an empty word") {
    CHECK(*shell_split(R"(--name="my app"x 'a'"b"c)") == Words{"--name=my appx", "abc"});
    CHECK(*shell_split(R"('' "" x)") == Words{"", "", "x"});
}

TEST_CASE("nothing is expanded") {
    CHECK(*shell_split("$HOME ~ *.js `id` $(id)") == Words{"$HOME", "~", "*.js", "`id`", "$(id)"});
}

TEST_CASE("unterminated quotes and a trailing backslash are errors") {
    const auto single = shell_split("a 'b c");
    REQUIRE_FALSE(single.ok());
    CHECK(single.error().message == "unterminated single quote in 'a 'b c'");
    const auto dbl = shell_split(R"(a "b\")");
    REQUIRE_FALSE(dbl.ok());
    CHECK(dbl.error().message == R"(unterminated double quote in 'a "b\"')");
    CHECK_FALSE(shell_split("a\\").ok());
}
