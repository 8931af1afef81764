// reind(8), from the daemon's flag and signal tables (daemon/flags.cpp) and the unit that
// `rein startup` writes (cli/render/systemd_unit.cpp).
#include "cli/render/systemd_unit.hpp"
#include "common/signals.hpp"
#include "daemon/flags.hpp"
#include "tools/man/pages.hpp"
#include "tools/man/roff.hpp"

namespace rein::man {

namespace {

std::string flag_entry(const daemon::FlagDef& f) {
    std::string label = f.short_name ? bold(f.short_name) + ", " : "";
    label += bold(f.name);
    if (f.value) label += " " + italic(f.value);
    return ".TP\n" + label + "\n" + text(f.help) + "\n";
}

/// The unit `rein startup` writes, as an example: one line per roff line, verbatim.
std::string example_unit() {
    const auto unit = cli::render::systemd_unit(
        {"alice", "/home/alice/.rein", "/usr/bin/reind", "/usr/bin/rein"});
    std::string out = ".PP\n.EX\n";
    std::size_t start = 0;
    while (start < unit.size()) {
        auto end = unit.find('\n', start);
        if (end == std::string::npos) end = unit.size();
        out += verbatim(unit.substr(start, end - start)) + "\n";
        start = end + 1;
    }
    return out + ".EE\n";
}

} // namespace

std::string reind_page() {
    std::string out = header("reind", 8, "the rein daemon, which runs and supervises the apps");
    out += ".SH SYNOPSIS\n" + bold("reind") + " [" + bold("--foreground") + "] [" +
           bold("--resurrect") + "]\n";
    out += ".SH DESCRIPTION\n" +
           text("`reind` owns the apps of one rein home (REIN_HOME, default ~/.rein): it starts "
                "them, restarts them by their policy, writes their logs, holds their listening "
                "sockets, and answers rein(1) on a Unix socket. `rein` starts it on demand, "
                "detached; nobody needs to run it by hand except a service manager.") +
           "\n.PP\n" +
           text("`rein update` replaces a running daemon with the installed binary in place: "
                "the apps keep their processes. A daemon that was killed is replaced by the "
                "next `rein` command, which adopts the apps still running.") +
           "\n";
    out += ".SH OPTIONS\n";
    for (const auto& f : daemon::daemon_flags())
        if (!f.internal) out += flag_entry(f);
    out += ".PP\n" + text("For `rein update` only:") + "\n";
    for (const auto& f : daemon::daemon_flags())
        if (f.internal) out += flag_entry(f);
    out += ".SH SIGNALS\n";
    for (const auto& s : daemon::daemon_signals())
        out += ".TP\n" + bold(signal_name(s.number)) + "\n" + text(s.effect) + "\n";
    out += ".SH SYSTEMD\n" +
           text("`rein startup` writes and enables a unit that runs `reind --foreground "
                "--resurrect` as a Type=notify service: reind says READY=1 once the apps of "
                "`rein save` are back, and systemd's SIGTERM stops them gracefully. For a user "
                "alice it reads:") +
           "\n" + example_unit();
    out += ".SH ENVIRONMENT\n" + environment_entries(true);
    out += ".SH FILES\n" + files_entries();
    out += ".SH EXIT STATUS\n" +
           text("0 once every app was stopped on purpose (rein kill, SIGTERM); 2 for an unknown "
                "option; 1 when the daemon cannot start (another daemon holds the home, the "
                "home is not private, the socket cannot be made).") +
           "\n";
    out += ".SH SEE ALSO\n" + bold("rein") + "(1), " + bold("rein-ecosystem") + "(5), " +
           bold("systemd.service") + "(5)\n";
    return out;
}

} // namespace rein::man
