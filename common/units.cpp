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
    std::int64_t frac = 0;       ///< the fraction's digits as an integer
    std::int64_t frac_scale = 1; ///< 10^(number of fraction digits kept)
};

constexpr std::int64_t k_max = std::numeric_limits<std::int64_t>::max();

/// Parses the numeric prefix of `text`; `rest` receives the unit that follows.
bool parse_decimal(std::string_view text, Decimal& out, std::string_view& rest) {
    std::size_t i = 0;
    auto digit = [&](std::size_t k) { return k < text.size() && text[k] >= '0' && text[k] <= '9'; };
    if (!digit(0)) return false;
    for (; digit(i); ++i) {
        if (out.whole > (k_max - 9) / 10) return false; // overflow
        out.whole = out.whole * 10 + (text[i] - '0');
    }
    if (i < text.size() && text[i] == '.') {
        ++i;
        if (!digit(i)) return false;
        for (; digit(i); ++i) {
            // Digits past the 9th cannot change a whole-ms or whole-byte result; drop them.
            if (out.frac_scale >= 1'000'000'000) continue;
            out.frac = out.frac * 10 + (text[i] - '0');
            out.frac_scale *= 10;
        }
    }
    rest = text.substr(i);
    return true;
}

/// whole*unit + frac*unit/scale, rounded down; false on overflow.
bool scale(const Decimal& d, std::int64_t unit, std::int64_t& out) {
    if (d.whole > k_max / unit) return false;
    const std::int64_t base = d.whole * unit;
    // frac < scale <= 1e9 and unit <= 2^30 * 1024, so the product fits in 128 bits.
    const auto part =
        static_cast<std::int64_t>(static_cast<__int128>(d.frac) * unit / d.frac_scale);
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
        if (d.frac_scale != 1) return bad();
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
        if (d.frac_scale != 1) return bad(); // fractional bytes
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
