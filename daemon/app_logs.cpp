#include "daemon/app_logs.hpp"

#include "daemon/clock.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

namespace rein::daemon {

AppLogs::AppLogs(const AppSpec& spec, const std::string& default_dir, LogHub* hub)
    : m_name(spec.name), m_namespace(spec.namespace_name), m_time(spec.time),
      m_date_format(spec.log_date_format), m_max_size(spec.log_max_size),
      m_max_files(spec.log_max_files), m_hub(hub) {
    m_out.path = spec.out_file.empty() ? default_dir + "/" + spec.name + "-out.log" : spec.out_file;
    m_err.path =
        spec.error_file.empty() ? default_dir + "/" + spec.name + "-error.log" : spec.error_file;
    m_combined.path = spec.log_file;
    m_out.named = !spec.out_file.empty();
    m_err.named = !spec.error_file.empty();
    m_combined.named = true;
    // Checked by the start request already; a user removed since then gets the daemon's files.
    if (auto who = app_identity(spec); who && *who) m_identity = std::move(*who);
}

const Identity* AppLogs::owner(const File& f) const {
    return f.named && m_identity ? &*m_identity : nullptr;
}

namespace {
// The daemon's own files are never reached through a link; a path the user named is opened
// as the user (owner()), who may point it anywhere the user could write anyway.
int open_log(const std::string& path, bool named) {
    return ::open(path.c_str(),
                  O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | (named ? 0 : O_NOFOLLOW), 0640);
}
} // namespace

std::string AppLogs::open() {
    for (File* f : {&m_out, &m_err, &m_combined}) {
        if (f->path.empty()) continue;
        int fd;
        {
            FsIdentity as(owner(*f));
            fd = open_log(f->path, f->named);
        }
        if (fd < 0) return "cannot open log file " + f->path + ": " + std::strerror(errno);
        write_all(*f); // lines queued for the old file land there before the switch
        f->fd.reset(fd);
        struct stat st {};
        f->size = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? std::uint64_t(st.st_size) : 0;
    }
    return {};
}

void AppLogs::append(File& f, std::string_view prefix, std::string_view line) {
    f.pending.append(prefix);
    f.pending.append(line);
    f.pending.push_back('\n');
}

void AppLogs::add_line(int id, Stream stream, std::string_view line, std::int64_t wall_ms) {
    std::string prefix;
    if (m_time) {
        prefix = format_log_time(m_date_format, wall_ms);
        prefix += ": ";
    }
    append(stream == Stream::out ? m_out : m_err, prefix, line);
    if (m_combined.fd) append(m_combined, prefix, line);
    if (m_hub && m_hub->active()) m_publish.push_back({id, stream, wall_ms, std::string(line)});
}

void AppLogs::add_block(int id, Stream stream, std::string_view block, std::int64_t wall_ms) {
    if (m_time || (m_hub && m_hub->active())) {
        // Each line needs its own prefix or event.
        while (!block.empty()) {
            auto nl = block.find('\n');
            add_line(id, stream, block.substr(0, nl), wall_ms);
            block.remove_prefix(nl + 1);
        }
        return;
    }
    put(stream == Stream::out ? m_out : m_err, block);
    if (m_combined.fd) put(m_combined, block);
}

void AppLogs::put(File& f, std::string_view bytes) {
    if (f.pending.empty()) {
        std::size_t written = write_lines(f, bytes);
        // What the disk did not take waits, in order, for the next flush.
        if (written < bytes.size()) f.pending.append(bytes.substr(written));
    } else {
        f.pending.append(bytes);
    }
}

void AppLogs::write_all(File& f) {
    if (f.pending.empty()) return;
    std::size_t written = write_lines(f, f.pending);
    f.pending.erase(0, written);
    if (f.pending.empty() && f.pending.capacity() > 64 * 1024) f.pending.shrink_to_fit();
}

bool AppLogs::blocked() const {
    for (const File* f : {&m_out, &m_err, &m_combined})
        if (!f->pending.empty() && f->fd) return true;
    return false;
}

std::string AppLogs::problem() const {
    std::string out;
    for (const File* f : {&m_out, &m_err, &m_combined}) {
        std::string one;
        if (f->write_errno)
            one = "cannot write " + f->path + ": " + std::strerror(f->write_errno) +
                  " (output held, " + std::to_string(f->pending.size()) + " bytes)";
        else if (f->rotate_errno)
            one = "cannot rotate " + f->path + ": " + std::strerror(f->rotate_errno);
        if (!one.empty()) out += (out.empty() ? "" : "; ") + one;
    }
    return out;
}

void AppLogs::note_write(File& f, int err) {
    if (err == f.write_errno) return;
    if (err)
        spdlog::error("{}: cannot write log file {}: {}; its output is held (the app blocks) "
                      "until writes succeed",
                      m_name, f.path, std::strerror(err));
    else
        spdlog::info("{}: log file {} is written again", m_name, f.path);
    f.write_errno = err;
}

void AppLogs::note_rotate(File& f, int err) {
    if (err == f.rotate_errno) return;
    if (err)
        spdlog::error("{}: cannot rotate log file {}: {}; it grows past log_max_size meanwhile",
                      m_name, f.path, std::strerror(err));
    else
        spdlog::info("{}: log file {} rotates again", m_name, f.path);
    f.rotate_errno = err;
}

std::size_t AppLogs::write_lines(File& f, std::string_view lines) {
    std::string_view rest = lines;
    while (!rest.empty() && f.fd) {
        std::size_t take = rest.size();
        // Never rotate in the middle of a line (a write that the disk cut short).
        if (m_max_size > 0 && f.size + take > std::uint64_t(m_max_size) && !f.mid_line) {
            // Only whole lines go in, so a line is always whole in exactly one file: as many
            // as fit, or at least one line when the file is empty.
            std::size_t room = f.size < std::uint64_t(m_max_size) ? m_max_size - f.size : 0;
            std::size_t cut = room > 0 ? rest.rfind('\n', room - 1) : std::string_view::npos;
            if (cut == std::string_view::npos && f.size > 0) {
                if (!f.rotate_errno || mono_ms() >= f.rotate_retry_ms) rotate(f);
                if (f.size > 0)
                    take = rest.size(); // could not rotate: keep appending
                else
                    continue;
            } else {
                take = cut != std::string_view::npos ? cut + 1 : rest.find('\n') + 1;
            }
        }
        std::size_t written = write_some(f, rest.substr(0, take));
        if (written > 0) f.mid_line = rest[written - 1] != '\n';
        rest.remove_prefix(written);
        if (written < take) break; // disk full or gone: the rest waits (put, write_all)
    }
    return lines.size() - rest.size();
}

std::size_t AppLogs::write_some(File& f, std::string_view bytes) {
    std::size_t off = 0;
    int err = 0;
    while (off < bytes.size()) {
        ssize_t n = ::write(f.fd.get(), bytes.data() + off, bytes.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            err = n < 0 ? errno : ENOSPC;
            break;
        }
        off += std::size_t(n);
    }
    f.size += off;
    note_write(f, err);
    return off;
}

void AppLogs::rotate(File& f) {
    struct stat st {};
    if (fstat(f.fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return; // /dev/null, a FIFO...
    FsIdentity as(owner(f));
    // api-out.log.(N-1) -> .N, ..., api-out.log -> .1; the oldest falls off the end.
    int moved;
    if (m_max_files > 0) {
        unlink(rotated_path(f.path, m_max_files).c_str());
        for (int n = m_max_files - 1; n >= 1; --n)
            rename(rotated_path(f.path, n).c_str(), rotated_path(f.path, n + 1).c_str());
        moved = rename(f.path.c_str(), rotated_path(f.path, 1).c_str());
    } else {
        moved = unlink(f.path.c_str());
    }
    f.rotate_retry_ms = mono_ms() + 1000; // after a failure, try again at most once a second
    if (moved != 0) return note_rotate(f, errno); // a read-only folder: keep the file as it is
    int fd = open_log(f.path, f.named);
    // Cannot create the new file: keep writing to the renamed one rather than lose lines.
    if (fd < 0) return note_rotate(f, errno);
    note_rotate(f, 0);
    f.fd.reset(fd);
    f.size = 0;
}

void AppLogs::flush() {
    for (File* f : {&m_out, &m_err, &m_combined}) write_all(*f);
    if (m_publish.empty()) return;
    auto lines = std::move(m_publish);
    m_publish.clear();
    for (const auto& p : lines)
        m_hub->publish({m_name, m_namespace, p.id, p.stream, p.wall_ms, p.text});
}

void AppLogs::truncate() {
    flush();
    for (File* f : {&m_out, &m_err, &m_combined}) {
        if (!f->fd) continue;
        struct stat st {};
        if (fstat(f->fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        if (ftruncate(f->fd.get(), 0) == 0) f->size = 0;
        FsIdentity as(owner(*f));
        for (int n = 1; n <= std::max(m_max_files, 1); ++n)
            unlink(rotated_path(f->path, n).c_str());
    }
}

std::string rotated_path(const std::string& path, int n) {
    return path + "." + std::to_string(n);
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
