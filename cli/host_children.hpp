#pragma once
// Several --host: this rein runs itself once per host (REIN_HOST set to that one host) and
// gathers what the children print.
#include "cli/hosts.hpp"

#include <functional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace rein::cli {

/// One child rein run for one host: its stdout is read through `out`.
struct HostChild {
    const HostUrl* host = nullptr;
    pid_t pid = -1;
    int out = -1;
    std::string pending; ///< stdout read but not yet handed on (a partial line)
    int status = -1;     ///< its exit code once reaped (1 when it could not run)
};

/// Starts `rein <argv...>` for `host` (argv without argv[0]); stdout into a pipe, stderr
/// shared. The child ends with this rein (it is sent SIGTERM when the parent dies).
HostChild spawn_for_host(const HostUrl& host, const std::vector<std::string>& argv);

/// Reads every child's stdout until all have closed it, calling `on_line(child, line)` for
/// each whole line (a last partial line too), then reaps them.
void drain_children(std::vector<HostChild>& children,
                    const std::function<void(const HostChild&, const std::string&)>& on_line);

} // namespace rein::cli
