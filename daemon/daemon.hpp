#pragma once
// Wires the daemon together: home and lock, detaching, logging, signals, the control server.

#include <optional>
#include <string>

namespace rein::daemon {

/// Layout version of the state rein update hands to the next image. `reind --handover-format`
/// prints it; update only execs a binary that prints the same number, and an image that cannot
/// read a state hands back to the old one.
inline constexpr int k_handover_format = 1;

struct DaemonOptions {
    bool foreground = false; ///< stay attached (systemd, containers); log to stderr too
    /// rein update: the state file an earlier image of this process left open; this image takes
    /// over its apps, sockets and clients instead of starting afresh.
    int resume_fd = -1;
    /// Set when a newer image could not take over and handed back: why (told to the client).
    std::string resume_failed;
    /// Bring back the apps of dump.json once serving (the boot unit of `rein startup`).
    bool resurrect = false;
    /// Started by rein, already in a session of its own: no second fork; "ready\n", or why
    /// start-up failed, goes to this pipe.
    int ready_fd = -1;
    /// `--metrics ADDR`: where /metrics is served (wins over REIN_METRICS); nothing: the
    /// environment says.
    std::optional<std::string> metrics;
};

/// Runs reind until `kill` or SIGTERM/SIGINT; returns the process exit status. Without
/// `foreground` it detaches first and the calling process returns once the socket answers.
int run_daemon(const DaemonOptions& opts);

} // namespace rein::daemon
