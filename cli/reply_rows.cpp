// Printing the rows as sent spares parsing and writing again the whole table: that was most of
// what `jlist` cost once the CLI had started.
#include "cli/reply_rows.hpp"

namespace rein::cli {

namespace {

// The index just past the JSON array that starts at `at`, or npos (strings skipped whole, so
// a bracket inside a name does not count).
std::size_t array_end(std::string_view text, std::size_t at) {
    if (at >= text.size() || text[at] != '[') return std::string_view::npos;
    int depth = 0;
    bool in_string = false;
    for (std::size_t i = at; i < text.size(); ++i) {
        char c = text[i];
        if (in_string) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            ++depth;
        } else if ((c == ']' || c == '}') && --depth == 0) {
            return i + 1;
        }
    }
    return std::string_view::npos;
}

} // namespace

std::optional<std::string_view> rows_in_reply(std::string_view line) {
    constexpr std::string_view head = "{\"id\":", mid = ",\"ok\":true,\"result\":{\"rows\":";
    if (!line.starts_with(head)) return std::nullopt;
    std::size_t at = head.size();
    while (at < line.size() && line[at] >= '0' && line[at] <= '9') ++at;
    if (line.substr(at, mid.size()) != mid) return std::nullopt;
    at += mid.size();
    std::size_t end = array_end(line, at);
    if (end == std::string_view::npos || line.substr(end) != "}}") return std::nullopt;
    return line.substr(at, end - at);
}

} // namespace rein::cli
