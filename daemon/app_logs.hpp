#pragma once
// An app's log files: stdout, stderr and the optional combined file, shared by all its instances.
// Lines are appended whole (one write per batch of complete lines, O_APPEND), so instances never
// cut into each other's lines.
#include "common/app_spec.hpp"
#include "common/unique_fd.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace rein::daemon {

enum class Stream { out, err };

class AppLogs {
  public:
    /// Files are opened lazily by open(); `default_dir` holds <name>-out.log / <name>-error.log.
    AppLogs(const AppSpec& spec, const std::string& default_dir);

    /// Opens (or reopens, after an external rotation) every file. Returns an error sentence on
    /// failure, empty on success.
    std::string open();
    /// Queues one line from `stream`; lines are written by flush().
    void add_line(Stream stream, std::string_view line, std::int64_t wall_ms);
    /// Writes the queued lines.
    void flush();

    const std::string& out_path() const { return m_out_path; }
    const std::string& err_path() const { return m_err_path; }
    const std::string& combined_path() const { return m_combined_path; }

  private:
    struct File {
        UniqueFd fd;
        std::string pending;
    };
    void append(File& f, std::string_view prefix, std::string_view line);
    static void write_all(File& f);

    std::string m_out_path, m_err_path, m_combined_path;
    bool m_time;
    std::string m_date_format;
    File m_out, m_err, m_combined;
};

/// Formats a log timestamp: strftime `format` in local time with %L as milliseconds; an empty
/// format gives ISO 8601 with milliseconds and the UTC offset (2026-11-23T22:34:00.123+00:00).
std::string format_log_time(const std::string& format, std::int64_t wall_ms);

} // namespace rein::daemon
