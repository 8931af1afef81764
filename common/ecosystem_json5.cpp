// JSON files as PM2 reads them (JSON5: comments and trailing commas). The rest of JSON5 that
// PM2 users write (unquoted keys, single quotes) is YAML flow syntax already.
#include "common/ecosystem_detail.hpp"

namespace rein::ecosystem_detail {

namespace {

/// Calls `outside(i)` for each byte of `text` that is not inside a string ('...' or "...").
template <typename F>
void each_outside_strings(std::string_view text, F outside) {
    char quote = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quote) {
            if (c == '\\')
                ++i; // the escaped byte cannot end the string
            else if (c == quote || c == '\n')
                quote = 0; // a newline ends a broken string: the parser reports it
            continue;
        }
        if (c == '"' || c == '\'') {
            quote = c;
            continue;
        }
        i = outside(i);
    }
}

} // namespace

std::string strip_json5(std::string_view text) {
    std::string out(text);
    // Comments become spaces; their newlines stay, so later lines keep their numbers.
    each_outside_strings(out, [&](std::size_t i) {
        if (out[i] != '/' || i + 1 >= out.size()) return i;
        if (out[i + 1] == '/') {
            std::size_t end = out.find('\n', i);
            if (end == std::string::npos) end = out.size();
            for (std::size_t j = i; j < end; ++j) out[j] = ' ';
            return end - 1;
        }
        if (out[i + 1] == '*') {
            std::size_t end = out.find("*/", i + 2);
            end = end == std::string::npos ? out.size() : end + 2;
            for (std::size_t j = i; j < end; ++j)
                if (out[j] != '\n') out[j] = ' ';
            return end - 1;
        }
        return i;
    });
    // A comma with only blanks before the `]` or `}` that follows it.
    each_outside_strings(out, [&](std::size_t i) {
        if (out[i] != ',') return i;
        const std::size_t next = out.find_first_not_of(" \t\r\n", i + 1);
        if (next != std::string::npos && (out[next] == ']' || out[next] == '}')) out[i] = ' ';
        return i;
    });
    return out;
}

} // namespace rein::ecosystem_detail
