// The table of PM2's app keys and commands (see pm2_keys.hpp). Sources: every version of PM2's
// lib/API/schema.json and its CLI help; each note says what rein does, in rein's words.
#include "common/pm2_keys.hpp"

#include <algorithm>

namespace rein {

namespace {

using K = Pm2KeyKind;

const std::vector<Pm2Key> k_keys = {
    // rein keys, in docs/ecosystem.md's order.
    {"name", K::rein, "", "App name.", "the script's file name without its extension"},
    {"script", K::rein, "", "Program to run; a folder runs its `index.js`.",
     "none, the key is required"},
    {"args", K::rein, "", "A string split like a shell, or a list.", "none"},
    {"interpreter", K::rein, "", "Program that runs the script; `none` execs it.",
     "by extension: `.js .mjs .cjs` node, `.py` python3, `.sh` bash, `.rb` ruby, `.pl` perl, "
     "`.php` php; else the script runs itself"},
    {"interpreter_args", K::rein, "", "Arguments for the interpreter.", "none"},
    {"cwd", K::rein, "", "Working directory, relative to the file's folder.", "the file's folder"},
    {"env", K::rein, "",
     "Added over the caller's environment; numbers and booleans as written, objects and arrays "
     "JSON-encoded (as PM2 does).",
     "none"},
    {"namespace", K::rein, "", "Group name, usable as a selector.", "`default`"},
    {"instances", K::rein, "",
     "N, `max` or `0` (usable cores), `-N` (cores minus N, at least 1), or a numeric string.", "1"},
    {"exec_mode", K::rein, "", "`fork` or `cluster` (`fork_mode`/`cluster_mode` too).",
     "fork; cluster when instances > 1"},
    {"listen", K::rein, "", "rein only: addresses the daemon binds for the app (fd 3, 4, ...).",
     "none"},
    {"bind_handoff", K::rein, "",
     "rein only: in cluster mode an app that binds its own port gets the daemon's shared socket "
     "(docs/cluster.md); `false` turns it off.",
     "true"},
    {"wait_ready", K::rein, "", "Online once the app says ready (`process.send('ready')`).",
     "false"},
    {"listen_timeout", K::rein, "", "With `wait_ready`: online anyway after this.", "3000"},
    {"autorestart", K::rein, "", "Restart when the process exits.", "true"},
    {"autostart", K::rein, "", "`false`: the app is registered stopped; `rein start NAME` runs it.",
     "true"},
    {"stop_exit_codes", K::rein, "", "Exit codes that do not trigger a restart.", "none"},
    {"max_restarts", K::rein, "", "Unstable restarts before `errored`.", "16"},
    {"min_uptime", K::rein, "", "A shorter run is unstable (`1000`, `'5s'`).", "1000"},
    {"restart_delay", K::rein, "", "Wait before a restart.", "0"},
    {"exp_backoff_restart_delay", K::rein, "", "Exponential backoff between crash restarts.",
     "off"},
    {"kill_signal", K::rein, "", "First signal of a stop.", "SIGINT"},
    {"kill_timeout", K::rein, "", "Wait after the signal before SIGKILL.", "1600"},
    {"shutdown_with_message", K::rein, "",
     "Node apps: a stop sends `'shutdown'` over the IPC channel first.", "false"},
    {"treekill", K::rein, "", "`false`: a stop signals the main process only.", "true"},
    {"max_memory_restart", K::rein, "", "Restart past this memory (`'1G'`, `'200M'`, bytes).",
     "off"},
    {"cron_restart", K::rein, "",
     "Restart on a cron schedule: 5 fields, or 6 with seconds first (as PM2's croner reads them).",
     "none"},
    {"watch", K::rein, "",
     "`true`, a path (`'.'`) or a list; paths that do not exist yet are "
     "watched once they appear.",
     "off"},
    {"ignore_watch", K::rein, "", "Glob patterns of changes that do not count.", "none"},
    {"watch_delay", K::rein, "", "Quiet time after a change before the restart.", "1000"},
    {"out_file", K::rein, "", "stdout log; `NULL` or `/dev/null` discards it.",
     "`$REIN_HOME/logs/NAME-out.log`"},
    {"error_file", K::rein, "", "stderr log; `NULL` or `/dev/null` discards it.",
     "`$REIN_HOME/logs/NAME-error.log`"},
    {"log_file", K::rein, "", "Combined log; `true`: `NAME.log` in rein's logs folder.", "none"},
    {"merge_logs", K::rein, "", "`false`: one log file per instance (`NAME-out-ID.log`).", "true"},
    {"log_type", K::rein, "", "`json`: each log line written as a JSON object.", "plain lines"},
    {"disable_logs", K::rein, "", "`true`: stdout and stderr go to `/dev/null`.", "false"},
    {"time", K::rein, "", "Prefix each log line with a timestamp.", "false"},
    {"log_date_format", K::rein, "",
     "Timestamp format of log lines (dayjs tokens or strftime); giving one turns `time` on, as in "
     "PM2.",
     "ISO 8601 with milliseconds and the UTC offset"},
    {"log_max_size", K::rein, "", "rein only: rotate a log file at this size.", "off"},
    {"log_max_files", K::rein, "", "rein only: rotated files kept.", "10"},
    {"instance_var", K::rein, "", "Variable holding the instance index.", "`NODE_APP_INSTANCE`"},
    {"increment_var", K::rein, "", "A variable of `env` increased by the instance index.", "none"},
    {"pid_file", K::rein, "", "File holding the instance's pid.", "none"},
    {"uid", K::rein, "", "Run as this user (name or number; needs a root daemon).",
     "the daemon's user"},
    {"gid", K::rein, "", "Run as this group.", "the user's group"},
    {"port", K::rein, "", "Sets `PORT` in the app's environment (over `env` and the profile).",
     "none"},
    {"filter_env", K::rein, "",
     "`true`: the caller's environment is not passed on (but `PATH`); a string or a list: "
     "variables whose name contains one of them are dropped.",
     "false"},
    {"append_env_to_name", K::rein, "", "With `--env PROFILE` the app is named `NAME-PROFILE`.",
     "false"},
    // PM2's other names for rein keys (every schema version's aliases).
    {"exec", K::alias, "script", ""},
    {"exec_interpreter", K::alias, "interpreter", ""},
    {"node_args", K::alias, "interpreter_args", ""},
    {"interpreterArgs", K::alias, "interpreter_args", ""},
    {"out", K::alias, "out_file", ""},
    {"output", K::alias, "out_file", ""},
    {"out_log", K::alias, "out_file", ""},
    {"error", K::alias, "error_file", ""},
    {"err", K::alias, "error_file", ""},
    {"err_file", K::alias, "error_file", ""},
    {"err_log", K::alias, "error_file", ""},
    {"log", K::alias, "log_file", ""},
    {"pid", K::alias, "pid_file", ""},
    {"cron", K::alias, "cron_restart", ""},
    {"combine_logs", K::alias, "merge_logs", ""},
    {"user", K::alias, "uid", ""},
    {"appendEnvToName", K::alias, "append_env_to_name", ""},
    // PM2's services: monitoring, tracing, Keymetrics/PM2 Plus, module installs.
    {"vizion", K::service, "", "Versioning metadata shown by PM2's dashboard."},
    {"pmx", K::service, "", "PM2's in-process monitoring agent."},
    {"automation", K::service, "", "PM2's in-process monitoring agent."},
    {"io", K::service, "", "PM2 Plus (APM) settings."},
    {"trace", K::service, "", "PM2 Plus transaction tracing."},
    {"disable_trace", K::service, "", "PM2 Plus transaction tracing."},
    {"pmx_trace", K::service, "", "PM2 Plus transaction tracing (old name)."},
    {"v8", K::service, "", "PM2 Plus V8 metrics."},
    {"event_loop_inspector", K::service, "", "PM2 Plus event-loop metrics."},
    {"event-loop-inspector", K::service, "", "PM2 Plus event-loop metrics (old name)."},
    {"deep_monitoring", K::service, "", "PM2 Plus deep metrics."},
    {"source_map_support", K::service, "",
     "PM2 injects source-map-support into Node; use `node --enable-source-maps` "
     "(`interpreter_args`)."},
    {"disable_source_map_support", K::service, "", "See `source_map_support`."},
    {"post_update", K::service, "", "Commands run after an update from PM2's dashboard."},
    {"install_url", K::service, "", "Where PM2 installs a module from."},
    // PM2 keys rein cannot honour; the note is the warning's reason.
    {"force", K::ignored, "",
     "rein app names are unique, so a second copy of a running script is never started: `start` "
     "of a running app applies the file to it instead"},
    {"name_prefix", K::ignored, "", "a prefix PM2's CLI puts before names; use `namespace`"},
    {"watch_options", K::ignored, "",
     "options of PM2's chokidar watcher; rein watches with inotify (use `ignore_watch`, "
     "`watch_delay`)"},
    {"kill_retry_time", K::ignored, "",
     "PM2 polls for the process's end; rein is told of it by the kernel"},
    {"windowsHide", K::ignored, "", "Windows only"},
    {"username", K::ignored, "", "PM2 records who started the app; use `uid` to choose a user"},
    {"execute_command", K::ignored, "", "internal to PM2"},
    {"write", K::ignored, "", "internal to PM2"},
    {"next_gen_js", K::ignored, "", "removed from PM2 (Babel transpiling)"},
    {"envSpecificInstance", K::ignored, "", "removed from PM2"},
};

const std::vector<Pm2Command> k_commands = {
    {"start FILE|SCRIPT", "start FILE|SCRIPT",
     "Ecosystem files (`.yaml`, `.json`, `*.config.js/.cjs/.mjs`), scripts, command strings; "
     "`-` reads a file from stdin."},
    {"startOrRestart FILE", "startOrRestart FILE",
     "Starts the file's apps, restarts running ones."},
    {"startOrReload FILE", "startOrReload FILE", "Starts the file's apps, reloads running ones."},
    {"stop SEL", "stop SEL", "Names, ids, `all`, namespaces, a file."},
    {"restart SEL", "restart SEL", "`--env`, `--update-env` apply a profile / the caller's env."},
    {"reload SEL", "reload SEL", "Zero-downtime rolling restart."},
    {"delete SEL", "delete SEL", ""},
    {"list / ls / l / ps / status", "ls", ""},
    {"jlist", "jlist", "Rows carry PM2's fields (`pm_id`, `pm2_env`, `monit`) too."},
    {"prettylist", "prettylist", ""},
    {"describe / desc / info / show ID", "describe ID", ""},
    {"env ID", "env ID", "The environment of an instance."},
    {"pid [NAME]", "pid [NAME]", ""},
    {"id NAME", "id NAME", ""},
    {"logs [SEL]", "logs [SEL]", ""},
    {"flush", "flush", ""},
    {"reloadLogs", "reloadLogs", ""},
    {"monit", "monit", ""},
    {"scale NAME N", "scale NAME N", ""},
    {"save / dump", "save", "The previous dump is kept as `dump.json.bak`."},
    {"resurrect", "resurrect", ""},
    {"cleardump", "cleardump", ""},
    {"startup / unstartup", "startup / unstartup", "systemd units."},
    {"ecosystem / init", "ecosystem", "Writes a starter file."},
    {"kill", "kill", "Stops every app and the daemon."},
    {"ping", "ping", ""},
    {"update / updatePM2", "update", "Replaces the daemon in place."},
    {"sendSignal SIG NAME", "signal SIG SEL", ""},
    {"reset SEL", "reset SEL", "Zeroes the restart counters."},
    {"(import from PM2)", "import [DUMP]", "Reads PM2's `dump.pm2` (from `pm2 save`)."},
    {"deploy", "",
     "Not supported: rein manages processes, not releases; run your git/CI steps, then "
     "`rein reload FILE`."},
    {"link / unlink / plus / open", "", "Not supported: PM2 Plus is PM2's hosted service."},
    {"install / uninstall / module:*", "",
     "Not supported: PM2 modules are Node packages run by PM2's agent; run them as apps."},
    {"serve PATH PORT", "",
     "Not supported: serve static files with any server as an app (`python3 -m http.server`)."},
    {"trigger / inspect / profile:*", "", "Not supported: these drive PM2's in-process agent."},
};

std::string_view kind_text(const Pm2Key& k) {
    switch (k.kind) {
    case K::rein:
        return "rein key";
    case K::alias:
        return "alias";
    case K::service:
        return "ignored, warned (PM2 service)";
    case K::ignored:
        return "ignored, warned";
    }
    return "";
}

/// A table cell: '|' would end the cell.
std::string cell(std::string_view s) {
    std::string out;
    for (char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c);
    return out;
}

} // namespace

const std::vector<Pm2Key>& pm2_keys() {
    return k_keys;
}

const Pm2Key* find_pm2_key(std::string_view name) {
    auto it =
        std::find_if(k_keys.begin(), k_keys.end(), [&](const Pm2Key& k) { return k.name == name; });
    return it == k_keys.end() ? nullptr : &*it;
}

const std::vector<Pm2Command>& pm2_commands() {
    return k_commands;
}

std::string migration_tables_markdown() {
    std::string out = "### Keys\n\n| PM2 key | rein | what rein does |\n|---|---|---|\n";
    std::vector<const Pm2Key*> sorted;
    for (const auto& k : k_keys) sorted.push_back(&k);
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const Pm2Key* a, const Pm2Key* b) { return a->name < b->name; });
    for (const Pm2Key* k : sorted) {
        std::string rein =
            k->kind == K::alias ? "`" + std::string(k->target) + "`" : std::string(kind_text(*k));
        std::string note = k->kind == K::alias
                               ? "Same as `" + std::string(k->target) + "`."
                               : std::string(k->note) + (k->kind == K::ignored ? "." : "");
        out += "| `" + cell(k->name) + "` | " + cell(rein) + " | " + cell(note) + " |\n";
    }
    out += "| `env_PROFILE` | rein key | Merged over `env` with `--env PROFILE`. |\n";
    out += "\n### Commands\n\n| PM2 | rein | notes |\n|---|---|---|\n";
    for (const auto& c : k_commands) {
        const std::string rein =
            c.rein.empty() ? std::string("—") : "`rein " + std::string(c.rein) + "`";
        out += "| `pm2 " + cell(c.pm2) + "` | " + cell(rein) + " | " + cell(c.note) + " |\n";
    }
    return out;
}

std::optional<std::string> splice_migration_tables(const std::string& doc) {
    const auto begin = doc.find(k_doc_begin);
    const auto end = doc.find(k_doc_end);
    if (begin == std::string::npos || end == std::string::npos || end < begin) return std::nullopt;
    const auto after_begin = begin + k_doc_begin.size();
    return doc.substr(0, after_begin) + "\n\n" + migration_tables_markdown() + "\n" +
           doc.substr(end);
}

} // namespace rein
