#pragma once
// rein update: the daemon's state, written for the next daemon image. The new image takes over
// in the same process (execve), so every app stays a child of the same pid and keeps running;
// what it needs besides this state are the descriptors it names, left open across the exec.
#include "common/result.hpp"
#include "common/unique_fd.hpp"
#include "daemon/daemon.hpp"
#include "daemon/handlers/handler.hpp"

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

/// Checks a state read back in a new image: its format and every field restore_handover
/// uses, so that restoring cannot fail half-way.
rein::Status validate_handover(const nlohmann::json& state);

/// The daemon descriptors a validated state names.
DaemonFds handover_daemon_fds(const nlohmann::json& state);

/// Puts a validated state into a fresh daemon: apps with their log files, sockets, watches and
/// cron timers, instances as they were, pipes captured again, channels served, pending restarts
/// re-armed, clients served again (followers and monit feeds included). Returns the responder
/// of the update request (not connected when its client has gone).
Responder restore_handover(Context& ctx, ControlServer& server, const nlohmann::json& state);

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
