#pragma once
// The persisted registry ($REIN_HOME/registry.json): what a daemon that starts after this one
// died needs to adopt every app and instance. Rewritten at the end of each loop turn in which
// something changed; the same commit makes the holder keep every descriptor the state names and
// then lets the children waiting at their spawn gates run.
#include "daemon/control/handlers/handler.hpp"
#include "daemon/reactor/reactor.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace rein::daemon {

/// Layout version of registry.json.
inline constexpr int k_registry_format = 1;

/// Holder keys of the descriptors the state names.
std::string pipe_key(Stream stream, std::uint64_t run);
std::string channel_key(std::uint64_t run);
std::string listen_key(const std::string& app, std::size_t index);
std::string handed_key(const std::string& app, const std::string& address);

/// This boot's id (/proc/sys/kernel/random/boot_id), "" when unreadable.
std::string boot_id();

/// The state as written, and the descriptors to hold (key -> fd, not owned).
struct Snapshot {
    nlohmann::json state;
    std::map<std::string, int> held;
};

/// The state of the daemon now (design.md, registry.json).
Snapshot take_snapshot(Context& ctx);

class StateStore {
  public:
    /// Makes the holder keep exactly these descriptors; false when it cannot.
    using Sync = std::function<bool(const std::map<std::string, int>&)>;

    StateStore(Reactor& reactor, Context& ctx);

    /// Where the descriptors go (FdStore::sync); unset: none are held.
    void set_sync(Sync sync) { m_sync = std::move(sync); }
    /// Something changed: a commit runs at the next loop turn (once, however many changes).
    void mark_dirty();
    /// Writes the state now: syncs the holder, writes registry.json (when its text changed),
    /// then releases the spawn gates.
    void commit();
    /// The daemon ends for good (rein kill, SIGTERM): registry.json is removed and no longer
    /// written.
    void discard();
    /// How long the last commit took (microseconds) and how many have run.
    std::int64_t last_commit_us() const { return m_last_us; }
    std::uint64_t commits() const { return m_commits; }

  private:
    Reactor& m_reactor;
    Context& m_ctx;
    Sync m_sync;
    bool m_scheduled = false;
    bool m_discarded = false;
    /// The last state written (without its written_wall): its hash and length.
    std::size_t m_last_digest = 0;
    std::size_t m_last_size = 0;
    std::int64_t m_last_us = 0;
    std::uint64_t m_commits = 0;
};

} // namespace rein::daemon
