#pragma once
// rein update: the daemon's state, written for the next daemon image. The new image takes over
// in the same process (execve), so every app stays a child of the same pid and keeps running;
// what it needs besides this state are the descriptors it names, left open across the exec.
#include "common/result.hpp"
#include "common/unique_fd.hpp"
#include "daemon/control/handlers/handler.hpp"
#include "daemon/daemon.hpp"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace rein::daemon {

/// The daemon's own descriptors that live on across the exec.
struct DaemonFds {
    int lock = -1;         ///< holds the home's flock
    int control = -1;      ///< the listening control socket
    int notify = -1;       ///< NOTIFY_SOCKET
    int fallback_exe = -1; ///< the old image's executable, to go back to if the new one fails
};

/// The state of a settled daemon (Supervisor::settled) and every descriptor it names.
struct Handover {
    nlohmann::json state;
    std::vector<int> fds;
};

/// Collects apps, instances, output pipes with their unfinished lines, Node channels, the
/// daemon's descriptors, every client connection with its log followers and monit feeds, and
/// the update request still to be answered.
Handover collect_handover(Context& ctx, const ControlServer& server, const DaemonFds& daemon,
                          const Responder& requester);

/// A request of a carried connection still to be answered: its socket and request id.
struct CarriedRequest {
    int fd = -1;
    nlohmann::json id;
};

/// A `rein logs` follower of a carried connection.
struct CarriedFollower {
    CarriedRequest request;
    LogFilter filter;
    std::uint64_t skipped = 0;
};

/// An app of the state: its spec, its instances in order, and its listen sockets.
struct CarriedApp {
    AppSpec spec;
    std::vector<int> instance_ids;
    std::vector<int> listen_fds;
    std::vector<std::pair<ListenSpec, int>> handed; ///< bind hand-off sockets and their address
};

/// A state read back in a new image and checked whole, so that restoring cannot fail half-way.
struct HandoverState {
    std::string version;  ///< of the image that wrote it
    std::string revision; ///< its git revision ("unknown" from an image before revisions)
    std::int64_t started_wall = 0;
    std::int64_t updated_wall = 0;
    int next_id = 0;
    std::uint64_t next_run = 1;
    DaemonFds daemon;
    std::vector<int> kept_fds; ///< every descriptor the state names
    std::vector<CarriedApp> apps;
    /// Each instance, with the time left before it restarts when it is waiting_restart.
    std::vector<std::pair<Instance, std::optional<std::int64_t>>> instances;
    std::vector<CarriedPipe> pipes;
    std::vector<CarriedChannel> channels;
    std::vector<CarriedConnection> connections;
    std::vector<CarriedFollower> followers;
    std::vector<CarriedRequest> monitors;
    CarriedRequest requester; ///< fd -1 when its client has gone
};

/// Reads a state in a new image: its format, every field, that each descriptor it names is
/// open, and that apps, instances and connections refer to each other. One sentence on failure.
Result<HandoverState> parse_handover(const nlohmann::json& state);

/// Puts a parsed state into a fresh daemon: apps with their log files, sockets, watches and
/// cron timers, instances as they were, pipes captured again, channels served, pending restarts
/// re-armed, clients served again (followers and monit feeds included). Returns the responder
/// of the update request (not connected when its client has gone).
Responder restore_handover(Context& ctx, ControlServer& server, HandoverState state);

/// An instance as carried (pure): `restart_in_ms` is the time left before a waiting_restart
/// instance starts again.
nlohmann::json instance_to_handover(const Instance& inst,
                                    std::optional<std::int64_t> restart_in_ms);
/// Reads an instance back; fails with one sentence on a missing or mistyped field.
Result<Instance> instance_from_handover(const nlohmann::json& j);

/// The state as a memory file left open across exec (its own descriptor recorded in it as
/// "state_fd", so that an image handed a modified copy can still hand back the original), and
/// reading it back.
Result<UniqueFd> write_state_file(nlohmann::json& state);
Result<std::string> read_state_file(int fd);

/// Clears (or sets again) FD_CLOEXEC on each descriptor.
void set_cloexec(const std::vector<int>& fds, bool on);

} // namespace rein::daemon
