#include "daemon/logs/app_logs.hpp"

#include "common/utf8.hpp"
#include "daemon/logs/commit_journal.hpp"
#include "daemon/reactor/clock.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

namespace rein::daemon {

namespace {
// Per-instance file sets kept open at once; the least recently used idle ones are closed past
// it (and reopened at their next line), so ids that come and go do not pile up descriptors.
constexpr std::size_t k_max_instance_files = 64;
} // namespace

AppLogs::AppLogs(const AppSpec& spec, const std::string& default_dir, LogHub* hub)
    : m_name(spec.name), m_namespace(spec.namespace_name), m_time(spec.time), m_json(spec.log_json),
      m_per_instance(!spec.merge_logs), m_date_format(spec.log_date_format),
      m_max_size(spec.log_max_size), m_max_files(spec.log_max_files), m_hub(hub) {
    m_out_path = spec.out_file.empty() ? default_dir + "/" + spec.name + "-out.log" : spec.out_file;
    m_err_path =
        spec.error_file.empty() ? default_dir + "/" + spec.name + "-error.log" : spec.error_file;
    m_combined_path = spec.log_file;
    m_out_named = !spec.out_file.empty();
    m_err_named = !spec.error_file.empty();
    m_merged.out.path = m_out_path;
    m_merged.out.named = m_out_named;
    m_merged.err.path = m_err_path;
    m_merged.err.named = m_err_named;
    m_merged.combined.path = m_combined_path;
    m_merged.combined.named = true;
    // Only the daemon's own file in its own folder, where out.log was just created: a path the
    // user named is opened by the start, whose answer says when it cannot be.
    m_merged.out.deferred = !m_per_instance && !m_out_named;
    m_merged.err.deferred = !m_per_instance && !m_err_named;
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

std::string AppLogs::path_for(const std::string& path, int id) const {
    return m_per_instance && !path.empty() ? instance_log_path(path, id) : path;
}

std::vector<AppLogs::Files*> AppLogs::all_files() {
    if (!m_per_instance) return {&m_merged};
    std::vector<Files*> out;
    for (auto& [id, fs] : m_instances) out.push_back(&fs);
    return out;
}

std::vector<const AppLogs::Files*> AppLogs::all_files() const {
    auto files = const_cast<AppLogs*>(this)->all_files();
    return {files.begin(), files.end()};
}

int AppLogs::open_file(File& f) {
    if (f.path.empty()) return 0;
    int fd;
    {
        FsIdentity as(owner(f));
        fd = open_log(f.path, f.named);
    }
    if (fd < 0) {
        int err = errno;
        // Only per-instance files get here after the start was accepted: say why nothing is
        // written (problem() shows it in describe and jlist too).
        if (m_per_instance && err != f.write_errno)
            spdlog::error("{}: cannot open log file {}: {}; its lines are not kept", m_name, f.path,
                          std::strerror(err));
        if (m_per_instance) f.write_errno = err;
        return err;
    }
    write_all(f); // lines queued for the old file land there before the switch
    f.fd.reset(fd);
    struct stat st {};
    f.size = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? std::uint64_t(st.st_size) : 0;
    return 0;
}

std::string AppLogs::open() {
    for (Files* fs : all_files())
        for (File* f : {&fs->out, &fs->err, &fs->combined}) {
            if (f->deferred) continue;
            if (int err = open_file(*f); err && !m_per_instance)
                return "cannot open log file " + f->path + ": " + std::strerror(err);
        }
    return {};
}

void AppLogs::open_deferred() {
    open_deferred(m_merged.out);
    open_deferred(m_merged.err);
}

void AppLogs::open_deferred(File& f) {
    if (!f.deferred) return;
    int err = open_file(f);
    if (!err) {
        f.deferred = false;
        f.write_errno = 0;
        return;
    }
    if (err != f.write_errno)
        spdlog::error("{}: cannot open log file {}: {}; its lines are not kept until it can be",
                      m_name, f.path, std::strerror(err));
    f.write_errno = err; // problem() shows it in describe and jlist
}

AppLogs::Files& AppLogs::files_for(int id) {
    if (!m_per_instance) return m_merged;
    std::int64_t now = mono_ms();
    if (auto it = m_instances.find(id); it != m_instances.end()) {
        it->second.last_used_ms = now;
        return it->second;
    }
    while (m_instances.size() >= k_max_instance_files) {
        auto idle = m_instances.end();
        for (auto it = m_instances.begin(); it != m_instances.end(); ++it) {
            const Files& fs = it->second;
            bool held =
                !fs.out.pending.empty() || !fs.err.pending.empty() || !fs.combined.pending.empty();
            if (!held && (idle == m_instances.end() || fs.last_used_ms < idle->second.last_used_ms))
                idle = it;
        }
        if (idle == m_instances.end()) break; // all hold output: keep them
        m_instances.erase(idle);
    }
    Files& fs = m_instances[id];
    fs.last_used_ms = now;
    fs.out.path = instance_log_path(m_out_path, id);
    fs.out.named = m_out_named;
    fs.err.path = instance_log_path(m_err_path, id);
    fs.err.named = m_err_named;
    if (!m_combined_path.empty()) fs.combined.path = instance_log_path(m_combined_path, id);
    fs.combined.named = true;
    // A file that cannot be opened gets no lines (as /dev/null); open_file says why.
    for (File* f : {&fs.out, &fs.err, &fs.combined}) open_file(*f);
    return fs;
}

void AppLogs::append(File& f, std::string_view prefix, std::string_view line) {
    open_deferred(f);
    if (!f.fd) return; // not kept, or could not be opened
    f.pending.append(prefix);
    f.pending.append(line);
    f.pending.push_back('\n');
}

void AppLogs::add_line(int id, Stream stream, std::string_view line, std::int64_t wall_ms) {
    Files& fs = files_for(id);
    File& f = stream == Stream::out ? fs.out : fs.err;
    if (m_json) {
        std::string timestamp =
            m_date_format.empty() ? format_iso_utc(wall_ms) : format_date(m_date_format, wall_ms);
        std::string obj = json_log_line(line, timestamp, stream, id, m_name);
        obj.pop_back(); // append() adds the newline
        append(f, {}, obj);
        append(fs.combined, {}, obj);
    } else {
        std::string prefix;
        if (m_time) {
            prefix = format_log_time(m_date_format, wall_ms);
            prefix += ": ";
        }
        append(f, prefix, line);
        append(fs.combined, prefix, line);
    }
    tally(id, stream, f, 1, line.size() + 1);
    if (m_hub && m_hub->active()) m_publish.push_back({id, stream, wall_ms, std::string(line)});
}

void AppLogs::add_block(int id, Stream stream, std::string_view block, std::int64_t wall_ms) {
    if (m_time || m_json || (m_hub && m_hub->active())) {
        // Each line needs its own prefix, encoding or event.
        while (!block.empty()) {
            auto nl = block.find('\n');
            add_line(id, stream, block.substr(0, nl), wall_ms);
            block.remove_prefix(nl + 1);
        }
        return;
    }
    Files& fs = files_for(id);
    File& f = stream == Stream::out ? fs.out : fs.err;
    put(f, block);
    if (fs.combined.fd) put(fs.combined, block);
    tally(id, stream, f, std::uint64_t(std::count(block.begin(), block.end(), '\n')), block.size());
}

void AppLogs::put(File& f, std::string_view bytes) {
    open_deferred(f);
    if (!f.fd) return; // could not be opened: nowhere to write
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
    for (const Files* fs : all_files())
        for (const File* f : {&fs->out, &fs->err, &fs->combined})
            if (!f->pending.empty() && f->fd) return true;
    return false;
}

std::string AppLogs::problem() const {
    std::string out;
    std::vector<const File*> files;
    for (const Files* fs : all_files())
        for (const File* f : {&fs->out, &fs->err, &fs->combined}) files.push_back(f);
    for (const File* f : files) {
        std::string one;
        if (f->write_errno && !f->fd)
            one = "cannot open " + f->path + ": " + std::strerror(f->write_errno);
        else if (f->write_errno)
            one = "cannot write " + f->path + ": " + std::strerror(f->write_errno) +
                  (f->pending.empty()
                       ? std::string(" (output held in the pipe)")
                       : " (output held, " + std::to_string(f->pending.size()) + " bytes)");
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
        // Never rotate in the middle of a line (a write that the disk cut short), nor when the
        // commit journal cannot record one more file (the file then grows for this commit).
        const CommitJournal* journal = CommitJournal::active();
        if (m_max_size > 0 && f.size + take > std::uint64_t(m_max_size) && !f.mid_line &&
            (!journal || journal->room())) {
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
    // Recorded before the write, so a daemon killed after it can undo it (commit_journal.hpp).
    if (CommitJournal* journal = CommitJournal::active()) journal->record(f.fd.get(), f.path);
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
    write_pending();
    publish();
}

bool AppLogs::write_pending() {
    for (Files* fs : all_files())
        for (File* f : {&fs->out, &fs->err, &fs->combined}) write_all(*f);
    return !blocked();
}

void AppLogs::drop_pending() {
    for (Files* fs : all_files())
        for (File* f : {&fs->out, &fs->err, &fs->combined}) {
            f->pending.clear();
            f->mid_line = false;
            // The files were truncated back: rotation counts from what they hold now.
            struct stat st {};
            if (f->fd && fstat(f->fd.get(), &st) == 0 && S_ISREG(st.st_mode))
                f->size = std::uint64_t(st.st_size);
        }
    m_publish.clear();
    m_uncommitted.clear();
}

void AppLogs::publish() {
    commit_counts();
    if (m_publish.empty()) return;
    auto lines = std::move(m_publish);
    m_publish.clear();
    for (const auto& p : lines)
        m_hub->publish({m_name, m_namespace, p.id, p.stream, p.wall_ms, p.text});
}

void AppLogs::truncate() {
    flush();
    std::vector<File*> files;
    for (Files* fs : all_files())
        for (File* f : {&fs->out, &fs->err, &fs->combined}) files.push_back(f);
    for (File* f : files) {
        if (!f->fd) continue;
        struct stat st {};
        if (fstat(f->fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        if (ftruncate(f->fd.get(), 0) == 0) f->size = 0;
        FsIdentity as(owner(*f));
        for (int n = 1; n <= std::max(m_max_files, 1); ++n)
            unlink(rotated_path(f->path, n).c_str());
    }
}

std::string instance_log_path(const std::string& path, int id) {
    if (path == "/dev/null") return path;
    std::size_t base = path.rfind('/');
    base = base == std::string::npos ? 0 : base + 1;
    std::size_t dot = path.rfind('.');
    // A dot that starts the name (".log") or lies in a folder name is not an extension.
    if (dot == std::string::npos || dot <= base) return path + "-" + std::to_string(id);
    return path.substr(0, dot) + "-" + std::to_string(id) + path.substr(dot);
}

std::string json_log_line(std::string_view line, const std::string& timestamp, Stream stream,
                          int id, const std::string& app) {
    nlohmann::ordered_json obj = {{"message", escape_invalid_utf8(line) + "\n"},
                                  {"timestamp", timestamp},
                                  {"type", stream == Stream::out ? "out" : "err"},
                                  {"process_id", id},
                                  {"app_name", app}};
    return obj.dump() + "\n";
}

std::string rotated_path(const std::string& path, int n) {
    return path + "." + std::to_string(n);
}

} // namespace rein::daemon
