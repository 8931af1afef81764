// A re-implementation of the layout rules of node's util.inspect for JSON data (breakLength
// 80, compact 3, maxArrayLength 100), written from its documented behaviour and checked
// against node's output in tests/unit/js_inspect_test.cpp.
#include "cli/render/js_inspect.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace rein::cli::render {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::size_t k_break_length = 80;
constexpr std::size_t k_compact = 3;
constexpr std::size_t k_max_array = 100;
constexpr std::size_t k_min_line = 16;

// Lengths as JavaScript counts them (UTF-16 code units), which is what inspect measures.
std::size_t js_length(const std::string& s) {
    std::size_t n = 0;
    for (unsigned char c : s) {
        if ((c & 0xC0) != 0x80) ++n;
        if ((c & 0xF8) == 0xF0) ++n; // 4-byte sequences are surrogate pairs
    }
    return n;
}

std::string hex_escape(unsigned cp) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02X", cp);
    return buf;
}

// Quotes and escapes a string: single quotes unless the text holds one, then double quotes,
// then backticks, and only when all three occur are single quotes escaped.
std::string quote(const std::string& s) {
    char q = '\'';
    if (s.find('\'') != std::string::npos) {
        if (s.find('"') == std::string::npos)
            q = '"';
        else if (s.find('`') == std::string::npos && s.find("${") == std::string::npos)
            q = '`';
    }
    std::string out(1, q);
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        // C1 controls (U+0080..U+009F) are escaped too; in UTF-8 they are C2 80..C2 9F.
        if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
            static_cast<unsigned char>(s[i + 1]) <= 0x9F) {
            out += hex_escape(static_cast<unsigned char>(s[++i]));
            continue;
        }
        switch (c) {
        case '\b':
            out += "\\b";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\f':
            out += "\\f";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\'':
            out += q == '\'' ? "\\'" : "'";
            break;
        default:
            out += c < 0x20 || c == 0x7F ? hex_escape(c) : std::string(1, char(c));
        }
    }
    return out + q;
}

// Long strings holding newlines are printed as one quoted piece per line joined by ` +`.
std::string format_string(const std::string& s, std::size_t indent) {
    const std::size_t len = js_length(s);
    if (len <= k_min_line || len + indent + 4 <= k_break_length) return quote(s);
    std::string out;
    std::size_t start = 0;
    while (start < s.size()) {
        std::size_t nl = s.find('\n', start);
        std::size_t end = nl == std::string::npos ? s.size() : nl + 1;
        if (!out.empty()) out += " +\n" + std::string(indent + 2, ' ');
        out += quote(s.substr(start, end - start));
        start = end;
    }
    return out;
}

// Number::toString: the shortest digits that read back to the same double, in fixed notation
// from 1e-7 up to 1e21 and exponent notation outside.
std::string format_double(double d) {
    if (std::isnan(d)) return "NaN";
    if (std::isinf(d)) return d < 0 ? "-Infinity" : "Infinity";
    if (d == 0) return std::signbit(d) ? "-0" : "0";
    char buf[40];
    for (int p = 1; p <= 17; ++p) {
        std::snprintf(buf, sizeof buf, "%.*e", p - 1, d);
        if (std::strtod(buf, nullptr) == d) break;
    }
    std::string m(buf);
    const std::size_t e = m.find('e');
    const int exp = std::atoi(m.c_str() + e + 1);
    std::string sign = m[0] == '-' ? "-" : "";
    std::string digits;
    for (std::size_t i = sign.size(); i < e; ++i)
        if (m[i] != '.') digits += m[i];
    const int k = int(digits.size()), n = exp + 1;
    if (k <= n && n <= 21) return sign + digits + std::string(std::size_t(n - k), '0');
    if (0 < n && n <= 21) return sign + digits.substr(0, n) + "." + digits.substr(n);
    if (-6 < n && n <= 0) return sign + "0." + std::string(std::size_t(-n), '0') + digits;
    std::string out = sign + digits.substr(0, 1);
    if (k > 1) out += "." + digits.substr(1);
    return out + "e" + (n - 1 < 0 ? "-" : "+") + std::to_string(std::abs(n - 1));
}

bool is_identifier(const std::string& key) {
    if (key.empty() || std::isdigit(static_cast<unsigned char>(key[0]))) return false;
    return std::all_of(key.begin(), key.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    });
}

std::string pad(const std::string& s, std::size_t width, bool left) {
    const std::size_t len = js_length(s);
    if (len >= width) return s;
    return left ? std::string(width - len, ' ') + s : s + std::string(width - len, ' ');
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
    return out;
}

struct Inspector {
    std::size_t indent = 0;
    std::size_t current_depth = 0; // depth of the container whose entries were formatted last

    // Many short array entries are laid out in aligned columns, about as wide as tall.
    std::vector<std::string> group(const std::vector<std::string>& output, const Json& arr) const {
        const std::size_t count = output.size() - (arr.size() > k_max_array ? 1 : 0);
        const std::size_t sep = 2;
        std::vector<std::size_t> len(count);
        std::size_t total = 0, longest = 0;
        for (std::size_t i = 0; i < count; ++i) {
            len[i] = js_length(output[i]);
            total += len[i] + sep;
            longest = std::max(longest, len[i]);
        }
        const std::size_t actual_max = longest + sep;
        if (actual_max * 3 + indent >= k_break_length ||
            (double(total) / double(actual_max) <= 5 && longest > 6))
            return output;
        const double bias = std::sqrt(double(actual_max) - double(total) / double(output.size()));
        const double biased_max = std::max(double(actual_max) - 3 - bias, 1.0);
        // The quotient is positive: adding a half and truncating rounds it as std::round
        // would, without a call into libm (which rein then need not load at all).
        const std::size_t columns = std::min<std::size_t>(
            {std::size_t(std::sqrt(2.5 * biased_max * double(count)) / biased_max + 0.5),
             (k_break_length - indent) / actual_max, k_compact * 4, 15});
        if (columns <= 1) return output;
        std::vector<std::size_t> col_width(columns, 0);
        for (std::size_t i = 0; i < count; ++i)
            col_width[i % columns] = std::max(col_width[i % columns], len[i]);
        bool numbers = true;
        for (std::size_t i = 0; i < output.size() && i < arr.size(); ++i)
            numbers = numbers && arr[i].is_number();
        std::vector<std::string> rows;
        for (std::size_t i = 0; i < count; i += columns) {
            const std::size_t end = std::min(i + columns, count);
            std::string line;
            for (std::size_t j = i; j + 1 < end; ++j)
                line += pad(output[j] + ", ", col_width[j - i] + sep, numbers);
            line += numbers ? pad(output[end - 1], col_width[end - 1 - i], true) : output[end - 1];
            rows.push_back(line);
        }
        if (count < output.size()) rows.push_back(output.back());
        return rows;
    }

    std::string reduce(std::vector<std::string> output, const Json& value,
                       std::size_t depth) const {
        const char* open = value.is_array() ? "[" : "{";
        const char* close = value.is_array() ? "]" : "}";
        const std::size_t entries = output.size();
        if (value.is_array() && entries > 6) output = group(output, value);
        if (current_depth - depth < k_compact && entries == output.size()) {
            // node counts a separator per entry twice, plus 10 and the brace, before the text.
            std::size_t total = output.size() * 2 + indent + 1 + 10;
            bool fits = total + output.size() <= k_break_length;
            for (std::size_t i = 0; fits && i < output.size(); ++i) {
                total += js_length(output[i]);
                fits = total <= k_break_length;
            }
            const std::string joined = join(output, ", ");
            if (fits && joined.find('\n') == std::string::npos)
                return std::string(open) + " " + joined + " " + close;
        }
        const std::string nl = "\n" + std::string(indent, ' ');
        return open + nl + "  " + join(output, "," + nl + "  ") + nl + close;
    }

    std::string format(const Json& v, std::size_t depth) {
        switch (v.type()) {
        case Json::value_t::null:
            return "null";
        case Json::value_t::boolean:
            return v.get<bool>() ? "true" : "false";
        case Json::value_t::number_integer:
            return std::to_string(v.get<long long>());
        case Json::value_t::number_unsigned:
            return std::to_string(v.get<unsigned long long>());
        case Json::value_t::number_float:
            return format_double(v.get<double>());
        case Json::value_t::string:
            return format_string(v.get<std::string>(), indent);
        case Json::value_t::array:
        case Json::value_t::object:
            break;
        default:
            return "undefined";
        }
        if (v.empty()) return v.is_array() ? "[]" : "{}";
        current_depth = ++depth;
        std::vector<std::string> output;
        indent += 2;
        if (v.is_array()) {
            for (std::size_t i = 0; i < v.size() && i < k_max_array; ++i)
                output.push_back(format(v[i], depth));
        } else {
            for (const auto& [key, item] : v.items())
                output.push_back((is_identifier(key) ? key : quote(key)) + ": " +
                                 format(item, depth));
        }
        indent -= 2;
        if (v.size() > k_max_array) {
            const std::size_t more = v.size() - k_max_array;
            output.push_back("... " + std::to_string(more) + " more item" + (more > 1 ? "s" : ""));
        }
        return reduce(std::move(output), v, depth);
    }
};

} // namespace

std::string js_inspect(const nlohmann::ordered_json& value) {
    Inspector inspector;
    return inspector.format(value, 0);
}

std::string js_inspect(const nlohmann::json& value) {
    return js_inspect(nlohmann::ordered_json::parse(value.dump()));
}

} // namespace rein::cli::render
