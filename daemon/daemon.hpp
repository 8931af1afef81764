#pragma once
// Wires the daemon together: home and lock, detaching, logging, signals, the control server.

namespace rein::daemon {

struct DaemonOptions {
    bool foreground = false; ///< stay attached (systemd, containers); log to stderr too
};

/// Runs reind until `kill` or SIGTERM/SIGINT; returns the process exit status. Without
/// `foreground` it detaches first and the calling process returns once the socket answers.
int run_daemon(const DaemonOptions& opts);

} // namespace rein::daemon
