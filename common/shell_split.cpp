#include "common/shell_split.hpp"

namespace rein {

Result<std::vector<std::string>> shell_split(std::string_view text) {
    std::vector<std::string> words;
    std::string word;
    // A word may be empty yet present (`''`), so "have a word" is tracked apart from its text.
    bool in_word = false;
    std::size_t i = 0;
    const std::size_t n = text.size();
    while (i < n) {
        const char c = text[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            if (in_word) words.push_back(std::move(word));
            word.clear();
            in_word = false;
            ++i;
        } else if (c == '\'') {
            const auto end = text.find('\'', i + 1);
            if (end == std::string_view::npos)
                return make_error("bad_value",
                                  "unterminated single quote in '" + std::string(text) + "'");
            word.append(text.substr(i + 1, end - i - 1));
            in_word = true;
            i = end + 1;
        } else if (c == '"') {
            ++i;
            bool closed = false;
            while (i < n) {
                const char d = text[i];
                if (d == '"') {
                    closed = true;
                    ++i;
                    break;
                }
                if (d == '\\' && i + 1 < n) {
                    const char e = text[i + 1];
                    if (e == '"' || e == '\\' || e == '$' || e == '`') {
                        word += e;
                        i += 2;
                        continue;
                    }
                    if (e == '\n') { // line continuation
                        i += 2;
                        continue;
                    }
                }
                word += d; // any other backslash stays literal inside double quotes
                ++i;
            }
            if (!closed)
                return make_error("bad_value",
                                  "unterminated double quote in '" + std::string(text) + "'");
            in_word = true;
        } else if (c == '\\') {
            if (i + 1 >= n)
                return make_error("bad_value",
                                  "lone backslash at the end of '" + std::string(text) + "'");
            if (text[i + 1] != '\n') { // backslash-newline joins lines and adds nothing
                word += text[i + 1];
                in_word = true;
            }
            i += 2;
        } else {
            word += c;
            in_word = true;
            ++i;
        }
    }
    if (in_word) words.push_back(std::move(word));
    return words;
}

} // namespace rein
