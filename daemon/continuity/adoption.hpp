#pragma once
// Adoption: a daemon starting after one that died (kill -9, a crash) takes over what the dead
// one's registry.json names: apps with their files and sockets, instances still running
// (identity: pid + start time, watched through a pidfd), those that ended meanwhile (through the
// restart policy), and the descriptors the holder kept for them.
#include "common/unique_fd.hpp"
#include "daemon/control/handlers/handler.hpp"

#include <map>
#include <string>

namespace rein::daemon {

/// What adoption did (the summary line, and tests).
struct AdoptionSummary {
    int apps = 0;
    int instances = 0;
    int adopted = 0;   ///< running processes taken over
    int restarted = 0; ///< ended meanwhile, restarting by the policy
    int ended = 0;     ///< ended meanwhile, left stopped or errored by the policy
    int foreign = 0;   ///< their pid is another process now (never signalled)
    /// A registry.json of this boot was read: the apps it names are the truth now, so a
    /// --resurrect (systemd restarting a reind that died) must not bring dump.json back on top.
    bool took_over = false;
};

/// At start-up (not rein update), with the home lock held: reads registry.json and restores its
/// apps and instances into the empty registry, taking descriptors out of `held` (what the holder
/// kept: key -> fd). A missing file: nothing. One from another boot: ignored and removed. A
/// garbage, truncated or unreadable one: one error line, renamed to registry.json.bad. Never
/// fails. Descriptors left in `held` are closed by the caller (the next commit tells the holder
/// to drop them).
AdoptionSummary adopt_at_start(Context& ctx, std::map<std::string, UniqueFd>& held);

/// An instance an earlier image had adopted (rein update carries it): watched through a new
/// pidfd when its process is still the same, else its end goes through the restart policy.
void watch_adopted(Supervisor& supervisor, Instance& inst);

} // namespace rein::daemon
