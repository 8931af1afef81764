#pragma once
// The control socket: accepts clients of the daemon's own uid (or root), frames requests with the
// protocol's line cap and dispatches them to the handler table. Hostile input costs the sender its
// connection, never the daemon.
#include "common/paths.hpp"
#include "common/protocol.hpp"
#include "common/result.hpp"
#include "common/unique_fd.hpp"

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

namespace rein::daemon {

class Reactor;
class Connection;

/// Sends the one reply of one request; harmless if the client has gone away meanwhile.
class Responder {
  public:
    Responder(std::weak_ptr<Connection> conn, nlohmann::json id);
    /// A responder whose reply goes to `sink` rather than to a client (requests the daemon
    /// makes of itself, such as resurrect at start).
    static Responder to_function(std::function<void(const nlohmann::json& reply)> sink);
    void ok(nlohmann::json result) const;
    /// ok() with the result already written as JSON text (list writes its rows straight out).
    void ok_text(std::string_view result) const;
    void fail(std::string_view code, std::string_view message) const;
    /// Sends a streaming event line (`{"id":..,"event":..}` plus fields).
    void event(nlohmann::json fields) const;
    /// True while the client is connected.
    bool connected() const;
    /// The client's socket, -1 once it is gone, and the request's id: what a new daemon image
    /// needs to answer it (rein update).
    int fd() const;
    const nlohmann::json& id() const { return m_id; }
    /// Bytes sent to the client but not yet taken by it (0 once it is gone).
    std::size_t queued_bytes() const;
    /// Marks the request as a stream: the connection closes as soon as the client hangs up,
    /// without waiting for a final reply.
    void streaming() const;

  private:
    void finish(const nlohmann::json& reply) const;
    std::weak_ptr<Connection> m_conn;
    nlohmann::json m_id;
    std::shared_ptr<const std::function<void(const nlohmann::json&)>> m_sink;
};

/// A client connection as a new daemon image takes it over (rein update).
struct CarriedConnection {
    int fd = -1;
    std::string unread; ///< request bytes received but not handled yet
    std::string unsent; ///< reply bytes the client has not taken yet
    bool read_closed = false;
    bool streaming = false;
    int pending = 0; ///< requests still to be answered (streams count until they end)
};

/// Called with each well-formed request (an object with a string "cmd").
using Dispatch = std::function<void(const nlohmann::json& request, Responder responder)>;

class ControlServer {
  public:
    ControlServer(Reactor& reactor, Dispatch dispatch);
    ~ControlServer();

    /// Binds the socket (mode 0600) at `path`, replacing a stale one.
    Status listen(const std::string& path);
    /// Closes the listening socket and every connection.
    void close();

    /// The listening socket, which a new daemon image takes over (rein update).
    int listen_fd() const { return m_listen.get(); }
    /// Serves a listening socket bound by an earlier daemon image.
    void adopt_listen(UniqueFd fd, const std::string& path);
    /// Every client connection, for a new daemon image to take over.
    std::vector<CarriedConnection> carried() const;
    /// Takes over a connection of an earlier image (the new object owns the fd); requests left
    /// unread in it are handled on the next loop turn.
    void adopt(const CarriedConnection& conn);
    /// The responder of request `id` on the adopted connection whose socket is `fd` (not
    /// connected when there is no such connection).
    Responder responder(int fd, nlohmann::json id) const;

    /// Most client connections served at once. Past it a new client takes the place of the
    /// connection idle the longest (nothing in flight), or is refused with `busy`.
    static constexpr std::size_t k_max_connections = 512;

  private:
    void on_accept();
    /// Closes the least recently active idle connection; false when none is idle.
    bool evict_idle();
    /// At EMFILE: accepts the waiting client on the spare descriptor and refuses it.
    void refuse_without_fds();
    /// Bytes of unfinished request lines held for all clients.
    std::size_t unread_total() const;

    Reactor& m_reactor;
    Dispatch m_dispatch;
    UniqueFd m_listen;
    UniqueFd m_spare;          ///< held so that a client can be told "out of descriptors"
    bool m_out_of_fds = false; ///< said so in the log already
    std::string m_path;
    std::unordered_map<int, std::shared_ptr<Connection>> m_conns;
    std::uint64_t m_clock = 0; ///< counts reads and writes: orders connections by activity
    friend class Connection;
};

} // namespace rein::daemon
