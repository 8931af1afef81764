// reind: the rein daemon. Everything lives in the rein_daemon library; this only reads flags.
// (stdio, not iostreams: iostreams' start-up touches pages the idle daemon would then keep.)
#include "common/version.hpp"
#include "daemon/daemon.hpp"
#include "daemon/supervision/child.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
    rein::daemon::DaemonOptions opts;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--foreground") || !std::strcmp(argv[i], "-f")) {
            opts.foreground = true;
        } else if (!std::strcmp(argv[i], "--resurrect")) {
            opts.resurrect = true;
        } else if (!std::strcmp(argv[i], "--resume") && i + 1 < argc) {
            opts.resume_fd = std::atoi(argv[++i]);
        } else if (!std::strcmp(argv[i], "--resume-failed") && i + 1 < argc) {
            opts.resume_failed = argv[++i];
        } else if (!std::strcmp(argv[i], "--handover-format")) {
            // rein update asks this before it execs a binary: the state layout it reads.
            std::printf("%d\n", rein::daemon::k_handover_format);
            return 0;
        } else if (!std::strcmp(argv[i], "--version")) {
            std::printf("%s\n", rein::version_line("reind").c_str());
            return 0;
        } else if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
            std::fputs("usage: reind [--foreground] [--resurrect]\n"
                       "  The rein daemon. `rein` starts it on demand; --foreground keeps it\n"
                       "  attached (systemd, containers). State lives in $REIN_HOME (~/.rein).\n"
                       "  --resurrect brings back the apps of dump.json once serving; under\n"
                       "  systemd (NOTIFY_SOCKET) it says READY=1 after that.\n"
                       "  --version prints its version and git revision.\n"
                       "  --handover-format and --resume FD are for `rein update` only.\n",
                       stdout);
            return 0;
        } else {
            std::fprintf(stderr, "reind: unknown option '%s' (see reind --help)\n", argv[i]);
            return 2;
        }
    }
    // Room for the daemon's own descriptors (every app's pipes, clients, log files): a crash
    // storm or a thousand apps must not leave it unable to reap, restart or log. Apps get the
    // original limit back.
    rein::daemon::raise_fd_limit(opts.resume_fd >= 0);
    return rein::daemon::run_daemon(opts);
}
