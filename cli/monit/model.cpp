#include "cli/monit/model.hpp"

#include <algorithm>

namespace rein::cli::monit {

namespace {
const std::deque<double> k_no_values;
const std::deque<std::string> k_no_lines;

template <typename T>
void push_bounded(std::deque<T>& d, T v, std::size_t max) {
    d.push_back(std::move(v));
    while (d.size() > max) d.pop_front();
}
} // namespace

bool Model::apply(const nlohmann::json& ev) {
    const std::string kind = ev.value("event", "");
    if (kind == "rows") {
        std::vector<nlohmann::json> rows(ev["rows"].begin(), ev["rows"].end());
        for (const auto& r : rows) {
            int id = r.value("id", -1);
            push_bounded(m_cpu[id], r.value("cpu", 0.0), k_history);
            push_bounded(m_memory[id], double(r.value("memory", 0ULL)), k_history);
        }
        // Forget the history of instances that are gone.
        for (auto* hist : {&m_cpu, &m_memory})
            std::erase_if(*hist, [&](const auto& kv) {
                return std::none_of(rows.begin(), rows.end(),
                                    [&](const auto& r) { return r.value("id", -1) == kv.first; });
            });
        m_rows = std::move(rows);
        if (selected() == nullptr && !m_rows.empty()) m_selected_id = m_rows[0].value("id", -1);
        return true; // the charts move on every tick even when the rows did not change
    }
    if (kind == "line") {
        std::string app = ev.value("app", "");
        push_bounded(m_logs[app], ev.value("line", ""), k_log_lines);
        const nlohmann::json* sel = selected();
        return sel && sel->value("name", "") == app;
    }
    if (kind == "skipped") {
        m_skipped += ev.value("lines", 0ULL);
        return true;
    }
    return false;
}

const nlohmann::json* Model::selected() const {
    for (const auto& r : m_rows)
        if (r.value("id", -1) == m_selected_id) return &r;
    return nullptr;
}

void Model::move(int delta) {
    if (m_rows.empty()) return;
    int at = 0;
    for (std::size_t i = 0; i < m_rows.size(); ++i)
        if (m_rows[i].value("id", -1) == m_selected_id) at = int(i);
    at = std::clamp(at + delta, 0, int(m_rows.size()) - 1);
    m_selected_id = m_rows[std::size_t(at)].value("id", -1);
}

const std::deque<double>& Model::cpu_history(int id) const {
    auto it = m_cpu.find(id);
    return it == m_cpu.end() ? k_no_values : it->second;
}

const std::deque<double>& Model::memory_history(int id) const {
    auto it = m_memory.find(id);
    return it == m_memory.end() ? k_no_values : it->second;
}

const std::deque<std::string>& Model::log_lines(const std::string& app) const {
    auto it = m_logs.find(app);
    return it == m_logs.end() ? k_no_lines : it->second;
}

std::string sparkline(const std::deque<double>& values, std::size_t width, double max, bool ascii) {
    static const char* blocks[] = {" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
    static const char levels[] = " .:-=+*#%@";
    for (double v : values) max = std::max(max, v);
    std::string out;
    std::size_t pad = width > values.size() ? width - values.size() : 0;
    out.append(pad, ' ');
    std::size_t skip = values.size() > width ? values.size() - width : 0;
    for (std::size_t i = skip; i < values.size(); ++i) {
        double f = max > 0 ? std::clamp(values[i] / max, 0.0, 1.0) : 0;
        if (ascii)
            out += levels[std::size_t(f * 9 + 0.5)];
        else
            out += blocks[std::size_t(f * 8 + 0.5)];
    }
    return out;
}

} // namespace rein::cli::monit
