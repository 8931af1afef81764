#include "cli/reply_rows.hpp"

#include <doctest/doctest.h>
#include <string>

using rein::cli::rows_in_reply;

TEST_CASE("rows_in_reply: the rows as sent, only from a reply of exactly that shape") {
    std::string rows = R"([{"name":"a]}\"[{","pid":1},{"name":"b","args":["x]"]}])";
    // The line outlives the view into it.
    std::string line = R"({"id":12,"ok":true,"result":{"rows":)" + rows + "}}";
    auto got = rows_in_reply(line);
    REQUIRE(got);
    CHECK(*got == rows);
    CHECK(rows_in_reply(R"({"id":1,"ok":true,"result":{"rows":[]}})") == "[]");

    // Anything else is left to the parser: an error, another key, a cut or trailing line.
    CHECK(!rows_in_reply(R"({"error":{"code":"failed","message":"x"},"id":1,"ok":false})"));
    CHECK(!rows_in_reply(R"({"id":1,"ok":true,"result":{"rows":[],"total":[]}})"));
    CHECK(!rows_in_reply(R"({"id":1,"ok":true,"result":{"rows":[{"name":"a"}})"));
    CHECK(!rows_in_reply(R"({"id":1,"ok":true,"result":{"rows":[]}} )"));
    CHECK(!rows_in_reply(R"({"id":1,"ok":true,"result":{"rows":{}}})"));
    CHECK(!rows_in_reply(""));
}
