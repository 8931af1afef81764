#pragma once
// What `rein monit` shows, kept apart from ncurses: the rows, the last minute of CPU and memory
// per instance, the last log lines per app, and the selection. Pure, so it is unit-tested.
#include <cstdint>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace rein::cli::monit {

/// Samples kept per instance: one a second, the last minute.
inline constexpr std::size_t k_history = 60;
/// Log lines kept per app.
inline constexpr std::size_t k_log_lines = 200;

class Model {
  public:
    /// Applies one event of the `monit` stream; true when what is shown changed.
    bool apply(const nlohmann::json& event);

    const std::vector<nlohmann::json>& rows() const { return m_rows; }
    /// The selected row (null when there is none).
    const nlohmann::json* selected() const;
    /// Moves the selection by `delta` rows, clamped.
    void move(int delta);
    /// CPU percentages and memory bytes of an instance, oldest first.
    const std::deque<double>& cpu_history(int id) const;
    const std::deque<double>& memory_history(int id) const;
    /// The last log lines of an app, oldest first.
    const std::deque<std::string>& log_lines(const std::string& app) const;
    /// Lines skipped because the dashboard fell behind.
    std::uint64_t skipped() const { return m_skipped; }

  private:
    std::vector<nlohmann::json> m_rows;
    int m_selected_id = -1;
    std::map<int, std::deque<double>> m_cpu, m_memory;
    std::map<std::string, std::deque<std::string>> m_logs;
    std::uint64_t m_skipped = 0;
};

/// The values as a one-line chart of `width` cells scaled to `max` (at least the largest
/// value): Unicode blocks, or ASCII when `ascii`. The newest value is on the right.
std::string sparkline(const std::deque<double>& values, std::size_t width, double max, bool ascii);

} // namespace rein::cli::monit
