#pragma once
// The sockets of `listen`: bound once by the daemon, handed to every instance of the app at fd 3,
// 4, ... (systemd socket activation), kept across restarts and reloads so no connection is
// refused, closed when the app is deleted.
#include "common/app_spec.hpp"
#include "common/result.hpp"
#include "common/unique_fd.hpp"

#include <memory>
#include <optional>
#include <string>
#include <sys/socket.h>
#include <vector>

namespace rein::daemon {

/// Listen backlog: connections wait here while no instance is accepting (during a restart).
inline constexpr int k_listen_backlog = 4096;

/// The bound sockets of one app. Unix socket files are removed when it goes.
struct ListenSet {
    std::vector<ListenSpec> specs; ///< what was bound, to tell whether a new spec needs a rebind
    std::vector<UniqueFd> fds;     ///< in the order of `specs`
    std::vector<std::string> unix_paths;

    ListenSet() = default;
    ListenSet(const ListenSet&) = delete;
    ListenSet& operator=(const ListenSet&) = delete;
    ~ListenSet();
};

/// Binds and listens on every address, all or nothing. An address in use names its holder when
/// /proc tells ("127.0.0.1:8080 is already in use (by nginx, pid 812)").
Result<std::shared_ptr<ListenSet>> bind_listen_sockets(const std::vector<ListenSpec>& listen);

/// A ListenSet of sockets bound by an earlier daemon image (rein update), in `listen`'s order.
std::shared_ptr<ListenSet> adopt_listen_sockets(const std::vector<ListenSpec>& listen,
                                                std::vector<UniqueFd> fds);

/// The one TCP port of `listen` when it holds exactly one TCP address (for $PORT).
std::optional<int> single_port(const std::vector<ListenSpec>& listen);

/// " (by NAME, pid N)" for the process listening on TCP `port`, or "" when /proc cannot tell.
std::string port_holder(int port);

/// An address as `listen` writes it: "127.0.0.1:8080", "[::]:8080", "unix:/run/api.sock"; ""
/// for any other kind.
std::string format_address(const sockaddr* addr, socklen_t len);

/// The address socket `fd` is bound to, as format_address() writes it.
std::string bound_address(int fd);

} // namespace rein::daemon
