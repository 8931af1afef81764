// The explicit table of subcommands (no static self-registration: greppable, never dropped).
#include "cli/commands/selector_command.hpp"

namespace rein::cli {

Runner setup_start(CLI::App& sub);
Runner setup_restart(CLI::App& sub);
Runner setup_list(CLI::App& sub);
Runner setup_jlist(CLI::App& sub);
Runner setup_describe(CLI::App& sub);
Runner setup_signal(CLI::App& sub);
Runner setup_ping(CLI::App& sub);
Runner setup_kill(CLI::App& sub);
Runner setup_logs(CLI::App& sub);
Runner setup_reload(CLI::App& sub);
Runner setup_scale(CLI::App& sub);
Runner setup_monit(CLI::App& sub);
Runner setup_flush(CLI::App& sub);
Runner setup_reload_logs(CLI::App& sub);
Runner setup_save(CLI::App& sub);
Runner setup_resurrect(CLI::App& sub);
Runner setup_startup(CLI::App& sub);
Runner setup_unstartup(CLI::App& sub);
Runner setup_run(CLI::App& sub);
Runner setup_update(CLI::App& sub);
Runner setup_env(CLI::App& sub);
Runner setup_pid(CLI::App& sub);
Runner setup_id(CLI::App& sub);
Runner setup_prettylist(CLI::App& sub);
Runner setup_cleardump(CLI::App& sub);
Runner setup_ecosystem(CLI::App& sub);
Runner setup_start_or_restart(CLI::App& sub);
Runner setup_start_or_reload(CLI::App& sub);
Runner setup_import(CLI::App& sub);
Runner setup_completion(CLI::App& sub);
Runner setup_metrics(CLI::App& sub);

const std::vector<CommandDef>& command_table() {
    static const std::vector<CommandDef> table = {
        {"start", "start apps from an ecosystem file, or one script", {}, setup_start},
        {"stop", "stop apps gracefully", {}, setup_selector_verb},
        {"restart", "stop and start apps again", {}, setup_restart},
        {"delete", "stop apps and forget them", {"del"}, setup_selector_verb},
        {"reload", "zero-downtime rolling restart (cluster mode)", {}, setup_reload},
        {"scale", "change the number of instances of an app", {}, setup_scale},
        {"list", "show the process table", {"ls", "l", "status", "ps"}, setup_list},
        {"monit", "full-screen dashboard of apps, their figures and logs", {}, setup_monit},
        {"jlist", "print the process table as one JSON array", {}, setup_jlist},
        {"describe", "show everything about apps", {"show", "desc", "info"}, setup_describe},
        {"reset", "zero the restart counters", {}, setup_selector_verb},
        {"signal", "send a signal to apps", {"sendSignal"}, setup_signal},
        {"logs", "show the last lines of apps' logs, then follow them", {}, setup_logs},
        {"flush", "empty log files", {}, setup_flush},
        {"reloadLogs", "reopen log files (after an external logrotate)", {}, setup_reload_logs},
        {"save", "write the app set to $REIN_HOME/dump.json", {"dump"}, setup_save},
        {"resurrect", "bring back the apps of dump.json", {}, setup_resurrect},
        {"ping", "start the daemon if needed and print its version", {}, setup_ping},
        {"kill", "stop every app and end the daemon", {}, setup_kill},
        {"startup", "start reind at boot (systemd) with the apps of rein save", {}, setup_startup},
        {"unstartup", "remove what startup installed", {}, setup_unstartup},
        {"run",
         "run an ecosystem file in the foreground (a container's entrypoint)",
         {},
         setup_run},
        {"update",
         "replace the daemon with the installed reind; apps keep running",
         {},
         setup_update},
        {"startOrRestart",
         "start an ecosystem file's apps that are not running, restart the others",
         {},
         setup_start_or_restart},
        {"startOrReload",
         "start an ecosystem file's apps that are not running, reload the others",
         {"startOrGracefulReload"},
         setup_start_or_reload},
        {"env", "print the environment of an instance, one KEY=value a line", {}, setup_env},
        {"pid", "print the pids of an app (of every app without a name)", {}, setup_pid},
        {"id", "print the instance ids of an app", {}, setup_id},
        {"prettylist",
         "print the process list as PM2 does (node util.inspect layout)",
         {},
         setup_prettylist},
        {"cleardump", "empty dump.json (resurrect then brings back nothing)", {}, setup_cleardump},
        {"ecosystem", "write a starter ecosystem.config.js here", {"init"}, setup_ecosystem},
        {"import", "bring in the apps of PM2's saved list (pm2 save)", {}, setup_import},
        {"completion", "print a shell completion script (bash, zsh, fish)", {}, setup_completion},
        {"metrics", "print the daemon's Prometheus metrics once", {}, setup_metrics},
    };
    return table;
}

} // namespace rein::cli
