#pragma once
// reind's command-line flags and the signals it handles, as tables: main.cpp parses with the
// first and prints --help from it, run_daemon() blocks the second, and reind(8) is generated
// from both (tools/man/), so the page cannot drift from the program.
#include <span>

namespace rein::daemon {

/// What a flag does (main.cpp switches on it).
enum class Flag {
    foreground,
    resurrect,
    resume,
    resume_failed,
    handover_format,
    version,
    help,
    ready_fd,
    metrics
};

/// One flag of reind.
struct FlagDef {
    Flag flag;
    const char* name;       ///< "--foreground"
    const char* short_name; ///< "-f", or null
    const char* value;      ///< the argument's name ("FD"), or null for a plain flag
    const char* help;       ///< one or two sentences
    bool internal;          ///< for `rein update` only: listed apart
};

/// Every flag, in --help order.
std::span<const FlagDef> daemon_flags();
/// The flag `arg` names (long or short form), or null.
const FlagDef* find_daemon_flag(const char* arg);
/// Prints `reind --help` (stdio: the daemon keeps iostreams out of its pages).
void print_daemon_usage();

/// A signal reind handles and what it does.
struct HandledSignal {
    int number;
    const char* effect; ///< one sentence
};

/// Every signal run_daemon() takes through its signalfd.
std::span<const HandledSignal> daemon_signals();

} // namespace rein::daemon
