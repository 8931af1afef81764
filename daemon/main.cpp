// reind: the rein daemon. Everything lives in the rein_daemon library; this only reads flags.
#include "daemon/daemon.hpp"

#include <cstring>
#include <iostream>

int main(int argc, char** argv) {
    rein::daemon::DaemonOptions opts;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--foreground") || !std::strcmp(argv[i], "-f")) {
            opts.foreground = true;
        } else if (!std::strcmp(argv[i], "--version")) {
            std::cout << "reind " << REIN_VERSION << "\n";
            return 0;
        } else if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
            std::cout << "usage: reind [--foreground]\n"
                         "  The rein daemon. `rein` starts it on demand; --foreground keeps it\n"
                         "  attached (systemd, containers). State lives in $REIN_HOME (~/.rein).\n";
            return 0;
        } else {
            std::cerr << "reind: unknown option '" << argv[i] << "' (see reind --help)\n";
            return 2;
        }
    }
    return rein::daemon::run_daemon(opts);
}
