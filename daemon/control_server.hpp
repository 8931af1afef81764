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

namespace rein::daemon {

class Reactor;
class Connection;

/// Sends the one reply of one request; harmless if the client has gone away meanwhile.
class Responder {
  public:
    Responder(std::weak_ptr<Connection> conn, nlohmann::json id);
    void ok(nlohmann::json result) const;
    void fail(std::string_view code, std::string_view message) const;
    /// Sends a streaming event line (`{"id":..,"event":..}` plus fields).
    void event(nlohmann::json fields) const;
    /// True while the client is connected.
    bool connected() const;
    /// Bytes sent to the client but not yet taken by it (0 once it is gone).
    std::size_t queued_bytes() const;
    /// Marks the request as a stream: the connection closes as soon as the client hangs up,
    /// without waiting for a final reply.
    void streaming() const;

  private:
    void finish(const nlohmann::json& reply) const;
    std::weak_ptr<Connection> m_conn;
    nlohmann::json m_id;
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

  private:
    void on_accept();

    Reactor& m_reactor;
    Dispatch m_dispatch;
    UniqueFd m_listen;
    std::string m_path;
    std::unordered_map<int, std::shared_ptr<Connection>> m_conns;
    friend class Connection;
};

} // namespace rein::daemon
