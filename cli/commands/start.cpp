#include "cli/command.hpp"
#include "cli/render/table.hpp"

#include <cstdio>
#include <iostream>
#include <sstream>
#include <unistd.h>

namespace rein::cli {

namespace {

struct StartOpts {
    std::string target;
    std::vector<std::string> args;
    std::string env_profile, only;
    // Flags that map onto ecosystem keys: (key, value) in command-line order.
    std::vector<std::pair<std::string, std::string>> overrides;
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

int run_start(Context& ctx, const StartOpts& o) {
    LoadOptions opts = caller_load_options();
    opts.env_profile = o.env_profile;
    opts.only = split_commas(o.only);
    opts.overrides = o.overrides;

    std::vector<AppSpec> specs;
    if (o.target == "-") {
        // `rein start -`: an ecosystem file (YAML or JSON) on stdin, paths relative to here.
        if (!o.args.empty()) return report("arguments after '-' are not supported");
        std::string text;
        char buf[65536];
        for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, stdin)) > 0;) {
            text.append(buf, n);
            if (text.size() > k_max_ecosystem_bytes) break; // load_ecosystem_text refuses it
        }
        auto apps = load_ecosystem_text(text, "<stdin>", opts);
        if (!apps) return report(apps.error());
        specs = std::move(*apps);
    } else if (is_ecosystem_path(o.target)) {
        if (!o.args.empty())
            return report("arguments after the ecosystem file are not supported: put 'args' in "
                          "the file");
        auto apps = load_ecosystem(o.target, opts);
        if (!apps) return report(apps.error());
        specs = std::move(*apps);
    } else {
        // `rein start api` or `rein start 3` restarts a known, stopped app (as in PM2) when no
        // file of that name exists here.
        if (o.args.empty() && o.overrides.empty() && o.env_profile.empty() && o.only.empty() &&
            access(o.target.c_str(), F_OK) != 0) {
            auto client = ctx.connect();
            if (!client) return k_exit_failed;
            auto reply = client->call("start", {{"selector", o.target}});
            if (reply) return show_table(ctx, *client);
            if (reply.error().code != "not_found") return report(reply.error());
            // Not a known app either: fall through to the script's own error.
        }
        if (!o.env_profile.empty()) return report("--env needs an ecosystem file");
        if (!o.only.empty()) return report("--only needs an ecosystem file");
        auto app = app_from_script(o.target, o.args, opts);
        if (!app) return report(app.error());
        specs.push_back(std::move(*app));
    }

    auto client = ctx.connect();
    if (!client) return k_exit_failed;
    auto reply = client->call("start", apps_request(specs));
    if (!reply) return report(reply.error());
    for (const auto& a : reply->at("apps"))
        if (a.value("action", "") == "already_online")
            std::cerr << "rein: " << a.value("name", "") << " is already online\n";
    return show_table(ctx, *client);
}

} // namespace

// rein start <ecosystem file | script> [options] [-- args...]
Runner setup_start(CLI::App& sub) {
    auto o = std::make_shared<StartOpts>();
    sub.add_option("target", o->target, "an ecosystem file (.yaml, .yml, .json) or a script")
        ->required();
    sub.add_option("args", o->args, "arguments for the script (after --)");
    key_option(sub, o, "--name", "name", "app name");
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
    key_option(sub, o, "--kill-timeout", "kill_timeout", "wait before SIGKILL on stop (ms)");
    key_option(sub, o, "--restart-delay", "restart_delay", "wait before a restart (ms)");
    return [o](Context& ctx) { return run_start(ctx, *o); };
}

} // namespace rein::cli
