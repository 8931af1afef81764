#pragma once
// rein update's swap of daemon images in one process: the old image hands its state to the new
// binary and execs it; the new image reads that state, or hands back to the old one.
#include "daemon/continuity/handover.hpp"
#include "daemon/continuity/state_store.hpp"
#include "daemon/daemon.hpp"

#include <string>

namespace rein::daemon {

/// Old image: checks that `binary` reads this daemon's state format, commits, writes the state
/// and execs `binary` in this process. Returns only when that failed, with the reason; every
/// descriptor is then as it was.
std::string exec_update(Context& ctx, const ControlServer& server, DaemonFds fds,
                        const std::string& binary, const Responder& reply, bool foreground,
                        StateStore& store);

/// New image: the state the old image left (opts.resume_fd). When it cannot be taken over, the
/// old image is run again with the same state and told why; returns only when even that fails.
Result<HandoverState> read_handover(const DaemonOptions& opts);

} // namespace rein::daemon
