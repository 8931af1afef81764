// Fuzzes shell_split (common/shell_split.hpp): it never crashes; an error is a "bad_value" with a
// sentence; and the words it returns, each put back in single quotes, split into the same words
// again (quoting round-trips, empty words included).
#include "common/shell_split.hpp"
#include "fuzz_support.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace {

/// `word` as one shell word that shell_split reads back unchanged: '...' with each ' as '\''.
std::string quote(const std::string& word) {
    std::string out = "'";
    for (char c : word) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    return out + "'";
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto words = rein::shell_split(text);
    if (!words) {
        FUZZ_CHECK(words.error().code == "bad_value");
        FUZZ_CHECK(!words.error().message.empty());
        return 0;
    }
    std::size_t total = 0;
    for (const auto& w : *words) total += w.size();
    FUZZ_CHECK(total <= text.size()); // splitting only drops quotes, escapes and blanks

    std::string requoted;
    for (const auto& w : *words) requoted += (requoted.empty() ? "" : " ") + quote(w);
    auto again = rein::shell_split(requoted);
    FUZZ_CHECK(again && *again == *words);
    return 0;
}
