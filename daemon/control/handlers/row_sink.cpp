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
    std::size_t start = out.size();
    out += '"';
    std::size_t plain = 0; // where the run of bytes copied as they are starts
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') continue;
        if (c >= 0x80) {
            // Beyond ASCII, nlohmann's own writer: its UTF-8 checks and replacements stay the
            // rule.
            out.resize(start);
            out += nlohmann::json(std::string(s))
                       .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
            return;
        }
        out.append(s, plain, i - plain);
        plain = i + 1;
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
        default: {
            static constexpr char hex[] = "0123456789abcdef";
            const char esc[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};
            out.append(esc, sizeof esc);
        }
        }
    }
    out.append(s, plain, s.size() - plain);
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
    // The rows' writers name keys in order, so an insertion sort (stable, in place) is a pass.
    for (std::size_t i = 1; i < m.size(); ++i) {
        Member moving = m[i];
        std::size_t j = i;
        for (; j > 0 && moving.key < m[j - 1].key; --j) m[j] = m[j - 1];
        m[j] = moving;
    }
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
