#pragma once
// The /metrics endpoint: a minimal HTTP/1.1 server on the daemon's reactor, TCP or a Unix
// socket. Every socket is non-blocking and every step is one callback, so a scraper that stalls
// costs a descriptor and a timer, never the loop. A request head must be whole within 8 KiB and
// 5 s; at most 16 connections are served at once (the rest wait in the listen backlog). One
// request per connection: the answer ends with `Connection: close`.
#include "common/listen_address.hpp"
#include "common/result.hpp"
#include "common/unique_fd.hpp"
#include "daemon/reactor/reactor.hpp"

#include <functional>
#include <map>
#include <memory>
#include <string>

namespace rein::daemon::metrics {

/// Serves GET /metrics with the body `render` builds at each request.
class HttpEndpoint {
  public:
    HttpEndpoint(Reactor& reactor, std::function<std::string()> render);
    ~HttpEndpoint();
    HttpEndpoint(const HttpEndpoint&) = delete;
    HttpEndpoint& operator=(const HttpEndpoint&) = delete;

    /// Binds and listens on `addr` (a Unix socket gets mode 0600); one sentence on failure.
    rein::Status listen(const ListenAddress& addr);
    /// The address bound (`127.0.0.1:41873`, `unix:/x/m.sock`), "" before listen().
    const std::string& address() const { return m_address; }

  private:
    /// One scrape connection.
    struct Conn {
        UniqueFd fd;
        std::string in;             ///< the request head so far
        std::string out;            ///< the whole answer, once the head is complete
        std::size_t sent = 0;       ///< bytes of `out` the socket took
        Reactor::TimerId timer = 0; ///< closes it when the head or the answer takes too long
    };
    /// Accepts every waiting client, up to the maximum.
    void accept_all();
    /// Reads the head, or writes the answer, of connection `fd`.
    void on_io(int fd, std::uint32_t events);
    /// The answer to a whole request head.
    std::string answer(std::string_view head);
    /// Writes what the socket takes; closes the connection once all is sent.
    void write_out(Conn& c);
    void close_conn(int fd);
    /// Watches the listen socket while fewer than the maximum connections are open.
    void update_accepting();

    Reactor& m_reactor;
    std::function<std::string()> m_render;
    UniqueFd m_listen;
    bool m_accepting = false;
    bool m_out_of_fds = false;    ///< accepting paused a moment: the daemon has no descriptor left
    Reactor::TimerId m_retry = 0; ///< when accepting resumes after that
    std::string m_address;
    std::string m_unix_path; ///< removed when the endpoint closes
    std::map<int, std::unique_ptr<Conn>> m_conns;
};

} // namespace rein::daemon::metrics
