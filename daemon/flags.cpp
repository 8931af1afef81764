// The tables of reind's flags and signals (see flags.hpp).
#include "daemon/flags.hpp"

#include <array>
#include <csignal>
#include <cstdio>
#include <cstring>

namespace rein::daemon {

namespace {

constexpr std::array k_flags{
    FlagDef{Flag::foreground, "--foreground", "-f", nullptr,
            "Stay attached to the terminal or service manager (systemd, containers) and log to "
            "stderr as well as to reind.log. Without it reind detaches and its caller returns "
            "once the socket answers.",
            false},
    FlagDef{Flag::resurrect, "--resurrect", nullptr, nullptr,
            "Once serving, bring back the apps of dump.json (rein save). Under systemd "
            "(NOTIFY_SOCKET) READY=1 is sent after that.",
            false},
    FlagDef{Flag::metrics, "--metrics", nullptr, "ADDR",
            "Serve Prometheus metrics over HTTP at ADDR: HOST:PORT, [IPv6]:PORT, PORT (on "
            "127.0.0.1), unix:/path (mode 0600), on (127.0.0.1:9615) or off (the default). "
            "Wins over the environment variable REIN_METRICS, which takes the same values.",
            false},
    FlagDef{Flag::version, "--version", nullptr, nullptr,
            "Print the version and git revision, and exit.", false},
    FlagDef{Flag::help, "--help", "-h", nullptr, "Print a short usage and exit.", false},
    FlagDef{Flag::handover_format, "--handover-format", nullptr, nullptr,
            "Print the layout version of the state rein update hands over, and exit.", true},
    FlagDef{Flag::resume, "--resume", nullptr, "FD",
            "Take over the apps, sockets and clients of the state an earlier image of this "
            "process left open at FD (rein update).",
            true},
    FlagDef{Flag::resume_failed, "--resume-failed", nullptr, "REASON",
            "Resumed after a newer image could not take over: REASON is told to the client.", true},
    FlagDef{Flag::ready_fd, "--ready-fd", nullptr, "FD",
            "Started by rein: do not fork again; write \"ready\" (or why not) to the pipe at FD "
            "once the socket answers, and close it.",
            true},
};

constexpr std::array k_signals{
    HandledSignal{SIGTERM, "Stop every app (as rein kill does) and exit."},
    HandledSignal{SIGINT, "The same as SIGTERM."},
    HandledSignal{SIGUSR1,
                  "Reopen every log file (after an external logrotate renamed them), as rein "
                  "reloadLogs does."},
    HandledSignal{SIGHUP, "Logged and otherwise ignored: reind has no configuration to reload."},
    HandledSignal{SIGCHLD, "Reap the apps that ended and apply their restart policy."},
};

} // namespace

std::span<const FlagDef> daemon_flags() {
    return k_flags;
}

const FlagDef* find_daemon_flag(const char* arg) {
    for (const FlagDef& f : k_flags)
        if (!std::strcmp(arg, f.name) || (f.short_name && !std::strcmp(arg, f.short_name)))
            return &f;
    return nullptr;
}

void print_daemon_usage() {
    std::fputs("usage: reind [--foreground] [--resurrect]\n"
               "  The rein daemon. `rein` starts it on demand; state lives in $REIN_HOME "
               "(~/.rein).\n",
               stdout);
    for (const FlagDef& f : k_flags) {
        if (f.internal) continue;
        std::printf("  %s%s%s\n      %s\n", f.short_name ? f.short_name : "",
                    f.short_name ? ", " : "", f.name, f.help);
    }
    std::fputs("  --handover-format and --resume FD are for `rein update` only, --ready-fd FD for "
               "`rein`.\n",
               stdout);
}

std::span<const HandledSignal> daemon_signals() {
    return k_signals;
}

} // namespace rein::daemon
