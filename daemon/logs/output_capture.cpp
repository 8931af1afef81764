#include "daemon/logs/output_capture.hpp"

#include "daemon/reactor/clock.hpp"
#include "daemon/reactor/reactor.hpp"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

namespace rein::daemon {

namespace {
// One read buffer for every pipe: the reactor is single-threaded, and idle instances then
// cost no buffer memory at all.
char g_read_buf[256 * 1024];
// A pipe's default capacity, and what a busy pipe is grown to.
constexpr std::size_t k_default_pipe = 64 * 1024;
constexpr std::size_t k_big_pipe = 1024 * 1024;
// Bytes taken from one pipe per loop turn, so one flooding app cannot starve the others.
constexpr std::size_t k_turn_budget = 1024 * 1024;
// Data again this soon after the last read marks a busy pipe, which is then left alone for
// k_pause_ms (1 to 2 ms on the reactor's millisecond timers) to fill up. A writer at 500 MB/s
// puts 1 MiB into the pipe in 2 ms, so the pause is shorter than what the grown pipe holds.
constexpr std::int64_t k_busy_us = 1000;
constexpr std::int64_t k_pause_ms = 2;
// How often held output (a full disk) is offered to the files again.
constexpr std::int64_t k_hold_retry_ms = 250;
} // namespace

OutputCapture::OutputCapture(Reactor& reactor, UniqueFd read_end, std::shared_ptr<AppLogs> logs,
                             int id, Stream stream, std::function<void()> on_eof)
    : m_reactor(reactor), m_fd(std::move(read_end)), m_logs(std::move(logs)), m_id(id),
      m_stream(stream), m_on_eof(std::move(on_eof)) {
    m_reactor.add(m_fd.get(), EPOLLIN, [this](std::uint32_t) { on_readable(); });
}

OutputCapture::~OutputCapture() {
    if (m_pause_timer) m_reactor.cancel(m_pause_timer);
    if (m_hold_timer)
        m_reactor.cancel(m_hold_timer);
    else if (m_fd)
        m_reactor.remove(m_fd.get()); // a held pipe is not in the reactor
}

void OutputCapture::hold() {
    if (m_hold_timer) return;
    if (m_pause_timer) m_reactor.cancel(m_pause_timer);
    m_pause_timer = 0;
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
    m_reactor.add(m_fd.get(), EPOLLIN, [this](std::uint32_t) { on_readable(); });
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
        m_reactor.add(m_fd.get(), EPOLLIN, [this](std::uint32_t) { on_readable(); });
    }
    pump(SIZE_MAX);
}

void OutputCapture::carry(std::string_view partial) {
    // No newline in it, so nothing is emitted: the splitter just holds it again.
    m_splitter.feed(partial, [](std::string_view) {});
}

void OutputCapture::on_readable() {
    // Also reached while paused: epoll reports a hang-up even on a watch with no events.
    std::int64_t now = mono_us();
    Pumped got = pump(k_turn_budget);
    if (got.closed || got.bytes == 0) return;
    bool busy = now - m_last_data_us < k_busy_us;
    m_last_data_us = now;
    if (busy) pause();
}

void OutputCapture::pause() {
    if (m_pause_timer || m_hold_timer) return;
    // Room for what the app writes during the pause. Only busy pipes are grown, and only while
    // busy: pipe memory counts against a per-user limit that all of the user's pipes share.
    if (!m_grown) m_grown = fcntl(m_fd.get(), F_SETPIPE_SZ, int(k_big_pipe)) >= 0;
    m_reactor.modify(m_fd.get(), 0);
    m_pause_timer = m_reactor.after(k_pause_ms, [this] { resume(); });
}

void OutputCapture::resume() {
    m_pause_timer = 0;
    m_reactor.modify(m_fd.get(), EPOLLIN);
    // Read now rather than wait for epoll: data found means the writer is still busy.
    Pumped got = pump(k_turn_budget);
    if (got.closed) return;
    if (got.bytes == 0) {
        // Quiet again: back to the kernel's default (refused, harmlessly, if data just came).
        if (m_grown) m_grown = fcntl(m_fd.get(), F_SETPIPE_SZ, int(k_default_pipe)) < 0;
        return;
    }
    m_last_data_us = mono_us();
    pause();
}

OutputCapture::Pumped OutputCapture::pump(std::size_t budget) {
    if (!m_fd) return {0, true};
    std::size_t taken = 0;
    bool eof = false;
    const bool draining = budget == SIZE_MAX;
    std::int64_t now = wall_ms();
    auto emit = [&](std::string_view line) { m_logs->add_line(m_id, m_stream, line, now); };
    // Whole lines that lie one after another in the read buffer go to the files as one block.
    auto emit_block = [&](std::string_view lines) {
        m_logs->add_block(m_id, m_stream, lines, now);
    };
    while (taken < budget) {
        // An unfinished line from the last read goes in front of this one, so the buffer
        // starts at a line and all its whole lines can go to the file in one write.
        std::string_view carry = m_splitter.partial();
        if (carry.size() > sizeof g_read_buf / 4) carry = {};
        if (!carry.empty()) std::memcpy(g_read_buf, carry.data(), carry.size());
        ssize_t n = read(m_fd.get(), g_read_buf + carry.size(), sizeof g_read_buf - carry.size());
        if (n > 0) {
            std::size_t got = carry.size() + std::size_t(n);
            if (!carry.empty()) m_splitter.drop_partial();
            m_splitter.feed_blocks(std::string_view(g_read_buf, got), emit, emit_block);
            taken += std::size_t(n);
            // A short read emptied the pipe: rather than a read that fails with EAGAIN, wait
            // for epoll to report more (or the end). A drain reads on to EAGAIN or the end.
            if (got < sizeof g_read_buf && !draining) break;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        eof = n == 0 || errno != EAGAIN;
        break;
    }
    if (eof) m_splitter.finish(emit);
    m_logs->flush();
    if (!eof && m_logs->blocked()) {
        hold();
        return {taken, false};
    }
    if (eof) {
        if (m_pause_timer) m_reactor.cancel(m_pause_timer);
        m_pause_timer = 0;
        m_reactor.remove(m_fd.get());
        m_fd.reset();
        // May destroy this object: nothing touches members afterwards.
        auto done = std::move(m_on_eof);
        if (done) done();
    }
    return {taken, eof};
}

} // namespace rein::daemon
