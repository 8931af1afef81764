#include "daemon/control/handlers/row_sink.hpp"

#include <algorithm>
#include <charconv>

namespace rein::daemon {

void TreeSink::begin_object(std::string_view key) {
    nlohmann::json& o = at(key);
    o = nlohmann::json::object();
    m_stack.push_back(&o);
}

void append_json_string(std::string& out, std::string_view s) {
    // Beyond ASCII, nlohmann's own writer: its UTF-8 checks and replacements stay the rule.
    if (std::any_of(s.begin(), s.end(),
                    [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
        out += nlohmann::json(std::string(s))
                   .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        return;
    }
    out += '"';
    for (char c : s) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                static constexpr char hex[] = "0123456789abcdef";
                out += "\\u00";
                out += hex[(c >> 4) & 0xf];
                out += hex[c & 0xf];
            } else {
                out += c;
            }
        }
    }
    out += '"';
}

namespace {

template <class T>
void append_number(std::string& out, T v) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, end);
}

} // namespace

bool TextSink::wants(std::string_view key) const {
    return m_only.empty() || std::find(m_only.begin(), m_only.end(), key) != m_only.end();
}

template <class Write>
void TextSink::put(std::string_view key, Write&& write) {
    if (m_skipped || (m_depth == 0 && !wants(key))) return;
    Level& l = m_levels[m_depth];
    std::size_t at = l.text.size();
    write(l.text);
    l.members.push_back({key, at, l.text.size() - at});
}

void TextSink::null(std::string_view key) {
    put(key, [](std::string& t) { t += "null"; });
}

void TextSink::boolean(std::string_view key, bool v) {
    put(key, [v](std::string& t) { t += v ? "true" : "false"; });
}

void TextSink::integer(std::string_view key, std::int64_t v) {
    put(key, [v](std::string& t) { append_number(t, v); });
}

void TextSink::unsigned_integer(std::string_view key, std::uint64_t v) {
    put(key, [v](std::string& t) { append_number(t, v); });
}

void TextSink::real(std::string_view key, double v) {
    // nlohmann's float format (shortest round trip, "0.0", no exponent for small values).
    put(key, [v](std::string& t) { t += nlohmann::json(v).dump(); });
}

void TextSink::string(std::string_view key, std::string_view v) {
    put(key, [v](std::string& t) { append_json_string(t, v); });
}

void TextSink::strings(std::string_view key, const std::vector<std::string>& v) {
    put(key, [&v](std::string& t) {
        t += '[';
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (i) t += ',';
            append_json_string(t, v[i]);
        }
        t += ']';
    });
}

void TextSink::begin_object(std::string_view key) {
    if (m_skipped || (m_depth == 0 && !wants(key))) {
        ++m_skipped;
        return;
    }
    if (++m_depth == m_levels.size()) m_levels.emplace_back();
    Level& l = m_levels[m_depth];
    l.key = key;
    l.text.clear();
    l.members.clear();
}

void TextSink::end_object() {
    if (m_skipped) {
        --m_skipped;
        return;
    }
    Level& inner = m_levels[m_depth--];
    put(inner.key, [&inner](std::string& t) { write_object(inner, t); });
}

void TextSink::finish_row(std::string& out) {
    write_object(m_levels[0], out);
    m_levels[0].text.clear();
    m_levels[0].members.clear();
}

void TextSink::write_object(Level& level, std::string& out) {
    auto& m = level.members;
    // A JSON object's members come out sorted by key; a key set twice keeps its last value.
    std::stable_sort(m.begin(), m.end(),
                     [](const Member& a, const Member& b) { return a.key < b.key; });
    out += '{';
    bool first = true;
    for (std::size_t i = 0; i < m.size(); ++i) {
        if (i + 1 < m.size() && m[i + 1].key == m[i].key) continue;
        if (!first) out += ',';
        first = false;
        append_json_string(out, m[i].key);
        out += ':';
        out.append(level.text, m[i].at, m[i].len);
    }
    out += '}';
}

} // namespace rein::daemon
