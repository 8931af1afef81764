// reind: the rein daemon. Everything lives in the rein_daemon library; this only reads flags
// (their table is daemon/flags.cpp).
// (stdio, not iostreams: iostreams' start-up touches pages the idle daemon would then keep.)
#include "common/version.hpp"
#include "daemon/daemon.hpp"
#include "daemon/flags.hpp"
#include "daemon/supervision/child.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>

int main(int argc, char** argv) {
    rein::daemon::DaemonOptions opts;
    using rein::daemon::Flag;
    for (int i = 1; i < argc; ++i) {
        const rein::daemon::FlagDef* def = rein::daemon::find_daemon_flag(argv[i]);
        if (!def || (def->value && i + 1 >= argc)) {
            std::fprintf(stderr, "reind: %s option '%s' (see reind --help)\n",
                         def ? "a value must follow" : "unknown", argv[i]);
            return 2;
        }
        switch (def->flag) {
        case Flag::foreground:
            opts.foreground = true;
            break;
        case Flag::resurrect:
            opts.resurrect = true;
            break;
        case Flag::resume:
            opts.resume_fd = std::atoi(argv[++i]);
            break;
        case Flag::ready_fd:
            opts.ready_fd = std::atoi(argv[++i]);
            if (opts.ready_fd <= 2 || fcntl(opts.ready_fd, F_SETFD, FD_CLOEXEC) != 0) {
                std::fprintf(stderr, "reind: --ready-fd %s is not an open descriptor above 2\n",
                             argv[i]);
                return 2;
            }
            break;
        case Flag::metrics:
            opts.metrics = argv[++i];
            break;
        case Flag::resume_failed:
            opts.resume_failed = argv[++i];
            break;
        case Flag::handover_format:
            // rein update asks this before it execs a binary: the state layout it reads.
            std::printf("%d\n", rein::daemon::k_handover_format);
            return 0;
        case Flag::version:
            std::printf("%s\n", rein::version_line("reind").c_str());
            return 0;
        case Flag::help:
            rein::daemon::print_daemon_usage();
            return 0;
        }
    }
    // Room for the daemon's own descriptors (every app's pipes, clients, log files): a crash
    // storm or a thousand apps must not leave it unable to reap, restart or log. Apps get the
    // original limit back.
    rein::daemon::raise_fd_limit(opts.resume_fd >= 0);
    return rein::daemon::run_daemon(opts);
}
