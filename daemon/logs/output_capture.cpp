#include "daemon/logs/output_capture.hpp"

#include "daemon/logs/commit_journal.hpp"
#include "daemon/reactor/clock.hpp"
#include "daemon/reactor/reactor.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <utility>

namespace rein::daemon {

namespace {
// One buffer for every pipe, as large as a commit can be: the reactor is single-threaded, and
// idle instances then cost no buffer memory at all.
char g_read_buf[CommitJournal::k_area];
// A pipe's default capacity, and what a busy pipe (or one holding a long unfinished line) is
// grown to: the largest an unprivileged process may ask for, and the longest line kept whole.
constexpr std::size_t k_default_pipe = 64 * 1024;
constexpr std::size_t k_big_pipe = k_max_log_line;
static_assert(k_big_pipe <= CommitJournal::k_area);
// Bytes taken from one pipe per loop turn, so one flooding app cannot starve the others.
constexpr std::size_t k_turn_budget = 1024 * 1024;
// Data again this soon after the last read marks a busy pipe, which is then left alone for
// k_pause_ms (1 to 2 ms on the reactor's millisecond timers) to fill up. A writer at 500 MB/s
// puts 1 MiB into the pipe in 2 ms, so the pause is shorter than what the grown pipe holds.
constexpr std::int64_t k_busy_us = 1000;
constexpr std::int64_t k_pause_ms = 2;
// How often held output (a full disk) is offered to the files again.
constexpr std::int64_t k_hold_retry_ms = 250;
// An unfinished line filling half the pipe or more may already have filled it: a pipe's pages
// are shared out per write, so small writes can fill every page with half the bytes. If it
// does not grow for this long, its writer is taken to be blocked and the line is cut (or the
// pipe grown, first).
constexpr std::int64_t k_stall_ms = 50;
// While an unfinished line waits in the pipe, how often the pipe is looked at even without an
// event: a wake-up the edge-triggered watch misses (a writer that goes on mid-write into a pipe
// that was not empty wakes nobody) then costs this much latency, never a stuck app.
constexpr std::int64_t k_tail_poll_ms = 100;
constexpr std::uint32_t k_events = EPOLLIN | EPOLLET;
// The size of a commit when whole lines are there (see commit()).
constexpr std::size_t k_commit_bytes = 256 * 1024;
// What peek() returns besides a count.
constexpr std::size_t k_peek_empty = SIZE_MAX, k_peek_other = SIZE_MAX - 1;

bool g_read_then_write = false;

// The private pipe every capture peeks into. One per process: it is empty between commits.
struct Scratch {
    int r = -1, w = -1;
    std::size_t cap = 0;
    bool made = false;
};
// Set in a forked child (pthread_atfork): the scratch pipe is then made again.
bool g_scratch_inherited = false;
const Scratch& scratch() {
    // Made again in a forked child (the tests' mini daemons): a process killed between its tee
    // and its read leaves bytes in the pipe, which must never be shared.
    static Scratch s;
    if (s.made && !g_scratch_inherited) return s;
    g_scratch_inherited = false;
    if (s.r >= 0) close(s.r);
    if (s.w >= 0) close(s.w);
    s = [] {
        Scratch out;
        out.made = true;
        static bool registered =
            pthread_atfork(nullptr, nullptr, [] { g_scratch_inherited = true; }) == 0;
        (void)registered;
        int p[2];
        if (pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) return out;
        out.r = p[0];
        out.w = p[1];
        int cap = fcntl(p[1], F_SETPIPE_SZ, int(k_big_pipe));
        if (cap < 0) {
            // Refused (the user's pipe memory is used up): lines longer than the default size
            // are cut at it (settle_tail), nothing else changes.
            cap = fcntl(p[1], F_GETPIPE_SZ);
            spdlog::warn("cannot grow the capture's scratch pipe to {} bytes ({}); output lines "
                         "longer than {} bytes are cut there",
                         k_big_pipe, std::strerror(errno), cap);
        }
        out.cap = std::size_t(std::max(cap, 4096));
        return out;
    }();
    return s;
}

// True when no process holds the pipe's write end any more.
bool writers_gone(int fd) {
    pollfd p{fd, POLLIN, 0};
    return poll(&p, 1, 0) == 1 && (p.revents & POLLHUP);
}
} // namespace

void OutputCapture::set_read_then_write(bool on) {
    g_read_then_write = on;
}

OutputCapture::OutputCapture(Reactor& reactor, UniqueFd read_end, std::shared_ptr<AppLogs> logs,
                             int id, Stream stream, std::function<void()> on_eof)
    : m_reactor(reactor), m_fd(std::move(read_end)), m_logs(std::move(logs)), m_id(id),
      m_stream(stream), m_on_eof(std::move(on_eof)) {
    watch();
}

OutputCapture::~OutputCapture() {
    for (std::uint64_t t : {m_pause_timer, m_soon_timer, m_stall_timer})
        if (t) m_reactor.cancel(t);
    if (m_hold_timer)
        m_reactor.cancel(m_hold_timer);
    else if (m_fd)
        m_reactor.remove(m_fd.get()); // a held pipe is not in the reactor
}

void OutputCapture::watch() {
    m_reactor.add(m_fd.get(), k_events, [this](std::uint32_t events) {
        // Woken by data alone: a hang-up that comes later raises an event of its own.
        m_data_event = !(events & (EPOLLHUP | EPOLLERR));
        // The end of the pipe may have destroyed this object (on_eof): nothing touched then.
        if (on_readable()) m_data_event = false;
    });
}

void OutputCapture::hold() {
    if (m_hold_timer) return;
    for (std::uint64_t* t : {&m_pause_timer, &m_soon_timer, &m_stall_timer}) {
        if (*t) m_reactor.cancel(*t);
        *t = 0;
    }
    // Out of the reactor altogether: a pipe whose writer is gone reports a hang-up on every
    // wait, even with no events asked for.
    m_reactor.remove(m_fd.get());
    m_hold_timer = m_reactor.after(k_hold_retry_ms, [this] { retry_held(); });
}

void OutputCapture::retry_held() {
    m_hold_timer = 0;
    m_logs->flush();
    if (m_logs->blocked()) {
        m_hold_timer = m_reactor.after(k_hold_retry_ms, [this] { retry_held(); });
        return;
    }
    watch();
    pump(k_turn_budget);
}

void OutputCapture::drain() {
    if (m_hold_timer) {
        // The files are blocked: the rest stays in the pipe (the kernel holds it) until they
        // take more; the app is gone, so nothing more comes in meanwhile.
        m_logs->flush();
        if (m_logs->blocked()) return;
        m_reactor.cancel(m_hold_timer);
        m_hold_timer = 0;
        watch();
    }
    pump(SIZE_MAX);
}

void OutputCapture::carry(std::string_view partial) {
    // No newline in it, so nothing is emitted: the splitter just holds it again.
    m_splitter.feed(partial, [](std::string_view) {});
}

bool OutputCapture::on_readable() {
    // Also reached while paused: epoll reports a hang-up even on a watch with no events.
    std::int64_t now = mono_us();
    Pumped got = pump(k_turn_budget);
    if (got.closed) return false;
    if (got.bytes > 0) {
        bool busy = now - m_last_data_us < k_busy_us;
        m_last_data_us = now;
        if (busy) pause();
    }
    // Edge-triggered: lines left behind by the budget raise no new event.
    if (got.more && !m_pause_timer && !m_hold_timer) wake_soon();
    return true;
}

void OutputCapture::wake_soon() {
    if (m_soon_timer) return;
    m_soon_timer = m_reactor.after(0, [this] {
        m_soon_timer = 0;
        on_readable();
    });
}

void OutputCapture::pause() {
    if (m_pause_timer || m_hold_timer) return;
    // Room for what the app writes during the pause. Only busy pipes are grown, and only while
    // busy: pipe memory counts against a per-user limit that all of the user's pipes share.
    if (!m_grown) m_grown = fcntl(m_fd.get(), F_SETPIPE_SZ, int(k_big_pipe)) >= 0;
    m_reactor.modify(m_fd.get(), EPOLLET); // a hang-up meanwhile is still reported, once
    m_pause_timer = m_reactor.after(k_pause_ms, [this] { resume(); });
}

void OutputCapture::resume() {
    m_pause_timer = 0;
    m_reactor.modify(m_fd.get(), k_events);
    // Read now rather than wait for epoll: data found means the writer is still busy.
    Pumped got = pump(k_turn_budget);
    if (got.closed) return;
    if (got.bytes == 0) {
        // Quiet again: back to the kernel's default (refused, harmlessly, if data just came or
        // a long unfinished line needs the room).
        if (m_grown) m_grown = fcntl(m_fd.get(), F_SETPIPE_SZ, int(k_default_pipe)) < 0;
        return;
    }
    m_last_data_us = mono_us();
    pause();
}

OutputCapture::Pumped OutputCapture::pump(std::size_t budget) {
    if (!m_fd) return {0, true};
    std::size_t taken = 0;
    Step step = Step::committed;
    while (taken < budget && step == Step::committed) step = commit(taken);
    if (step == Step::held) {
        hold();
        return {taken, false};
    }
    if (step == Step::closed) {
        close_pipe(); // may destroy this object
        return {taken, true};
    }
    if (step == Step::waiting && m_tail > 0) recheck(k_tail_poll_ms, false);
    return {taken, false, step == Step::committed};
}

void OutputCapture::close_pipe() {
    // What an older daemon image carried over in memory and never saw finished.
    std::int64_t now = wall_ms();
    m_splitter.finish([&](std::string_view line) { m_logs->add_line(m_id, m_stream, line, now); });
    m_logs->flush();
    for (std::uint64_t* t : {&m_pause_timer, &m_soon_timer, &m_stall_timer}) {
        if (*t) m_reactor.cancel(*t);
        *t = 0;
    }
    m_reactor.remove(m_fd.get());
    m_fd.reset();
    // May destroy this object: nothing touches members afterwards.
    auto done = std::move(m_on_eof);
    if (done) done();
}

std::size_t OutputCapture::settle_tail(std::size_t whole, std::size_t n) {
    // The writers are gone: nothing will finish the line, so it is one as it stands.
    if (writers_gone(m_fd.get())) return n;
    if (whole > 0) {
        m_tail = n - whole;
        return whole;
    }
    int pipe_cap = fcntl(m_fd.get(), F_GETPIPE_SZ);
    std::size_t cap = std::min(std::size_t(std::max(pipe_cap, 4096)), scratch().cap);
    bool stalled = m_stalled && n == m_tail;
    m_stalled = false;
    if (n >= cap || stalled) {
        // Full (or its writer stuck) without a newline: grow the pipe, whose writer then goes
        // on and wakes us with its next write; at the maximum, cut the line here.
        if (std::size_t(pipe_cap) < k_big_pipe && scratch().cap >= k_big_pipe &&
            fcntl(m_fd.get(), F_SETPIPE_SZ, int(k_big_pipe)) >= 0) {
            m_grown = true;
            m_tail = n;
            recheck(k_pause_ms, false);
            return 0;
        }
        m_cutting = true;
        return n;
    }
    m_tail = n;
    if (n >= cap / 2) recheck(k_stall_ms, true);
    return 0;
}

void OutputCapture::recheck(std::int64_t delay_ms, bool stall) {
    if (m_stall_timer) return; // the pending one looks again, and arms what it then needs
    m_stall_timer = m_reactor.after(delay_ms, [this, stall] {
        m_stall_timer = 0;
        m_stalled = stall;
        on_readable();
    });
}

std::size_t OutputCapture::peek(std::size_t most) {
    const Scratch& sc = scratch();
    ssize_t n;
    do n = tee(m_fd.get(), sc.w, most, SPLICE_F_NONBLOCK);
    while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EAGAIN) return k_peek_empty;
    if (n < 0 && errno == EINVAL) return k_peek_other;
    if (n <= 0) return 0;
    // The copy comes out of the scratch pipe whole: it is empty again for the next peek.
    std::size_t got = 0;
    while (got < std::size_t(n)) {
        ssize_t r = read(sc.r, g_read_buf + got, std::size_t(n) - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += std::size_t(r);
    }
    return got == std::size_t(n) ? got : k_peek_empty; // short: cannot happen with a pipe
}

OutputCapture::Step OutputCapture::commit(std::size_t& taken) {
    const Scratch& sc = scratch();
    if (g_read_then_write || sc.w < 0) return commit_read_first(taken);
    // Lines queued outside any commit (a notice of the daemon's own) go first, unjournaled.
    if (!m_logs->write_pending()) return Step::held;
    int fd = m_fd.get();
    if (m_tail > 0 && !m_stalled) {
        // Only the unfinished line is there, unchanged: nothing to do until the app writes.
        int avail = 0;
        if (ioctl(fd, FIONREAD, &avail) == 0 && std::size_t(avail) == m_tail && !writers_gone(fd))
            return Step::waiting;
    }
    // Commits of k_commit_bytes: the app's pipe has room again after each one, so the app
    // writes on while the daemon writes the next one (a commit holds the pipe full meanwhile).
    // Only a peek without any newline looks at the whole pipe, for the line it may cut.
    std::size_t most = std::min(k_commit_bytes, sc.cap);
    std::size_t got = peek(most);
    if (got == most && !memchr(g_read_buf, '\n', got)) got = peek(most = sc.cap);
    if (got == k_peek_empty) return Step::empty;
    if (got == k_peek_other) return commit_read_first(taken); // not a pipe
    if (got == 0) return Step::closed;
    // A peek that filled its size may have stopped inside a line: what follows the last
    // newline is then no tail, and the next commit takes it.
    bool complete = got < most;
    const void* nl = memrchr(g_read_buf, '\n', got);
    std::size_t whole = nl ? std::size_t(static_cast<const char*>(nl) - g_read_buf) + 1 : 0;
    std::size_t len = whole == got ? got : whole > 0 && !complete ? whole : settle_tail(whole, got);
    if (len == 0) return Step::waiting;
    if (len == got) m_tail = 0;

    std::string carried(m_splitter.partial());
    CommitJournal& journal = CommitJournal::instance();
    journal.begin(len, static_cast<unsigned char>(g_read_buf[0]),
                  static_cast<unsigned char>(g_read_buf[len - 1]));
    std::int64_t now = wall_ms();
    auto emit = [&](std::string_view line) { m_logs->add_line(m_id, m_stream, line, now); };
    auto emit_block = [&](std::string_view lines) {
        m_logs->add_block(m_id, m_stream, lines, now);
    };
    // A newline right after a cut ends the cut line: no empty line (as LineSplitter does).
    std::size_t skip = m_cut && g_read_buf[0] == '\n' ? 1 : 0;
    bool cut = std::exchange(m_cutting, false);
    std::string_view lines(g_read_buf + skip, len - skip);
    m_splitter.feed_blocks(lines, emit, emit_block);
    if (len > whole) m_splitter.finish(emit); // the last line (writers gone) or a cut one
    if (!m_logs->write_pending()) {
        // Nothing consumed: the files go back to what they held, the lines stay in the pipe.
        journal.abort();
        m_logs->drop_pending();
        m_splitter.drop_partial();
        if (!carried.empty()) carry(carried);
        return Step::held;
    }
    ssize_t consumed = journal.consume(fd);
    journal.finish();
    m_cut = cut;
    m_logs->publish();
    if (consumed != ssize_t(len))
        spdlog::error("capture of instance {}: consumed {} of {} bytes committed", m_id, consumed,
                      len);
    taken += len;
    // A short peek emptied the pipe (the scratch pipe has as many pages as the largest pipe an
    // unprivileged app can have): the next write, or the writers' end, wakes us. Else look
    // again: the hang-up that woke us raises no second event.
    if (len == got && complete && m_data_event && sc.cap >= k_big_pipe) return Step::empty;
    if (len == got || !complete) return Step::committed;
    // A writer blocked in the middle of a long write goes on now, and when the pipe fills
    // again it wakes readers only if it found the pipe empty: with the unfinished line left
    // in it, it did not. So look again shortly instead of waiting for an event.
    recheck(k_pause_ms, false);
    return Step::waiting;
}

OutputCapture::Step OutputCapture::commit_read_first(std::size_t& taken) {
    // An unfinished line from the last read goes in front of this one, so the buffer starts at
    // a line and all its whole lines can go to the file in one write.
    std::string_view carry = m_splitter.partial();
    if (carry.size() > sizeof g_read_buf / 4) carry = {};
    if (!carry.empty()) std::memmove(g_read_buf, carry.data(), carry.size());
    ssize_t n;
    do n = read(m_fd.get(), g_read_buf + carry.size(), sizeof g_read_buf - carry.size());
    while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EAGAIN) return Step::empty;
    if (n <= 0) return Step::closed;
    std::size_t got = carry.size() + std::size_t(n);
    if (!carry.empty()) m_splitter.drop_partial();
    std::int64_t now = wall_ms();
    m_splitter.feed_blocks(
        std::string_view(g_read_buf, got),
        [&](std::string_view line) { m_logs->add_line(m_id, m_stream, line, now); },
        [&](std::string_view lines) { m_logs->add_block(m_id, m_stream, lines, now); });
    taken += std::size_t(n);
    m_logs->flush();
    if (m_logs->blocked()) return Step::held;
    return Step::committed;
}

} // namespace rein::daemon
