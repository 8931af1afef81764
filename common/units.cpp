#include "common/units.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <string>

namespace rein {

namespace {

/// A non-negative decimal `digits[.digits]` split into its whole part and fraction, so the
/// scaling below stays in integers (1.1s is exactly 1100 ms, not 1099.999...).
struct Decimal {
    std::int64_t whole = 0;
    std::string_view frac; ///< every digit after the point (empty without a point)
};

constexpr std::int64_t k_max = std::numeric_limits<std::int64_t>::max();

/// Parses the numeric prefix of `text`; `rest` receives the unit that follows.
bool parse_decimal(std::string_view text, Decimal& out, std::string_view& rest) {
    std::size_t i = 0;
    auto digit = [&](std::size_t k) { return k < text.size() && text[k] >= '0' && text[k] <= '9'; };
    if (!digit(0)) return false;
    for (; digit(i); ++i) {
        const int d = text[i] - '0';
        if (out.whole > (k_max - d) / 10) return false; // overflow
        out.whole = out.whole * 10 + d;
    }
    if (i < text.size() && text[i] == '.') {
        const std::size_t start = ++i;
        if (!digit(i)) return false;
        while (digit(i)) ++i;
        // All of them are kept: with a unit above 10^9 (G is 2^30 bytes) even the 10th digit
        // can change the whole-byte result.
        out.frac = text.substr(start, i - start);
    }
    rest = text.substr(i);
    return true;
}

/// whole*unit + 0.frac*unit, rounded down, exact for a fraction of any length; false on
/// overflow.
bool scale(const Decimal& d, std::int64_t unit, std::int64_t& out) {
    if (d.whole > k_max / unit) return false;
    const std::int64_t base = d.whole * unit;
    // floor(0.f1f2...fn * unit): multiply the digits by unit from the last one, each step keeping
    // only what carries past the point (floor((a + floor(b)) / 10) == floor((a + b) / 10) for an
    // integer a). The carry stays below unit, so 9*unit + carry < 10*unit fits easily.
    std::int64_t part = 0;
    for (std::size_t k = d.frac.size(); k-- > 0;) part = ((d.frac[k] - '0') * unit + part) / 10;
    if (base > k_max - part) return false;
    out = base + part;
    return true;
}

std::string lower(std::string_view s) {
    std::string r(s);
    std::transform(r.begin(), r.end(), r.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return r;
}

} // namespace

Result<std::int64_t> parse_duration_ms(std::string_view text) {
    auto bad = [&] {
        return make_error("bad_value", "'" + std::string(text) +
                                           "' is not a duration (use milliseconds, or a number "
                                           "with ms, s, m or h, e.g. 500ms, 2s, 1.5m)");
    };
    Decimal d;
    std::string_view unit;
    if (!parse_decimal(text, d, unit)) return bad();
    std::int64_t factor = 0;
    if (unit.empty()) {
        // A bare number is milliseconds and must be whole: `1.5` is more likely a slip than 1 ms.
        if (!d.frac.empty()) return bad();
        factor = 1;
    } else if (unit == "ms") {
        factor = 1;
    } else if (unit == "s") {
        factor = 1000;
    } else if (unit == "m") {
        factor = 60 * 1000;
    } else if (unit == "h") {
        factor = 60 * 60 * 1000;
    } else {
        return bad();
    }
    std::int64_t ms = 0;
    if (!scale(d, factor, ms)) return bad();
    return ms;
}

Result<std::int64_t> parse_size_bytes(std::string_view text) {
    auto bad = [&] {
        return make_error("bad_value", "'" + std::string(text) +
                                           "' is not a size (use bytes, or a number with K, M "
                                           "or G, e.g. 512K, 200M, 1G)");
    };
    Decimal d;
    std::string_view unit_text;
    if (!parse_decimal(text, d, unit_text)) return bad();
    const std::string unit = lower(unit_text);
    std::int64_t factor = 0;
    if (unit.empty() || unit == "b") {
        if (!d.frac.empty()) return bad(); // fractional bytes
        factor = 1;
    } else if (unit == "k" || unit == "kb") {
        factor = std::int64_t{1} << 10;
    } else if (unit == "m" || unit == "mb") {
        factor = std::int64_t{1} << 20;
    } else if (unit == "g" || unit == "gb") {
        factor = std::int64_t{1} << 30;
    } else {
        return bad();
    }
    std::int64_t bytes = 0;
    if (!scale(d, factor, bytes)) return bad();
    return bytes;
}

} // namespace rein
