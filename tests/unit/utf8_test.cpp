// Invalid UTF-8 in log lines becomes visible \xNN escapes in JSON, valid text is untouched.
#include "common/utf8.hpp"

#include <doctest/doctest.h>

using rein::escape_invalid_utf8;

TEST_CASE("valid UTF-8 comes back unchanged") {
    CHECK(escape_invalid_utf8("plain ascii") == "plain ascii");
    CHECK(escape_invalid_utf8("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80") ==
          "h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80");
    CHECK(escape_invalid_utf8("") == "");
}

TEST_CASE("stray, truncated, overlong and surrogate bytes are escaped one by one") {
    CHECK(escape_invalid_utf8("a\xFF"
                              "b") == "a\\xFFb");
    CHECK(escape_invalid_utf8("\xC3") == "\\xC3");                   // truncated at the end
    CHECK(escape_invalid_utf8("\xC3(") == "\\xC3(");                 // bad continuation
    CHECK(escape_invalid_utf8("\xC0\xAF") == "\\xC0\\xAF");          // overlong '/'
    CHECK(escape_invalid_utf8("\xED\xA0\x80") == "\\xED\\xA0\\x80"); // a UTF-16 surrogate
    CHECK(escape_invalid_utf8("\xF4\x90\x80\x80") == "\\xF4\\x90\\x80\\x80"); // > U+10FFFF
}
