#pragma once
// The daemon's side of rein-holder (holder/rein_holder.c): a small process, one per home, that
// keeps a duplicate of every descriptor apps depend on (the read ends of their output pipes,
// Node IPC channels, listening sockets), so that apps notice nothing while no daemon runs and
// the next daemon gets every descriptor back. See docs/continuity.md for the protocol.
#include "common/paths.hpp"
#include "common/result.hpp"
#include "common/unique_fd.hpp"
#include "daemon/reactor/reactor.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <sys/types.h>

namespace rein::daemon {

/// The connection to the home's holder and what it keeps. Only the daemon holding the home's
/// lock uses one. Sends block (bounded by a time-out): the holder answers at once.
class FdStore {
  public:
    FdStore(Reactor& reactor, Paths paths);
    /// Closes the connection without BYE: the holder keeps everything for the next daemon.
    ~FdStore();
    FdStore(const FdStore&) = delete;
    FdStore& operator=(const FdStore&) = delete;

    /// Connects to the home's holder, starting one when none answers. Returns what the holder
    /// kept from an earlier daemon (key -> descriptor, now owned by the caller); empty for a new
    /// holder. One sentence when no holder can be had.
    Result<std::map<std::string, UniqueFd>> open();
    /// open() when a holder listens; when none does, nothing was kept: empty, and none is
    /// started (the first sync with something to hold starts it, or start_soon). What the
    /// daemon calls at start-up, so that it serves without waiting for a holder to start.
    Result<std::map<std::string, UniqueFd>> open_if_running();
    /// Starts a holder, without waiting for it, when none is connected or listening: the first
    /// sync with something to hold then finds it ready. Quiet when it fails (sync says why).
    void start_soon();
    /// Makes the holder keep exactly `entries` (key -> descriptor, not owned): PUTs what is new
    /// or changed (compared by st_dev/st_ino), DELs what is gone. Cheap when nothing changed.
    /// If the holder died it is started again and given everything. False when unreachable.
    /// With nothing to hold and no holder connected, nothing is done (none is started).
    bool sync(const std::map<std::string, int>& entries);
    /// Called when the holder connection drops (so the owner can schedule a sync).
    void on_lost(std::function<void()> cb);
    /// The daemon ends for good (rein kill, SIGTERM stop): BYE. Returns once the holder is gone
    /// (it removed holder.sock and holder.pid), or after a time-out.
    void shutdown();
    bool connected() const { return m_conn.valid(); }

    /// Messages sent to holders so far (PUT, DEL, GET, BYE): a sync that changes nothing sends
    /// none.
    std::uint64_t messages_sent() const { return m_sent; }

  private:
    /// What a descriptor is, whatever its number: the holder's copy and ours compare equal.
    struct Identity {
        dev_t dev = 0;
        ino_t ino = 0;
        bool operator==(const Identity&) const = default;
    };

    Result<std::map<std::string, UniqueFd>> attach();
    rein::Status start_holder();
    bool fetch_all(std::map<std::string, UniqueFd>& out);
    bool push(const std::map<std::string, int>& entries);
    bool send(const std::string& msg, int fd);
    void remember(const std::map<std::string, UniqueFd>& held);
    void on_event(std::uint32_t events);
    void disconnect();

    Reactor& m_reactor;
    Paths m_paths;
    UniqueFd m_conn;
    std::map<std::string, Identity> m_held; // what the holder keeps, as far as we know
    std::function<void()> m_on_lost;
    std::uint64_t m_sent = 0;
    bool m_warned = false;         // an unreachable holder is said once, not at every sync
    std::int64_t m_next_start = 0; // no new holder before then (mono ms): the last one failed
};

} // namespace rein::daemon
