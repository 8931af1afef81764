#pragma once
// Reads one instance's stdout or stderr pipe in the reactor and commits whole lines to the app's
// log files. Lives until the pipe's EOF, which may be after the process died: every byte the
// app wrote is drained.
//
// Exactly once, even across a killed daemon: the pipe is only PEEKED (tee(2) into one private
// scratch pipe, read from there); its whole lines are written to the files; and only then are
// exactly those bytes consumed from the pipe, in one read(2) that the commit journal sees
// (commit_journal.hpp). An unfinished line stays in the pipe until its newline comes, the
// writers are gone (it is then written as a last line) or the pipe is full at its 1 MiB maximum
// (cut there, as k_max_log_line). The pipe is watched edge-triggered: a pipe holding only an
// unfinished line wakes the daemon again at the app's next write, not on every loop turn.
//
// A pipe that keeps the daemon busy (data again within a millisecond of the last read) is read
// in batches: after a read the daemon stops watching it for a moment and the app fills the pipe
// meanwhile, instead of waking the daemon on every write. Such a pipe is grown to 1 MiB until it
// goes quiet, so the app does not wait on the pause: it is shorter than filling 1 MiB takes.
#include "common/unique_fd.hpp"
#include "daemon/logs/app_logs.hpp"
#include "daemon/logs/line_splitter.hpp"

#include <cstdint>
#include <functional>
#include <memory>

namespace rein::daemon {

class Reactor;

class OutputCapture {
  public:
    /// Starts watching `read_end`, the `stream` of instance `id`; `on_eof` runs once the pipe is
    /// drained and closed.
    OutputCapture(Reactor& reactor, UniqueFd read_end, std::shared_ptr<AppLogs> logs, int id,
                  Stream stream, std::function<void()> on_eof);
    ~OutputCapture();
    OutputCapture(const OutputCapture&) = delete;
    OutputCapture& operator=(const OutputCapture&) = delete;

    /// Reads everything the pipe holds right now, without the per-turn budget (the process is
    /// gone and its last lines must be committed before anyone is told it stopped). May run
    /// `on_eof`, which may destroy this object.
    void drain();

    /// The pipe, and the unfinished line read from it: what a new daemon image takes over
    /// (rein update). carry() gives such a line back to a new capture of the same pipe.
    int fd() const { return m_fd.get(); }
    Stream stream() const { return m_stream; }
    std::string_view partial() const { return m_splitter.partial(); }
    void carry(std::string_view partial);

    /// Tests only: the capture before the journal (read, then write), which a kill between the
    /// two loses lines with; the crash test shows the difference.
    static void set_read_then_write(bool on);

  private:
    /// What a pump did: bytes taken, and whether the pipe reached its end (after which `on_eof`
    /// has run and this object may be gone).
    struct Pumped {
        std::size_t bytes = 0;
        bool closed = false;
        bool more = false; ///< whole lines are left in the pipe (the budget ran out)
    };
    /// What one commit did.
    enum class Step { committed, empty, waiting, held, closed };
    Step commit(std::size_t& taken);
    Step commit_read_first(std::size_t& taken);
    /// tee(2)s at most `most` bytes of the pipe into the read buffer: the count, 0 at the
    /// pipe's end, or k_peek_empty / k_peek_other (not a pipe).
    std::size_t peek(std::size_t most);
    /// How many of the `n` peeked bytes (no newline among the last n - whole) go now: whole,
    /// or all when the writers are gone or the pipe is full; 0 to wait for more.
    std::size_t settle_tail(std::size_t whole, std::size_t n);
    void close_pipe();
    /// Pumps again in `delay_ms` (a writer blocked mid-write may not wake us); `stall`: the
    /// unfinished line is then cut if it has not grown.
    void recheck(std::int64_t delay_ms, bool stall);
    void wake_soon();
    void watch();
    Pumped pump(std::size_t budget);
    /// Pumps for a wake-up; false when the pipe ended, after which this object may be gone.
    bool on_readable();
    void pause();
    void resume();
    /// The log files took less than was read (disk full): stop reading the pipe, so the app
    /// blocks once it is full, and try the files again every k_hold_retry_ms.
    void hold();
    void retry_held();

    Reactor& m_reactor;
    UniqueFd m_fd;
    std::shared_ptr<AppLogs> m_logs;
    int m_id;
    bool m_grown = false;            ///< the pipe is enlarged (while it is busy)
    std::uint64_t m_pause_timer = 0; ///< set while the pipe is not watched (a batching pause)
    std::uint64_t m_hold_timer = 0;  ///< set while the pipe is not read (the files are blocked)
    std::uint64_t m_soon_timer = 0;  ///< set while a pump is due on the next loop turn
    std::uint64_t m_stall_timer = 0; ///< set while a re-check of the pipe is due (recheck)
    std::int64_t m_last_data_us = 0; ///< when a read last found data
    std::size_t m_tail = 0;          ///< bytes of the unfinished line left in the pipe
    bool m_stalled = false;          ///< the stall timer saw the unfinished line not grow
    bool m_cutting = false;          ///< the commit being made cuts a line at the pipe's size
    bool m_cut = false;              ///< the last commit did: a newline next ends that line
    bool m_data_event = false;       ///< pumping for an event without a hang-up in it
    Stream m_stream;
    LineSplitter m_splitter;
    std::function<void()> m_on_eof;
};

} // namespace rein::daemon
