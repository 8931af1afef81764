#include "daemon/app_logs.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <unistd.h>

namespace rein::daemon {

AppLogs::AppLogs(const AppSpec& spec, const std::string& default_dir)
    : m_out_path(spec.out_file.empty() ? default_dir + "/" + spec.name + "-out.log"
                                       : spec.out_file),
      m_err_path(spec.error_file.empty() ? default_dir + "/" + spec.name + "-error.log"
                                         : spec.error_file),
      m_combined_path(spec.log_file), m_time(spec.time), m_date_format(spec.log_date_format) {}

std::string AppLogs::open() {
    auto open_one = [](const std::string& path, File& f) -> std::string {
        if (path.empty()) return {};
        int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
        if (fd < 0) return "cannot open log file " + path + ": " + std::strerror(errno);
        write_all(f); // lines queued for the old file land there before the switch
        f.fd.reset(fd);
        return {};
    };
    std::string err = open_one(m_out_path, m_out);
    if (err.empty()) err = open_one(m_err_path, m_err);
    if (err.empty()) err = open_one(m_combined_path, m_combined);
    return err;
}

void AppLogs::append(File& f, std::string_view prefix, std::string_view line) {
    f.pending.append(prefix);
    f.pending.append(line);
    f.pending.push_back('\n');
}

void AppLogs::add_line(Stream stream, std::string_view line, std::int64_t wall_ms) {
    std::string prefix;
    if (m_time) {
        prefix = format_log_time(m_date_format, wall_ms);
        prefix += ": ";
    }
    append(stream == Stream::out ? m_out : m_err, prefix, line);
    if (m_combined.fd) append(m_combined, prefix, line);
}

void AppLogs::write_all(File& f) {
    std::size_t off = 0;
    while (off < f.pending.size() && f.fd) {
        ssize_t n = ::write(f.fd.get(), f.pending.data() + off, f.pending.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break; // disk full or gone: the lines cannot be kept anywhere better
        off += std::size_t(n);
    }
    f.pending.clear();
    if (f.pending.capacity() > 64 * 1024) f.pending.shrink_to_fit();
}

void AppLogs::flush() {
    write_all(m_out);
    write_all(m_err);
    write_all(m_combined);
}

std::string format_log_time(const std::string& format, std::int64_t wall_ms) {
    time_t secs = time_t(wall_ms / 1000);
    int millis = int(wall_ms % 1000);
    tm local{};
    localtime_r(&secs, &local);
    char ms[8];
    snprintf(ms, sizeof ms, "%03d", millis);
    std::string fmt = format;
    if (fmt.empty()) {
        char off[40]; // "+hh:mm"; sized for any long, which the compiler cannot rule out
        long gmtoff = local.tm_gmtoff;
        char sign = gmtoff < 0 ? '-' : '+';
        if (gmtoff < 0) gmtoff = -gmtoff;
        snprintf(off, sizeof off, "%c%02ld:%02ld", sign, gmtoff / 3600, (gmtoff % 3600) / 60);
        fmt = std::string("%Y-%m-%dT%H:%M:%S.") + ms + off;
    } else {
        for (std::size_t p = fmt.find("%L"); p != std::string::npos; p = fmt.find("%L", p + 3))
            fmt.replace(p, 2, ms);
    }
    char buf[256];
    std::size_t n = strftime(buf, sizeof buf, fmt.c_str(), &local);
    return std::string(buf, n);
}

} // namespace rein::daemon
