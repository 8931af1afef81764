#pragma once
// The bind hand-off (docs/cluster.md): instances of a cluster-mode app run with librein-bind.so
// preloaded, and their bind() of a TCP port or a Unix socket path becomes a request here. The
// daemon binds and listens once per app and address and sends the same socket to every
// instance, so unmodified servers share one port; it never carries their traffic.
#include "common/paths.hpp"
#include "common/result.hpp"
#include "common/unique_fd.hpp"
#include "daemon/reactor/reactor.hpp"
#include "daemon/supervision/registry.hpp"

#include <map>
#include <string>
#include <sys/socket.h>
#include <unordered_map>

struct rein_bind_request;

namespace rein::daemon {

/// The daemon's end of the hand-off: a SOCK_SEQPACKET socket with an abstract name, so apps
/// running under another uid reach it though the home is 0700. Who asks is told by the kernel
/// (SO_PEERCRED): only processes of an app's instances, or their descendants, get its sockets.
class BindBroker {
  public:
    BindBroker(Reactor& reactor, Registry& registry);
    ~BindBroker();
    BindBroker(const BindBroker&) = delete;
    BindBroker& operator=(const BindBroker&) = delete;

    /// Listens on `name` ("@rein-<hash>.bind").
    rein::Status listen(const std::string& name);

    /// What a request gets: an errno value, REIN_BIND_DECLINE, or 0 with a socket the app's
    /// listen set owns.
    struct Answer {
        int error = -1;
        int fd = -1;
    };
    /// Decides one request from process `peer` (credentials as the kernel gave them).
    Answer answer(const ucred& peer, const rein_bind_request& req);

  private:
    void on_accept();
    void on_request(int conn);
    void drop(int conn);

    Reactor& m_reactor;
    Registry& m_registry;
    UniqueFd m_fd;
    struct Pending {
        UniqueFd conn;
        Reactor::TimerId timer = 0;
    };
    std::unordered_map<int, Pending> m_pending; ///< connections whose request has not come yet
};

/// Adds the preload to an instance's environment: LD_PRELOAD (ours first, then any the app
/// set) and REIN_BIND_SOCKET. Without the library (not installed) nothing is added.
void add_bind_handoff_env(std::map<std::string, std::string>& env, const Paths& paths);

/// Takes the hand-off out of an environment that inherited it (an app that must not have it).
void remove_bind_handoff_env(std::map<std::string, std::string>& env);

} // namespace rein::daemon
