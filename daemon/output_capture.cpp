#include "daemon/output_capture.hpp"

#include "daemon/clock.hpp"
#include "daemon/reactor.hpp"

#include <cerrno>
#include <sys/epoll.h>
#include <unistd.h>

namespace rein::daemon {

namespace {
// One read buffer for every pipe: the reactor is single-threaded, and idle instances then
// cost no buffer memory at all.
char g_read_buf[64 * 1024];
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
    auto emit = [&](std::string_view line) { m_logs->add_line(m_id, m_stream, line, now); };
    while (taken < budget) {
        ssize_t n = read(m_fd.get(), g_read_buf, sizeof g_read_buf);
        if (n > 0) {
            m_splitter.feed(std::string_view(g_read_buf, std::size_t(n)), emit);
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
