// reind: the rein daemon. Everything lives in the rein_daemon library; this only reads flags.
// (stdio, not iostreams: iostreams' start-up touches pages the idle daemon would then keep.)
#include "daemon/daemon.hpp"

#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
    rein::daemon::DaemonOptions opts;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--foreground") || !std::strcmp(argv[i], "-f")) {
            opts.foreground = true;
        } else if (!std::strcmp(argv[i], "--version")) {
            std::printf("reind %s\n", REIN_VERSION);
            return 0;
        } else if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
            std::fputs("usage: reind [--foreground]\n"
                       "  The rein daemon. `rein` starts it on demand; --foreground keeps it\n"
                       "  attached (systemd, containers). State lives in $REIN_HOME (~/.rein).\n",
                       stdout);
            return 0;
        } else {
            std::fprintf(stderr, "reind: unknown option '%s' (see reind --help)\n", argv[i]);
            return 2;
        }
    }
    return rein::daemon::run_daemon(opts);
}
