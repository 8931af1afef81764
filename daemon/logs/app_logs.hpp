#pragma once
// An app's log files: stdout, stderr and the optional combined file, shared by all its instances
// (merge_logs, the default), or one set per instance (`api-out-3.log`, merge_logs: false, opened
// at the instance's first line). Lines are appended whole (one write per batch of complete
// lines, O_APPEND), so instances never cut into each other's lines; with log_json each line is
// written as one JSON object, as PM2's log_type json does. Committed lines are then offered to
// live followers (LogHub) as the app wrote them.
//
// A write that fails (disk full, quota, I/O error) loses nothing: the bytes not written stay
// queued, in order, and the file is `blocked()` until a later flush() writes them. A capture
// instead rolls its commit back (drop_pending) and leaves the lines in the app's pipe; either
// way the app blocks once its pipe is full, as it does when the disk is slow.
//
// Files the user named (out_file, error_file, log_file) are opened, rotated and removed with the
// app user's own file permissions when it runs as another uid (FsIdentity); the default files in
// the daemon's logs folder are the daemon's own and are never opened through a link.
#include "common/app_spec.hpp"
#include "common/date_format.hpp"
#include "common/unique_fd.hpp"
#include "daemon/logs/log_hub.hpp"
#include "daemon/metrics/counters.hpp"
#include "daemon/supervision/identity.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rein::daemon {

class AppLogs {
  public:
    /// Files are opened by open() (an instance's own files at its first line);
    /// `default_dir` holds <name>-out.log / <name>-error.log.
    /// `hub` (may be null) receives every line once it is written.
    AppLogs(const AppSpec& spec, const std::string& default_dir, LogHub* hub);

    /// Opens (or reopens, after an external rotation) every file. Returns an error sentence on
    /// failure, empty on success. Per-instance files that cannot be opened are reported by
    /// problem() and in reind.log instead (they open after the start was accepted).
    std::string open();
    /// The app's default files (<name>-out.log, <name>-error.log with merge_logs) are created
    /// after the first open(), off the path of a start: creating a file costs ext4 a fraction
    /// of a millisecond, and a start of many apps need not wait for them before its children
    /// run. Opens them now (the supervisor calls this once the start's spawns are released,
    /// before the next request is read; a line that comes first opens its file itself). A
    /// failure is reported as a write's (problem(), reind.log) and tried again at the next line.
    void open_deferred();
    /// True while a default file waits for open_deferred().
    bool has_deferred() const { return m_merged.out.deferred || m_merged.err.deferred; }
    /// Queues one line that instance `id` wrote on `stream`; flush() writes it.
    void add_line(int id, Stream stream, std::string_view line, std::int64_t wall_ms);
    /// Several whole lines at once: `block` is lines each ending in a newline. Without a time
    /// prefix or followers it goes straight to the file (no copy) unless lines are queued.
    void add_block(int id, Stream stream, std::string_view block, std::int64_t wall_ms);
    /// Writes the queued lines (rotating first where log_max_size says so), then publishes them.
    void flush();
    /// flush() in two steps, for a capture commit: writes the queued lines (each write recorded
    /// in the commit journal first); false when some could not be written (then blocked()).
    bool write_pending();
    /// Offers the written lines to followers (once the commit consumed them from the pipe).
    void publish();
    /// The commit was rolled back (its files truncated back): forgets its queued lines and
    /// events, and takes the files' sizes again.
    void drop_pending();
    /// Empties every file and removes its rotated copies (`rein flush`).
    void truncate();
    /// True while some file has bytes that could not be written (its disk is full, ...).
    bool blocked() const;
    /// What is wrong with the files right now ("cannot write ...: No space left on device"),
    /// empty when nothing. Shown by describe and jlist.
    std::string problem() const;

    /// The files instance `id` writes to (with merge_logs, the app's shared files); empty
    /// combined path when there is none.
    std::string out_path(int id) const { return path_for(m_out_path, id); }
    std::string err_path(int id) const { return path_for(m_err_path, id); }
    std::string combined_path(int id) const { return path_for(m_combined_path, id); }
    /// True when each instance has its own files (merge_logs: false).
    bool per_instance() const { return m_per_instance; }
    /// True when lines are written as JSON objects (log_json).
    bool json() const { return m_json; }
    /// Lines and bytes instance `id` wrote on `stream` that are committed to the files (or
    /// lost), for /metrics; null before its first line.
    const metrics::StreamCounts* counts(int id, Stream stream) const;

  private:
    struct File {
        std::string path; ///< empty: this file is not kept
        UniqueFd fd;
        std::string pending;
        std::uint64_t size = 0; ///< bytes in the file, for rotation
        bool named = false;     ///< the user named this path (else: the daemon's logs folder)
        int write_errno = 0;    ///< why the last write failed; 0 once writes succeed
        int rotate_errno = 0;   ///< why the last rotation failed; 0 once one succeeds
        std::int64_t rotate_retry_ms = 0; ///< after a failed rotation, not again before this
        bool mid_line = false;            ///< the last write ended inside a line (cut short)
        bool deferred = false; ///< opened by open_deferred() or its first line, not by open()
    };
    /// The out, error and combined files of the app, or of one instance.
    struct Files {
        File out, err, combined;
        std::int64_t last_used_ms = 0; ///< per-instance sets: when a line last went to them
    };
    struct Published {
        int id;
        Stream stream;
        std::int64_t wall_ms;
        std::string text;
    };
    void append(File& f, std::string_view prefix, std::string_view line);
    /// Counts lines of instance `id` that went to `f` (or were lost: it has no descriptor);
    /// they count once committed (publish()), not when a rolled-back commit drops them.
    void tally(int id, Stream stream, const File& f, std::uint64_t lines, std::uint64_t bytes);
    /// Adds the counts queued since the last commit to the committed ones.
    void commit_counts();
    /// The files instance `id` writes to; per-instance ones are opened on first use.
    Files& files_for(int id);
    std::string path_for(const std::string& path, int id) const;
    /// Opens one file (the app user's own permissions for a named one); errno, 0 on success.
    int open_file(File& f);
    /// Opens a deferred file (see open_deferred()).
    void open_deferred(File& f);
    /// Every file set kept now: the app's, or each instance's opened so far.
    std::vector<Files*> all_files();
    std::vector<const Files*> all_files() const;
    void write_all(File& f);
    /// Writes bytes at the end of f, or queues them behind lines already queued.
    void put(File& f, std::string_view bytes);
    /// Writes whole lines to f, rotating first where log_max_size says so. Returns how many
    /// bytes were written: fewer when a write failed (f.write_errno says why).
    std::size_t write_lines(File& f, std::string_view rest);
    /// Writes `bytes` to f (retrying short writes); returns how many were written.
    std::size_t write_some(File& f, std::string_view bytes);
    void rotate(File& f);
    /// The identity file operations on f run as (null: the daemon's own).
    const Identity* owner(const File& f) const;
    /// Records the outcome of a write or rotation and says so in reind.log when it changes.
    void note_write(File& f, int err);
    void note_rotate(File& f, int err);

    std::string m_name, m_namespace;
    bool m_time;
    bool m_json;
    bool m_per_instance;
    std::string m_date_format;
    std::int64_t m_max_size;
    int m_max_files;
    std::string m_out_path, m_err_path, m_combined_path; ///< before the instance id is added
    bool m_out_named, m_err_named;
    Files m_merged;                   ///< merge_logs: the files every instance shares
    std::map<int, Files> m_instances; ///< merge_logs false: each instance's files
    LogHub* m_hub;
    std::optional<Identity> m_identity; ///< the app's user, when it runs as another uid
    std::vector<Published> m_publish;   ///< written lines to offer to followers (only with any)
    using Counts = std::array<metrics::StreamCounts, 2>; ///< out, err
    std::map<int, Counts> m_counts;                      ///< committed, by instance id
    std::map<int, Counts> m_uncommitted;                 ///< queued since the last publish()
};

/// An instance's own log file for `path` (merge_logs: false), as PM2 names it: the id before
/// the extension (`api-out.log` -> `api-out-3.log`), else at the end; /dev/null stays.
std::string instance_log_path(const std::string& path, int id);

/// One line as log_json writes it: PM2's {"message","timestamp","type","process_id",
/// "app_name"} and a newline; message ends in "\n" as in PM2's files.
std::string json_log_line(std::string_view line, const std::string& timestamp, Stream stream,
                          int id, const std::string& app);

/// Path of the n-th rotated copy of a log file (`api-out.log.1` is the newest).
std::string rotated_path(const std::string& path, int n);

} // namespace rein::daemon
