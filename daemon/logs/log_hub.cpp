#include "daemon/logs/log_hub.hpp"

#include "common/utf8.hpp"
#include "daemon/logs/app_logs.hpp"

#include <algorithm>

namespace rein::daemon {

bool LogFilter::matches(const LogLine& line) const {
    if (!(line.stream == Stream::out ? out : err)) return false;
    return all || ids.count(line.id) || apps.count(line.app) ||
           namespaces.count(line.namespace_name);
}

nlohmann::json line_event(const std::string& app, std::optional<int> id, Stream stream,
                          std::optional<std::int64_t> wall_ms, std::string_view text) {
    return {{"event", "line"},
            {"app", app},
            {"app_id", id ? nlohmann::json(*id) : nlohmann::json()},
            {"stream", stream == Stream::out ? "out" : "err"},
            {"time", wall_ms ? nlohmann::json(format_log_time("", *wall_ms)) : nlohmann::json()},
            {"line", escape_invalid_utf8(text)}};
}

bool LogHub::has_room() {
    std::erase_if(m_subs, [](const Subscriber& s) { return !s.responder.connected(); });
    return m_subs.size() < k_max_followers;
}

void LogHub::subscribe(LogFilter filter, Responder responder) {
    m_subs.push_back({std::move(filter), std::move(responder), 0});
}

void LogHub::publish(const LogLine& line) {
    std::erase_if(m_subs, [](const Subscriber& s) { return !s.responder.connected(); });
    for (auto& s : m_subs) {
        if (!s.filter.matches(line)) continue;
        if (s.responder.queued_bytes() > k_follower_backlog) {
            ++s.skipped; // the follower is behind: it misses this line, the app does not wait
            continue;
        }
        if (s.skipped > 0) {
            s.responder.event({{"event", "skipped"}, {"lines", s.skipped}});
            s.skipped = 0;
        }
        s.responder.event(line_event(line.app, line.id, line.stream, line.wall_ms, line.text));
    }
}

} // namespace rein::daemon
