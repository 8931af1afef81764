// The table of environment variables (see env_vars.hpp).
#include "common/env_vars.hpp"

namespace rein {

const std::vector<EnvVar>& env_vars() {
    using U = EnvUse;
    static const std::vector<EnvVar> vars = {
        {"REIN_HOME", U::both,
         "The folder of the daemon's state: its socket, pid file, log, dump and the apps' logs "
         "(default ~/.rein). Each home has its own daemon."},
        {"HOME", U::both, "Where ~/.rein is when REIN_HOME is not set."},
        {"REIND", U::cli,
         "The reind that rein starts when no daemon runs, if none is next to rein or on PATH."},
        {"PATH", U::both,
         "Where rein looks for reind, and where a script given by a bare name is looked up. "
         "Apps keep it even under filter_env."},
        {"REIN_TIMEOUT", U::cli,
         "Seconds rein waits for a daemon that answers nothing, not even a ping (default 10)."},
        {"NO_COLOR", U::cli, "Set to anything: no colours, as with --no-color."},
        {"COLUMNS", U::cli, "The width of the tables when the terminal does not say it."},
        {"PM2_HOME", U::cli, "Where rein import finds PM2's dump.pm2 (default ~/.pm2)."},
        {"XDG_DATA_HOME", U::cli,
         "Where rein completion install writes the bash script: "
         "$XDG_DATA_HOME/bash-completion/completions/rein (default ~/.local/share/...)."},
        {"REIN_HOLDER", U::daemon,
         "The rein-holder program, when it is neither next to reind nor where it was installed."},
        {"REIN_PRELOAD", U::daemon,
         "The bind hand-off library (librein-bind.so), when it is neither next to reind nor "
         "where it was installed."},
        {"NOTIFY_SOCKET", U::daemon,
         "Set by systemd (Type=notify): reind says READY=1 there once it answers (after "
         "--resurrect, once the apps are back). reind drops it from its own environment."},
        {"REIND_APP_NOFILE", U::daemon,
         "Kept by reind for its successor across rein update: the open-file limit the apps get "
         "back (reind raises its own)."},
        {"REIN_METRICS", U::daemon,
         "Where reind serves Prometheus metrics, as --metrics ADDR takes it (the flag wins): "
         "HOST:PORT, [IPv6]:PORT, PORT, unix:/path, on (127.0.0.1:9615) or off (the default). "
         "Set in the environment rein starts reind with; reind writes the address it bound back "
         "into it, for its successor across rein update."},
        {"REIN_APP_NAME", U::app, "The app's name."},
        {"REIN_APP_ID", U::app, "The instance's id (as rein ls shows it)."},
        {"REIN_APP_INSTANCE", U::app, "The instance's index within its app, from 0."},
        {"NODE_APP_INSTANCE", U::app,
         "The instance's index again, under the name of the app's instance_var key."},
        {"PORT", U::app, "The port of the app's port key, or of its only listen address."},
        {"LISTEN_FDS", U::app,
         "With listen: how many sockets the app gets, at descriptors 3, 4, ... (systemd's "
         "socket activation convention, with LISTEN_PID and LISTEN_FDNAMES)."},
        {"LISTEN_PID", U::app, "With listen: the pid the sockets are meant for."},
        {"LISTEN_FDNAMES", U::app, "With listen: the app's name once per socket, colon-separated."},
        {"NOTIFY_SOCKET", U::app,
         "With wait_ready: where the app sends READY=1 (sd_notify) once it serves."},
        {"PYTHONUNBUFFERED", U::app,
         "1 unless the app sets it: Python writes its output as it goes, not when it exits."},
        {"NODE_CHANNEL_FD", U::app,
         "Node apps: the descriptor of the IPC channel (process.send, process.on('message'))."},
        {"NODE_CHANNEL_SERIALIZATION_MODE", U::app, "Node apps: json."},
        {"USER", U::app,
         "With uid: the user's name (LOGNAME too); HOME and SHELL become the user's as well."},
        {"LOGNAME", U::app, "With uid: the user's name."},
        {"SHELL", U::app, "With uid: the user's shell."},
        {"LD_PRELOAD", U::app,
         "In cluster mode with bind_handoff: librein-bind.so is added in front of it."},
        {"REIN_BIND_SOCKET", U::app,
         "In cluster mode with bind_handoff: where the preloaded librein-bind.so asks the "
         "daemon for the shared listening socket."},
    };
    return vars;
}

} // namespace rein
