#include "cli/command.hpp"
#include "cli/render/table.hpp"
#include "common/shell_split.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <set>
#include <sstream>
#include <unistd.h>

namespace rein::cli {

namespace {

struct StartOpts {
    std::vector<std::string> targets;
    std::string env_profile, only;
    bool force = false;
    bool update_env = false;
    // Flags that map onto ecosystem keys: (key, value) in command-line order.
    std::vector<std::pair<std::string, std::string>> overrides;
    std::vector<std::string> unsupported; ///< PM2 flags rein has no meaning for, as typed
    std::vector<std::string> ignored;     ///< PM2 service flags given: a warning each
};

// A value option that becomes the ecosystem key of the same meaning.
void key_option(CLI::App& sub, const std::shared_ptr<StartOpts>& o, const std::string& flags,
                const std::string& key, const std::string& help) {
    sub.add_option_function<std::string>(
        flags, [o, key](const std::string& v) { o->overrides.emplace_back(key, v); }, help);
}

// A flag that sets the ecosystem key to a fixed value.
void key_flag(CLI::App& sub, const std::shared_ptr<StartOpts>& o, const std::string& flags,
              const std::string& key, const std::string& value, const std::string& help) {
    sub.add_flag_callback(
        flags, [o, key, value] { o->overrides.emplace_back(key, value); }, help);
}

// PM2's start flags that rein does not take: accepted by the parser, refused when run, so the
// user reads why instead of CLI11's "unexpected argument". `takes_value`: PM2's flag has one.
void unsupported_flag(CLI::App& sub, const std::shared_ptr<StartOpts>& o, const std::string& flags,
                      const std::string& why, bool takes_value) {
    const std::string shown = flags.substr(flags.rfind(',') + 1) + ": " + why;
    if (takes_value)
        sub.add_option_function<std::string>(
               flags, [o, shown](const std::string&) { o->unsupported.push_back(shown); }, "")
            ->expected(0, 1)
            ->group(""); // hidden from --help
    else
        sub.add_flag_callback(
               flags, [o, shown] { o->unsupported.push_back(shown); }, "")
            ->group("");
}

// PM2's --watch-delay counts seconds unless it says ms; rein's durations count milliseconds.
std::string watch_delay_ms(const std::string& v) {
    std::istringstream in(v);
    double seconds = 0;
    if (in >> seconds && in.peek() == std::char_traits<char>::eof())
        return std::to_string(static_cast<long long>(seconds * 1000)) + "ms";
    return v;
}

bool exists(const std::string& path) {
    return access(path.c_str(), F_OK) == 0;
}

// -f/--force: PM2 starts another copy of a script that already runs. rein's app names are
// unique, so the copy gets the first free name `<name>-2`, `<name>-3`, ...
Status rename_copies(Client& client, std::vector<AppSpec>& specs) {
    auto list = client.call("list");
    if (!list) return list.error();
    std::set<std::string> taken;
    for (const auto& row : list->at("rows")) taken.insert(row.value("name", ""));
    for (auto& s : specs) {
        if (!taken.count(s.name)) {
            taken.insert(s.name);
            continue;
        }
        for (int n = 2;; ++n)
            if (std::string name = s.name + "-" + std::to_string(n); !taken.count(name)) {
                s.name = name;
                break;
            }
        taken.insert(s.name);
    }
    return Ok{};
}

/// All of stdin, or a little more than an ecosystem file may hold (load_ecosystem_text refuses
/// that).
std::string read_stdin() {
    std::string text;
    char buf[65536];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, stdin)) > 0;) {
        text.append(buf, n);
        if (text.size() > k_max_ecosystem_bytes) break;
    }
    return text;
}

int run_start(Context& ctx, const StartOpts& o) {
    if (!o.unsupported.empty()) return report(o.unsupported.front());
    for (const auto& w : o.ignored) std::cerr << "rein: " << w << "\n";
    LoadOptions opts = caller_load_options();
    opts.env_profile = o.env_profile;
    opts.only = split_commas(o.only);
    opts.overrides = o.overrides;
    const auto& args = ctx.passthrough;

    // `-` is an ecosystem file (YAML or JSON) on stdin, paths relative to here.
    const auto is_file = [](const std::string& t) { return t == "-" || is_ecosystem_path(t); };
    const bool any_file = std::any_of(o.targets.begin(), o.targets.end(), is_file);
    // `rein start api` or `rein start 3 4` starts known, stopped apps (as in PM2) when no file
    // of that name exists here.
    if (!any_file && args.empty() && o.overrides.empty() && o.env_profile.empty() &&
        o.only.empty() && !o.force && std::none_of(o.targets.begin(), o.targets.end(), exists)) {
        auto client = ctx.connect();
        if (!client) return k_exit_failed;
        nlohmann::json sel = o.targets.size() == 1 ? nlohmann::json{{"selector", o.targets[0]}}
                                                   : nlohmann::json{{"selectors", o.targets}};
        auto reply = client->call("start", sel);
        if (reply) return show_table(ctx, *client);
        if (reply.error().code != "not_found") return report(reply.error());
        // Not a known app either: fall through to the script's own error.
    }
    if (!any_file && !o.env_profile.empty()) return report("--env needs an ecosystem file");
    if (!any_file && !o.only.empty()) return report("--only needs an ecosystem file");
    const bool renames = std::any_of(o.overrides.begin(), o.overrides.end(),
                                     [](const auto& kv) { return kv.first == "name"; });
    if (renames && o.targets.size() > 1) return report("--name needs a single app");

    std::optional<Client> client; // connected once a file has loaded, or before the request
    std::vector<AppSpec> specs, scripts;
    for (const auto& target : o.targets) {
        if (target == "-") {
            if (!args.empty()) return report("arguments after '-' are not supported");
            auto apps = load_ecosystem_text(read_stdin(), "<stdin>", opts);
            if (!apps) return report(apps.error());
            for (auto& a : *apps) specs.push_back(std::move(a));
            continue;
        }
        if (is_ecosystem_path(target)) {
            if (!args.empty())
                return report("arguments after the ecosystem file are not supported: put "
                              "'args' in the file");
            auto apps = load_keeping_profiles(ctx, client, target, opts);
            if (!apps) return report(apps.error());
            for (auto& a : *apps) specs.push_back(std::move(a));
            continue;
        }
        auto command = script_and_args(target, args);
        if (!command) return report(command.error());
        auto app = app_from_script(command->first, command->second, opts);
        if (!app) return report(app.error());
        scripts.push_back(std::move(*app));
    }
    if (!client) client = ctx.connect();
    if (!client) return k_exit_failed;
    if (o.force)
        if (auto renamed = rename_copies(*client, scripts); !renamed)
            return report(renamed.error());
    for (auto& s : scripts) specs.push_back(std::move(s));

    nlohmann::json req = apps_request(specs);
    if (o.update_env) req["env"] = caller_env();
    auto reply = client->call("start", req);
    if (!reply) return report(reply.error());
    for (const auto& a : reply->at("apps"))
        if (a.value("action", "") == "already_online")
            std::cerr << "rein: " << a.value("name", "")
                      << " is already online (-f starts another copy)\n";
    return show_table(ctx, *client);
}

void add_unsupported_flags(CLI::App& sub, const std::shared_ptr<StartOpts>& o) {
    // PM2's service switches (pm2.io) are warned about and ignored, as the ecosystem keys of
    // the same services are: deploy scripts pass them, and rein has no such service to switch.
    for (const std::string f :
         {"--no-vizion", "--no-pmx", "--no-automation", "--source-map-support",
          "--disable-source-map-support", "--trace", "--disable-trace", "--v8",
          "--event-loop-inspector", "--deep-monitoring"})
        sub.add_flag_callback(
               f,
               [o, f] {
                   o->ignored.push_back(f + " is a PM2 service option (pm2.io); rein ignores it");
               },
               "")
            ->group("");
    unsupported_flag(sub, o, "--ext", "not supported: use --ignore-watch patterns", true);
    unsupported_flag(sub, o, "-s,--silent", "not supported: redirect rein's output", false);
    unsupported_flag(sub, o, "-m,--mini-list", "not supported: use rein jlist", false);
    unsupported_flag(sub, o, "--attach", "not supported: use rein logs", false);
    unsupported_flag(sub, o, "--no-daemon", "not supported: use rein run <ecosystem>", false);
    unsupported_flag(sub, o, "-w,--write", "not supported: use rein ecosystem", false);
    unsupported_flag(sub, o, "--sort", "not supported on start", true);
    for (const char* f : {"--hp", "--service-name"})
        unsupported_flag(sub, o, f, "not supported: an option of rein startup", true);
    unsupported_flag(sub, o, "--wait-ip", "not supported: an option of rein startup", false);
    for (const char* f : {"--container", "--dist", "--fresh", "--daemon", "--dockerdaemon"})
        unsupported_flag(sub, o, f, "not supported: PM2's docker mode", false);
    for (const char* f : {"--image-name", "--node-version"})
        unsupported_flag(sub, o, f, "not supported: PM2's docker mode", true);
}

} // namespace

// `start "python3 -m http.server 8000"`: one argument with blanks that names no file is a
// command line, split as a shell would (no expansion); its first word is the script.
Result<std::pair<std::string, std::vector<std::string>>>
script_and_args(const std::string& target, const std::vector<std::string>& passthrough) {
    if (exists(target) || target.find_first_of(" \t") == std::string::npos)
        return std::pair{target, passthrough};
    auto words = shell_split(target);
    if (!words)
        return make_error("bad_app",
                          "cannot split '" + target + "' into a command: " + words.error().message);
    if (words->empty()) return make_error("bad_app", "an empty command");
    std::vector<std::string> args(words->begin() + 1, words->end());
    args.insert(args.end(), passthrough.begin(), passthrough.end());
    return std::pair{words->front(), args};
}

// rein start <ecosystem file | script | "command line">... [options] [-- args...]
Runner setup_start(CLI::App& sub) {
    auto o = std::make_shared<StartOpts>();
    sub.add_option("target", o->targets,
                   "ecosystem files (.yaml, .yml, .json), scripts or quoted command lines")
        ->required()
        ->expected(1, -1);
    key_option(sub, o, "-n,--name", "name", "app name");
    key_option(sub, o, "-i,--instances", "instances", "number of instances: N, max or -1");
    sub.add_option("--env", o->env_profile, "merge env_PROFILE over env");
    sub.add_option("--only", o->only, "start only these apps of the file (comma-separated)");
    key_option(sub, o, "--namespace", "namespace", "group name");
    key_option(sub, o, "--interpreter", "interpreter", "program that runs the script (none: exec)");
    key_option(sub, o, "--cwd", "cwd", "working directory");
    key_option(sub, o, "--max-memory-restart", "max_memory_restart",
               "restart past this memory (e.g. 200M)");
    key_flag(sub, o, "--watch", "watch", "true", "restart on file changes");
    key_flag(sub, o, "--no-autorestart", "autorestart", "false", "do not restart on exit");
    key_flag(sub, o, "--time", "time", "true", "prefix log lines with a timestamp");
    key_flag(sub, o, "--wait-ready", "wait_ready", "true", "online only once the app says ready");
    key_option(sub, o, "--listen", "listen", "address the daemon binds for the app");
    key_option(sub, o, "-k,--kill-timeout", "kill_timeout", "wait before SIGKILL on stop (ms)");
    key_option(sub, o, "--restart-delay", "restart_delay", "wait before a restart (ms)");
    // PM2's other start flags, each mapped to the ecosystem key of the same meaning.
    key_option(sub, o, "-o,--output", "out_file", "file for the app's stdout");
    key_option(sub, o, "-e,--error", "error_file", "file for the app's stderr");
    key_option(sub, o, "-l,--log", "log_file", "file for stdout and stderr together");
    key_flag(sub, o, "--merge-logs", "merge_logs", "true", "one log file for all instances");
    key_option(sub, o, "--log-date-format", "log_date_format", "timestamp format of log lines");
    key_option(sub, o, "--log-type", "log_type", "raw or json (one JSON object per line)");
    key_option(sub, o, "--node-args,--interpreter-args", "interpreter_args",
               "arguments for the interpreter");
    key_flag(sub, o, "-x,--execute-command", "exec_mode", "fork", "run in fork mode");
    key_option(sub, o, "-c,--cron,--cron-restart", "cron_restart", "restart on a cron schedule");
    key_option(sub, o, "--ignore-watch", "ignore_watch", "changes matching this do not count");
    sub.add_option_function<std::string>(
        "--watch-delay",
        [o](const std::string& v) { o->overrides.emplace_back("watch_delay", watch_delay_ms(v)); },
        "quiet time after a change (seconds, or 500ms)");
    key_option(sub, o, "--max-restarts", "max_restarts", "unstable restarts before errored");
    key_option(sub, o, "--min-uptime", "min_uptime", "a shorter run is unstable (ms)");
    sub.add_option_function<std::vector<std::string>>(
           "--stop-exit-codes",
           [o](const std::vector<std::string>& codes) {
               std::string list = "[";
               for (const auto& c : codes) list += (list.size() > 1 ? ", " : "") + c;
               o->overrides.emplace_back("stop_exit_codes", list + "]");
           },
           "exit codes that do not restart the app")
        ->expected(1, -1);
    key_option(sub, o, "--exp-backoff-restart-delay", "exp_backoff_restart_delay",
               "first delay of an exponential restart backoff (ms)");
    key_flag(sub, o, "--no-autostart", "autostart", "false", "register the app, stopped");
    key_flag(sub, o, "--no-treekill", "treekill", "false", "stop the main process only");
    key_flag(sub, o, "--shutdown-with-message", "shutdown_with_message", "true",
             "stop a Node app by sending it 'shutdown'");
    key_option(sub, o, "-p,--pid", "pid_file", "file holding the instance's pid");
    key_option(sub, o, "--listen-timeout", "listen_timeout", "with --wait-ready: online anyway");
    key_option(sub, o, "--uid,-u,--user", "uid", "run as this user");
    key_option(sub, o, "--gid", "gid", "run with this group");
    key_flag(sub, o, "--disable-logs", "disable_logs", "true",
             "send the app's output to /dev/null");
    sub.add_option_function<std::string>(
        "--filter-env",
        [o](const std::string& parts) {
            std::string list = "[";
            for (const auto& p : split_commas(parts)) list += (list.size() > 1 ? ", " : "") + p;
            o->overrides.emplace_back("filter_env", list + "]");
        },
        "leave out variables of the caller's environment whose names contain these (a,b)");
    sub.add_flag("-f,--force", o->force, "start another copy even if the script runs");
    sub.add_flag("-a,--update-env", o->update_env,
                 "apps that restart take this environment as their base");
    add_unsupported_flags(sub, o);
    return [o](Context& ctx) { return run_start(ctx, *o); };
}

} // namespace rein::cli
