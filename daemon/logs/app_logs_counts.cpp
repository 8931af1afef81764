// AppLogs' counts of lines and bytes per instance and stream (/metrics).
#include "daemon/logs/app_logs.hpp"

namespace rein::daemon {

void AppLogs::tally(int id, Stream stream, const File& f, std::uint64_t lines,
                    std::uint64_t bytes) {
    metrics::StreamCounts& c = m_uncommitted[id][stream == Stream::out ? 0 : 1];
    if (!f.fd && !f.path.empty()) {
        c.dropped_lines += lines;
        c.dropped_bytes += bytes;
    } else {
        c.lines += lines;
        c.bytes += bytes;
    }
}

const metrics::StreamCounts* AppLogs::counts(int id, Stream stream) const {
    auto it = m_counts.find(id);
    return it == m_counts.end() ? nullptr : &it->second[stream == Stream::out ? 0 : 1];
}

void AppLogs::commit_counts() {
    for (auto& [id, counts] : m_uncommitted)
        for (std::size_t s = 0; s < counts.size(); ++s) {
            metrics::StreamCounts& to = m_counts[id][s];
            to.lines += counts[s].lines;
            to.bytes += counts[s].bytes;
            to.dropped_lines += counts[s].dropped_lines;
            to.dropped_bytes += counts[s].dropped_bytes;
        }
    m_uncommitted.clear();
}

} // namespace rein::daemon
