// Commands about the daemon itself: ping, kill and update.
#include "cli/command.hpp"
#include "common/version.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <unistd.h>

namespace rein::cli {

namespace {

// True while `pid` exists and has not exited: a zombie waiting for whoever reaps it (PID 1 of
// some containers takes its time) has ended.
bool running(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return false;
    auto close = line.rfind(')');
    return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

} // namespace

// rein ping [--no-start]: starts the daemon if none answers (as `pm2 ping` does) and prints its
// version line, then this CLI's. A CLI and a daemon of different builds (a package upgraded
// without `rein update`) work, but the daemon runs the old code: say so, on stderr, so that
// scripts reading stdout (the first words, "pong") see the same lines. --no-start asks only a
// daemon that runs: a health check must fail when the daemon is gone, not start a new one.
Runner setup_ping(CLI::App& sub) {
    auto no_start = std::make_shared<bool>(false);
    sub.add_flag("--no-start", *no_start,
                 "only ask a running daemon: exit 1 when none answers (health checks)");
    return [no_start](Context& ctx) {
        std::optional<Client> client;
        if (*no_start) {
            auto running = Client::connect(ctx.paths);
            if (!running) return report(running.error());
            client = std::move(*running);
        } else {
            client = ctx.connect();
        }
        if (!client) return k_exit_failed;
        auto reply = client->call("ping");
        if (!reply) return report(reply.error());
        // A daemon from before revisions sends none: that is another build too.
        std::string version = reply->value("version", "?");
        std::string rev = reply->value("revision", "unknown");
        std::string daemon = version_line("reind", version, rev);
        std::cout << daemon << " (pid " << reply->value("pid", 0) << ") pong\n"
                  << version_line("rein") << "\n";
        // Where the daemon serves /metrics (reind --metrics, REIN_METRICS), when it does.
        if (std::string m = reply->value("metrics", ""); !m.empty())
            std::cout << "metrics: " << (m.rfind("unix:", 0) == 0 ? m : "http://" + m + "/metrics")
                      << "\n";
        if (version != k_version || rev != revision())
            std::cerr << "rein: the running daemon is " << daemon << " but this is "
                      << version_line("rein")
                      << ": run `rein update` to switch the daemon (apps keep running)\n";
        return k_exit_ok;
    };
}

// rein kill: stops every app gracefully, then returns once the daemon has exited (its
// connection closes last thing), so a script can start a new one straight after.
Runner setup_kill(CLI::App&) {
    return [](Context& ctx) {
        auto client = Client::connect(ctx.paths);
        if (!client) {
            if (client.error().code != "no_daemon") return report(client.error());
            std::cerr << "rein: no daemon is running\n";
            return k_exit_ok;
        }
        auto ping = client->call("ping");
        pid_t pid = ping ? ping->value("pid", 0) : 0;
        auto reply = client->call("kill");
        if (!reply) return report(reply.error());
        client->wait_closed();
        // The connection closes just before the process ends: wait for the end too, so that
        // `rein kill && rein start` never meets the old daemon.
        for (int i = 0; pid > 0 && i < 1000 && running(pid); ++i) usleep(10 * 1000);
        std::cerr << "rein: daemon stopped (" << reply->value("stopped", 0)
                  << " instance(s) stopped)\n";
        return k_exit_ok;
    };
}

// rein update [--reind PATH]: the running daemon execs the installed reind (or PATH) in its own
// process, so apps keep running with the same pids and clients stay connected. The reply comes
// from the new image; on failure the old one carries on unchanged.
Runner setup_update(CLI::App& sub) {
    auto binary = std::make_shared<std::string>();
    sub.add_option("--reind", *binary,
                   "the reind to switch to (default: the one rein would start)");
    return [binary](Context& ctx) {
        auto found = binary->empty() ? find_reind() : Result<std::string>(*binary);
        if (!found) return report(found.error());
        std::string reind = std::filesystem::absolute(*found).string();
        auto client = Client::connect(ctx.paths);
        if (!client) {
            if (client.error().code != "no_daemon") return report(client.error());
            std::cerr << "rein: no daemon is running; the next command starts " << reind << "\n";
            return k_exit_ok;
        }
        auto reply = client->call("update", {{"binary", reind}});
        if (!reply) return report(reply.error());
        // An image from before revisions sends none.
        auto line = [&reply](const char* version, const char* rev) {
            return version_line("reind", reply->value(version, "?"), reply->value(rev, "unknown"));
        };
        std::cout << "reind updated in place: " << line("previous_version", "previous_revision")
                  << " -> " << line("version", "revision") << " (pid " << reply->value("pid", 0)
                  << "), " << reply->value("instances", 0) << " instance(s) of "
                  << reply->value("apps", 0) << " app(s) kept running\n";
        return k_exit_ok;
    };
}

} // namespace rein::cli
