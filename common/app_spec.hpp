#pragma once
// AppSpec: what the user asked for, resolved and validated. Config only; runtime state lives in the
// daemon's Instance. Travels CLI -> daemon as JSON (to_json/from_json below) and into dump.json.
#include "common/shared_env.hpp"

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace rein {

enum class ExecMode { fork, cluster };

/// One `listen` entry: an address the daemon binds once and hands to every instance.
struct ListenSpec {
    std::string address; ///< canonical (parse_listen_address); Unix paths absolute
    int mode = 0666;     ///< permissions of a Unix socket file
    bool operator==(const ListenSpec&) const = default;
};

/// One app as resolved from an ecosystem file or a `rein start <script>` command line.
struct AppSpec {
    std::string name;
    std::string script; ///< absolute path, or a bare command name found on PATH
    std::vector<std::string> args;
    std::string interpreter; ///< empty: exec `script` directly
    std::vector<std::string> interpreter_args;
    std::string cwd; ///< absolute
    std::string namespace_name = "default";
    std::string source_file; ///< absolute path of the ecosystem file, empty for `start <script>`

    /// Environment of the `rein start` that created the app (kept for every restart); the
    /// apps of one request share one copy.
    SharedEnv base_env;
    /// The app's `env` (with `env_<profile>` merged over it); added over base_env.
    std::map<std::string, std::string> env;

    int instances = 1;
    ExecMode exec_mode = ExecMode::fork;
    std::vector<ListenSpec> listen;        ///< sockets at fd 3, 4, ... of every instance
    bool wait_ready = false;               ///< online only after READY=1 (or process.send('ready'))
    std::int64_t listen_timeout_ms = 3000; ///< with wait_ready: online anyway after this

    bool autorestart = true;
    std::vector<int> stop_exit_codes;
    int max_restarts = 16;
    std::int64_t min_uptime_ms = 1000;
    std::int64_t restart_delay_ms = 0;
    std::int64_t exp_backoff_restart_delay_ms = 0; ///< 0: off
    int kill_signal = 2;                           ///< SIGINT
    std::int64_t kill_timeout_ms = 1600;
    std::int64_t max_memory_restart = 0;   ///< bytes of the process tree; 0: no limit
    std::string cron_restart;              ///< 5-field cron expression (local time); empty: none
    std::vector<std::string> watch;        ///< absolute paths to watch for changes; empty: off
    std::vector<std::string> ignore_watch; ///< glob patterns of paths whose changes do not count
    std::int64_t watch_delay_ms = 1000;    ///< quiet time after a change before the restart

    std::string out_file;          ///< absolute; empty: $REIN_HOME/logs/<name>-out.log
    std::string error_file;        ///< absolute; empty: $REIN_HOME/logs/<name>-error.log
    std::string log_file;          ///< absolute; empty: no combined log
    bool time = false;             ///< prefix each log line with a timestamp
    std::string log_date_format;   ///< strftime format (plus %L for milliseconds); empty: ISO 8601
    std::int64_t log_max_size = 0; ///< rotate a log file once it reaches this many bytes; 0: off
    int log_max_files = 10;        ///< rotated files kept per log file

    std::string instance_var = "NODE_APP_INSTANCE";
    std::string increment_var; ///< empty: none; else env[increment_var] is an integer base
    std::string pid_file;      ///< absolute; empty: none

    std::optional<std::uint32_t> uid;
    std::optional<std::uint32_t> gid;
    std::string user; ///< user name for supplementary groups, when uid came from a name

    // PM2 keys with a rein meaning (docs/migrating-from-pm2.md).
    bool autostart = true;  ///< false: registered `stopped`; `rein start <name>` starts it
    bool treekill = true;   ///< false: a stop signals the main process only, not its group
    bool merge_logs = true; ///< false: log files per instance (`<name>-out-<id>.log`)
    bool log_json = false;  ///< `log_type: json`: each line written as one JSON object
    /// Cluster mode: preload the bind hand-off library, so an app that binds its own port gets
    /// the daemon's shared socket (docs/cluster.md). false: only `listen` sockets.
    bool bind_handoff = true;
    /// Node apps: a stop sends 'shutdown' over the IPC channel instead of kill_signal, then
    /// SIGKILL after kill_timeout (PM2's shutdown_with_message).
    bool shutdown_with_message = false;
    /// The `--env PROFILE` whose env_PROFILE was merged into env ("" = none): a restart that
    /// re-reads source_file applies the same profile unless told another.
    std::string env_profile;
};

const char* to_string(ExecMode m);

void to_json(nlohmann::json& j, const AppSpec& s);
/// The "apps" of a start or restart request, with a base_env that all of them share hoisted
/// out and sent once as "base_env" beside them (the environment is most of a spec's size).
/// Returns `{"apps": [...], "base_env": {...}}` (base_env only when shared).
nlohmann::json apps_request(const std::vector<AppSpec>& apps);
/// Throws nlohmann::json::exception on a malformed spec (the daemon turns it into a reply error).
void from_json(const nlohmann::json& j, AppSpec& s);

} // namespace rein
