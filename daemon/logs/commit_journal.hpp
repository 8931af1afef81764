#pragma once
// The commit journal: makes "write lines to the log files, then take them out of the app's pipe"
// one step that a killed daemon either finished or can undo, so every line lands exactly once.
//
// A commit records, before each write(2), which file it writes to and how big that file was
// (path, st_dev, st_ino, size: regular files only). Then it consumes exactly the written bytes
// from the pipe with ONE read(2) into the journal's own mapped area, whose first byte was set to
// the complement of the byte expected there. The journal is a file mapped MAP_SHARED, so what
// the daemon stored in it survives the daemon (not a reboot, which matters not: the pipes die
// too). A daemon starting up calls recover(): a commit left open whose area does not hold the
// expected byte never consumed its bytes (they are still in the pipe: the holder kept it), so
// its writes are undone (each file truncated back to its recorded size); otherwise it completed.
//
// One journal per process (the reactor is single-threaded, commits never overlap): the daemon
// installs a file-backed one at start-up; without one, an anonymous mapping gives the same
// behaviour in-process, only nothing survives a crash.
#include "common/result.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <sys/types.h>
#include <vector>

namespace rein::daemon {

class CommitJournal {
  public:
    /// Largest commit: a pipe's maximum size, which is also the longest line kept whole.
    static constexpr std::size_t k_area = 1024 * 1024;

    /// Maps the journal file at `path` (created, 0600, when missing), or an anonymous area when
    /// `path` is empty. Error sentence when the file cannot be had.
    static Result<std::unique_ptr<CommitJournal>> open(const std::string& path);
    ~CommitJournal();
    CommitJournal(const CommitJournal&) = delete;
    CommitJournal& operator=(const CommitJournal&) = delete;

    /// Makes `j` the process's journal (null: none); the caller keeps owning it.
    static void install(CommitJournal* j);
    /// The installed journal, or null.
    static CommitJournal* active();
    /// The installed journal, else a process-wide anonymous one made on first use.
    static CommitJournal& instance();

    /// What recover() found.
    struct Recovery {
        enum class Kind { none, completed, rolled_back } kind = Kind::none;
        std::vector<std::string> files; ///< files truncated (rolled back)
        std::uint64_t bytes = 0;        ///< bytes removed from them
        std::uint64_t length = 0;       ///< bytes the commit was to consume
        bool partial_consume = false;   ///< completed, but the consume looks cut short
        /// One sentence for reind.log; empty when there was nothing to do.
        std::string describe() const;
    };
    /// Finishes or undoes a commit a dead process left open; idle afterwards.
    Recovery recover();

    /// Opens a commit that will consume `length` (1..k_area) bytes starting with `first` and
    /// ending with `last`.
    void begin(std::size_t length, unsigned char first, unsigned char last);
    /// Called before each write(2) to `fd` (known as `path`) while a commit is open: records
    /// the file's current size the first time the commit writes to it. Ignored when idle and
    /// for anything but a regular file.
    void record(int fd, const std::string& path);
    /// Room to record one more file (a log rotation within a commit needs one).
    bool room() const;
    /// Consumes the commit's bytes from `pipe_fd` with one read(2); bytes read, -1 on error.
    ssize_t consume(int pipe_fd);
    /// The commit is done: idle.
    void finish();
    /// A write failed: undoes the commit's writes (as recover() would) and goes idle.
    void abort();
    bool in_commit() const;

    /// Test hook: the state after a crash at a chosen point is the mapping as it is now; this
    /// forgets the process-side state so recover() sees only the mapping.
    void forget_process_state() { m_recorded = 0; }

  private:
    struct Header;
    struct Record;
    CommitJournal(void* map, std::size_t size, int fd);
    Header& header() const;
    Record& record_at(std::uint32_t i) const;
    unsigned char* area() const;
    /// Truncates every recorded file back to its recorded size; fills `r`.
    void roll_back(Recovery& r);

    void* m_map;
    std::size_t m_size;
    int m_fd;
    std::uint32_t m_recorded = 0; ///< records of the open commit (mirrors the header)
    bool m_locked = false;        ///< the area was locked in memory (at the first begin())
};

} // namespace rein::daemon
