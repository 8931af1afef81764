// Fuzzes duration and size parsing (common/units.hpp) against an exact reference: a value the
// parser accepts must be exactly whole*unit + the fraction times unit, rounded down, computed
// here digit by digit with no limit on the fraction's length; it must never be negative; its
// plain-number spelling must parse back to itself; and sizes must not depend on the case of
// their unit.
#include "common/units.hpp"
#include "fuzz_support.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace {

/// What `text` should read as with the unit `factor_of` finds for its suffix: nothing when the
/// syntax is wrong, the value (saturated at 2^63) otherwise. `whole_only` rejects a fraction
/// when there is no unit.
template <typename FactorOf>
std::optional<unsigned __int128> reference(std::string_view text, FactorOf factor_of) {
    std::size_t i = 0;
    auto digit = [&](std::size_t k) { return k < text.size() && text[k] >= '0' && text[k] <= '9'; };
    if (!digit(0)) return std::nullopt;
    const unsigned __int128 cap = static_cast<unsigned __int128>(1) << 63;
    unsigned __int128 whole = 0;
    for (; digit(i); ++i) whole = std::min(cap, whole * 10 + unsigned(text[i] - '0'));
    std::string_view frac;
    if (i < text.size() && text[i] == '.') {
        std::size_t start = ++i;
        if (!digit(i)) return std::nullopt;
        while (digit(i)) ++i;
        frac = text.substr(start, i - start);
    }
    std::optional<std::int64_t> factor = factor_of(text.substr(i), !frac.empty());
    if (!factor) return std::nullopt;
    // floor(0.frac * factor): multiply the fraction's digits by factor from the right; what
    // carries past the point is the whole part.
    unsigned __int128 carry = 0;
    for (std::size_t k = frac.size(); k-- > 0;)
        carry = (unsigned(frac[k] - '0') * static_cast<unsigned __int128>(*factor) + carry) / 10;
    return std::min(cap, whole * static_cast<unsigned __int128>(*factor) + carry);
}

std::optional<std::int64_t> duration_factor(std::string_view unit, bool fraction) {
    if (unit.empty()) return fraction ? std::nullopt : std::optional<std::int64_t>(1);
    if (unit == "ms") return 1;
    if (unit == "s") return 1000;
    if (unit == "m") return 60 * 1000;
    if (unit == "h") return 60 * 60 * 1000;
    return std::nullopt;
}

std::optional<std::int64_t> size_factor(std::string_view unit, bool fraction) {
    std::string u(unit);
    for (char& c : u) c = char(std::tolower(static_cast<unsigned char>(c)));
    if (u.empty() || u == "b") return fraction ? std::nullopt : std::optional<std::int64_t>(1);
    if (u == "k" || u == "kb") return std::int64_t{1} << 10;
    if (u == "m" || u == "mb") return std::int64_t{1} << 20;
    if (u == "g" || u == "gb") return std::int64_t{1} << 30;
    return std::nullopt;
}

template <typename Parse, typename FactorOf>
void check(std::string_view text, Parse parse, FactorOf factor_of) {
    auto got = parse(text);
    auto want = reference(text, factor_of);
    if (!got) {
        FUZZ_CHECK(got.error().code == "bad_value");
        FUZZ_CHECK(!got.error().message.empty());
        // Malformed, or too large for int64 (the parser may refuse a little early, near 2^63,
        // where its overflow test is conservative).
        FUZZ_CHECK(!want || *want >= (static_cast<unsigned __int128>(1) << 62));
        return;
    }
    FUZZ_CHECK(*got >= 0);
    FUZZ_CHECK(want && *want == static_cast<unsigned __int128>(*got));
    auto again = parse(std::to_string(*got)); // a plain number is ms or bytes
    FUZZ_CHECK(again && *again == *got);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    check(text, rein::parse_duration_ms, duration_factor);
    check(text, rein::parse_size_bytes, size_factor);

    // Sizes read their unit in any case: flipping the case of every letter changes nothing.
    std::string flipped(text);
    for (char& c : flipped) {
        unsigned char u = static_cast<unsigned char>(c);
        c = char(std::isupper(u) ? std::tolower(u) : std::toupper(u));
    }
    auto a = rein::parse_size_bytes(text);
    auto b = rein::parse_size_bytes(flipped);
    FUZZ_CHECK(a.ok() == b.ok());
    if (a) FUZZ_CHECK(*a == *b);
    return 0;
}
