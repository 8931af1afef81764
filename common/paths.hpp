#pragma once
// Where rein keeps its state: $REIN_HOME (default ~/.rein) and the files inside it.
#include "common/result.hpp"

#include <string>

namespace rein {

/// The files of one rein home.
struct Paths {
    std::string home;
    std::string socket() const { return home + "/rein.sock"; }
    std::string pid_file() const { return home + "/reind.pid"; }
    std::string lock_file() const { return home + "/reind.lock"; }
    std::string daemon_log() const { return home + "/reind.log"; }
    std::string logs_dir() const { return home + "/logs"; }
    std::string dump_file() const { return home + "/dump.json"; }
    /// What runs now (apps, instances with pids, counters), rewritten on every change so that
    /// a daemon started after one that died adopts its apps (docs/continuity.md). Not dump.json:
    /// `save` keeps its meaning.
    std::string registry_file() const { return home + "/registry.json"; }
    /// The in-flight log commit (a shared memory map): a daemon killed between writing lines
    /// and taking them out of their pipe leaves them neither lost nor doubled.
    std::string journal_file() const { return home + "/capture.journal"; }
    /// The descriptor holder (rein-holder): keeps apps' pipes and sockets while no daemon runs.
    std::string holder_socket() const { return home + "/holder.sock"; }
    std::string holder_pid_file() const { return home + "/holder.pid"; }
    /// The sd_notify datagram socket of apps with wait_ready (READY=1, STATUS=...): an abstract
    /// socket (`@rein-<hash of home>.notify`), so that apps running as another uid reach it
    /// though the home is 0700. Anyone may send to it; only a sender whose kernel-checked pid
    /// belongs to an instance counts.
    std::string notify_socket() const;
    /// The bind hand-off socket (`@rein-<hash of home>.bind`), abstract for the same reason.
    std::string bind_socket() const;
};

/// Resolves $REIN_HOME (or ~/.rein) to an absolute path and checks that the socket path fits a
/// Unix socket address. Does not touch the file system.
Result<Paths> resolve_paths();

/// Creates the home (mode 0700) and its logs/ folder when missing; refuses a home that another
/// user owns or that others can write.
Status ensure_home(const Paths& paths);
/// The home alone, as ensure_home checks it, without logs/: what starting a daemon needs (each
/// entry made costs a start-up that much; the daemon makes logs/ before its first app).
Status ensure_home_dir(const Paths& paths);

/// Longest socket path a sockaddr_un holds (without the terminating NUL).
std::size_t max_socket_path();

} // namespace rein
