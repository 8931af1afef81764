#include "common/protocol.hpp"

namespace rein::protocol {

std::optional<std::string> LineBuffer::next_line() {
    auto nl = m_buf.find('\n', m_pos);
    if (nl == std::string::npos) {
        // Compact once the consumed prefix dominates, so the buffer never grows without bound.
        if (m_pos > 0 && m_pos * 2 >= m_buf.size()) {
            m_buf.erase(0, m_pos);
            m_pos = 0;
        }
        return std::nullopt;
    }
    std::string line = m_buf.substr(m_pos, nl - m_pos);
    m_pos = nl + 1;
    if (m_pos == m_buf.size()) {
        m_buf.clear();
        m_pos = 0;
    }
    return line;
}

bool LineBuffer::overflowed() const {
    auto nl = m_buf.find('\n', m_pos);
    std::size_t open = (nl == std::string::npos ? m_buf.size() : nl) - m_pos;
    return open > m_max;
}

bool json_too_deep(std::string_view text, std::size_t max_depth) {
    std::size_t depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (in_string) {
            if (c == '\\')
                ++i; // the escaped character cannot end the string
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max_depth) return true;
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return false;
}

nlohmann::json parse_untrusted(std::string_view text, std::size_t max_depth) {
    if (json_too_deep(text, max_depth)) return nlohmann::json(nlohmann::json::value_t::discarded);
    return nlohmann::json::parse(text, nullptr, false);
}

nlohmann::json ok_reply(const nlohmann::json& id, nlohmann::json result) {
    return {{"id", id}, {"ok", true}, {"result", std::move(result)}};
}

nlohmann::json error_reply(const nlohmann::json& id, std::string_view code,
                           std::string_view message) {
    return {{"id", id},
            {"ok", false},
            {"error", {{"code", std::string(code)}, {"message", std::string(message)}}}};
}

std::string to_line(const nlohmann::json& msg) {
    std::string s = msg.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    s.push_back('\n');
    return s;
}

std::string ok_line(const nlohmann::json& id, std::string_view result_text) {
    std::string s = "{\"id\":";
    s += id.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    s += ",\"ok\":true,\"result\":";
    s.reserve(s.size() + result_text.size() + 2);
    s += result_text;
    s += "}\n";
    return s;
}

} // namespace rein::protocol
