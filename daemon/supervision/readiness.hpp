#pragma once
// How instances say they are ready: the sd_notify datagram socket (READY=1, STATUS=...,
// STOPPING=1), and Node's IPC channel for apps written for PM2 (process.send('ready')).
#include "common/result.hpp"
#include "common/unique_fd.hpp"

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace rein::daemon {

class Reactor;

/// The fields of one sd_notify message ("READY=1\nSTATUS=warming up\n").
std::map<std::string, std::string> parse_notify(std::string_view message);

/// The daemon's NOTIFY_SOCKET: a datagram socket whose messages arrive with the sender's pid,
/// checked by the kernel (SO_PASSCRED), so an instance can only speak for itself.
class NotifySocket {
  public:
    using Handler = std::function<void(pid_t sender, std::string_view message)>;
    NotifySocket(Reactor& reactor, Handler handler);
    ~NotifySocket();
    /// Binds `path` (replacing a stale socket file).
    rein::Status bind(const std::string& path);
    /// Serves a socket bound by an earlier daemon image (rein update).
    void adopt(UniqueFd fd, const std::string& path);
    int fd() const { return m_fd.get(); }

  private:
    void on_readable();
    Reactor& m_reactor;
    Handler m_handler;
    UniqueFd m_fd;
    std::string m_path;
};

/// The daemon's end of one Node instance's IPC channel (NODE_CHANNEL_FD): newline-delimited
/// JSON; the message "ready" calls `on_ready`. Lives until the channel closes.
class NodeChannel {
  public:
    NodeChannel(Reactor& reactor, UniqueFd fd, std::function<void()> on_ready,
                std::function<void()> on_close);
    ~NodeChannel();
    NodeChannel(const NodeChannel&) = delete;
    NodeChannel& operator=(const NodeChannel&) = delete;
    int fd() const { return m_fd.get(); }
    /// Writes one serialised message (a JSON line); false when the channel is closed or full.
    bool send(std::string_view line);

  private:
    void on_readable();
    Reactor& m_reactor;
    UniqueFd m_fd;
    std::string m_buf;
    std::function<void()> m_on_ready, m_on_close;
};

} // namespace rein::daemon
