// The sections rein(1) and reind(8) share: ENVIRONMENT and FILES.
#include "common/env_vars.hpp"
#include "common/paths.hpp"
#include "tools/man/pages.hpp"
#include "tools/man/roff.hpp"

#include <utility>
#include <vector>

namespace rein::man {

std::string environment_entries(bool daemon) {
    std::string out;
    const EnvUse own = daemon ? EnvUse::daemon : EnvUse::cli;
    for (const EnvVar& v : env_vars())
        if (v.use == own || v.use == EnvUse::both)
            out += ".TP\n" + bold(v.name) + "\n" + text(v.meaning) + "\n";
    out += ".SS Set for every app\n";
    for (const EnvVar& v : env_vars())
        if (v.use == EnvUse::app) out += ".TP\n" + bold(v.name) + "\n" + text(v.meaning) + "\n";
    return out;
}

std::string files_entries() {
    const Paths p{"$REIN_HOME"};
    const std::vector<std::pair<std::string, std::string>> files = {
        {p.home, "The home of one daemon (mode 0700): ~/.rein unless REIN_HOME says otherwise."},
        {p.socket(), "The control socket rein talks to reind through."},
        {p.pid_file(), "The daemon's pid."},
        {p.lock_file(), "Held by the one daemon of the home."},
        {p.daemon_log(), "The daemon's own log."},
        {p.logs_dir() + "/",
         "The apps' logs: NAME-out.log and NAME-error.log unless the app's keys say otherwise."},
        {p.dump_file(), "The app set rein save wrote and rein resurrect brings back."},
        {p.registry_file(),
         "What runs now, rewritten on every change: a daemon started after one that died adopts "
         "its apps from it."},
        {p.journal_file(), "The log lines being written, so that a killed daemon loses none."},
        {p.holder_socket(),
         "rein-holder's socket: it keeps the apps' pipes and sockets while no daemon runs."},
        {p.holder_pid_file(), "rein-holder's pid."},
    };
    std::string out;
    for (const auto& [path, meaning] : files)
        out += ".TP\n" + italic(path) + "\n" + text(meaning) + "\n";
    return out;
}

} // namespace rein::man
