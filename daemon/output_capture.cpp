#include "daemon/output_capture.hpp"

#include "daemon/clock.hpp"
#include "daemon/reactor.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

namespace rein::daemon {

namespace {
// One read buffer for every pipe: the reactor is single-threaded, and idle instances then
// cost no buffer memory at all.
char g_read_buf[256 * 1024];
// A pipe's default capacity, and what a pipe that fills up is grown to.
constexpr std::size_t k_default_pipe = 64 * 1024;
constexpr std::size_t k_big_pipe = 1024 * 1024;
// Bytes taken from one pipe per loop turn, so one flooding app cannot starve the others.
constexpr std::size_t k_turn_budget = 1024 * 1024;
} // namespace

OutputCapture::OutputCapture(Reactor& reactor, UniqueFd read_end, std::shared_ptr<AppLogs> logs,
                             int id, Stream stream, std::function<void()> on_eof)
    : m_reactor(reactor), m_fd(std::move(read_end)), m_logs(std::move(logs)), m_id(id),
      m_stream(stream), m_on_eof(std::move(on_eof)) {
    m_reactor.add(m_fd.get(), EPOLLIN, [this](std::uint32_t) { pump(k_turn_budget); });
}

OutputCapture::~OutputCapture() {
    if (m_fd) m_reactor.remove(m_fd.get());
}

void OutputCapture::pump(std::size_t budget) {
    if (!m_fd) return;
    std::size_t taken = 0;
    bool eof = false;
    std::int64_t now = wall_ms();
    // Whole lines that lie one after another in the read buffer, newlines included, go to the
    // files as one block: a flood of short lines costs one append per read, not per line.
    const char* run_begin = nullptr;
    const char* run_end = nullptr;
    auto flush_run = [&] {
        if (run_begin)
            m_logs->add_block(m_id, m_stream, {run_begin, std::size_t(run_end - run_begin)}, now);
        run_begin = nullptr;
    };
    const char* buf_end = g_read_buf;
    auto emit = [&](std::string_view line) {
        const char* end = line.data() + line.size();
        if (line.data() >= g_read_buf && end < buf_end && *end == '\n') {
            if (!run_begin || run_end != line.data()) {
                flush_run();
                run_begin = line.data();
            }
            run_end = end + 1;
            return;
        }
        flush_run();
        m_logs->add_line(m_id, m_stream, line, now);
    };
    while (taken < budget) {
        ssize_t n = read(m_fd.get(), g_read_buf, sizeof g_read_buf);
        if (n > 0) {
            if (!m_grown && std::size_t(n) >= k_default_pipe) {
                // The pipe was full: a heavy writer. A bigger pipe means far fewer switches
                // between it and the daemon. Only such apps get one, since pipe memory counts
                // against the user's limit, which every other pipe of the user shares.
                m_grown = true;
                fcntl(m_fd.get(), F_SETPIPE_SZ, int(k_big_pipe));
            }
            buf_end = g_read_buf + n;
            m_splitter.feed(std::string_view(g_read_buf, std::size_t(n)), emit);
            flush_run(); // the next read reuses the buffer
            taken += std::size_t(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        eof = n == 0 || errno != EAGAIN;
        break;
    }
    if (eof) m_splitter.finish(emit);
    m_logs->flush();
    if (eof) {
        m_reactor.remove(m_fd.get());
        m_fd.reset();
        // May destroy this object: nothing touches members afterwards.
        auto done = std::move(m_on_eof);
        if (done) done();
    }
}

} // namespace rein::daemon
