#pragma once
// Reads one instance's stdout or stderr pipe in the reactor and commits whole lines to the app's
// log files. Lives until the pipe's EOF, which may be after the process died: every byte the
// app wrote is drained.
#include "common/unique_fd.hpp"
#include "daemon/app_logs.hpp"
#include "daemon/line_splitter.hpp"

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
    void drain() { pump(SIZE_MAX); }

  private:
    void pump(std::size_t budget);

    Reactor& m_reactor;
    UniqueFd m_fd;
    std::shared_ptr<AppLogs> m_logs;
    int m_id;
    bool m_grown = false; ///< the pipe was enlarged after it filled up
    Stream m_stream;
    LineSplitter m_splitter;
    std::function<void()> m_on_eof;
};

} // namespace rein::daemon
