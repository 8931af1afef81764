// rein run <ecosystem>: the apps in the foreground, for a container's entrypoint (as
// pm2-runtime). A reind of its own runs as this process's child (`--foreground`, its own
// messages on stderr), or, when a rein command got to the home first and started one that runs
// no app yet, that one is taken over; the apps' lines come out here, prefixed like `rein logs`,
// stdout lines on stdout and stderr lines on stderr. SIGTERM or SIGINT stops every app gracefully,
// then rein run exits 0 once the daemon has ended cleanly.
#include "cli/command.hpp"
#include "cli/render/log_line.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace rein::cli {

namespace {

volatile sig_atomic_t g_stop_requested = 0;
volatile pid_t g_daemon = -1;

void on_stop_signal(int) {
    g_stop_requested = 1;
    if (g_daemon > 0) kill(g_daemon, SIGTERM); // the daemon stops every app, then exits
}

struct RunOpts {
    std::string file, env_profile, only;
};

pid_t spawn_daemon(const std::string& reind) {
    pid_t pid = fork();
    if (pid != 0) return pid;
    prctl(PR_SET_PDEATHSIG, SIGTERM); // if rein run is killed outright, the apps still stop
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_IGN); // a terminal's Ctrl-C reaches rein run, which passes it on once
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0) dup2(null, STDIN_FILENO);
    execl(reind.c_str(), "reind", "--foreground", static_cast<char*>(nullptr));
    _exit(127);
}

int wait_daemon(pid_t pid) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    return status;
}

// Prints the apps' lines until the daemon closes the connection; false when start failed.
bool follow(Context& ctx, Client& client, long long start_id) {
    bool ok = true;
    for (;;) {
        pollfd p{client.fd(), POLLIN, 0};
        if (poll(&p, 1, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        auto msgs = client.read_available();
        if (!msgs) break; // closed: the daemon is gone
        for (const auto& m : *msgs) {
            std::string event = m.value("event", "");
            if (event == "line") {
                bool err = m.value("stream", "") == "err";
                (err ? std::cerr : std::cout)
                    << render::format_log_event(m, render::LogStyle::prefixed, ctx.color)
                    << std::flush;
            } else if (event == "skipped") {
                std::cerr << "rein: " << m.value("lines", 0ULL)
                          << " lines skipped: this output fell behind the apps\n";
            } else if (event.empty() && m.value("id", -1LL) == start_id && !m.value("ok", true)) {
                report(m["error"].value("message", "start failed"));
                ok = false;
                kill(g_daemon, SIGTERM);
            }
        }
    }
    return ok;
}

// The pid of the daemon `c` talks to when it runs no app (0 when it runs some): such a daemon
// was most likely started a moment ago by a rein command run beside rein run (a health check
// right after `rein run &` that got to the home first), and rein run can take it over.
pid_t idle_daemon(Client& c) {
    auto rows = c.call("list");
    auto ping = c.call("ping");
    if (!rows || !ping || !rows->value("rows", nlohmann::json::array()).empty()) return 0;
    return ping->value("pid", 0);
}

// Starts reind --foreground as our child and connects to it; its pid goes to `pid`.
Result<Client> start_own_daemon(Context& ctx, const std::string& reind, pid_t& pid) {
    pid = spawn_daemon(reind);
    if (pid < 0)
        return make_error("failed", std::string("cannot start reind: ") + std::strerror(errno));
    g_daemon = pid;
    if (g_stop_requested) kill(pid, SIGTERM);
    for (int i = 0; i < 1000; ++i) { // at most 10 s
        if (auto c = Client::connect(ctx.paths)) return c;
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == pid)
            return make_error("failed", "reind ended before it served " + ctx.paths.home);
        usleep(10 * 1000);
    }
    kill(pid, SIGTERM);
    wait_daemon(pid);
    return make_error("failed", "reind did not answer on " + ctx.paths.socket() + " within 10 s");
}

int run_foreground(Context& ctx, const RunOpts& o) {
    if (!is_ecosystem_path(o.file))
        return report("run takes an ecosystem file (.yaml, .yml or .json), not '" + o.file + "'");
    // The launch lock first, held until a daemon of ours answers: a rein command run meanwhile
    // waits, then talks to that daemon, instead of starting a detached one that would race ours
    // for the home (two daemons, and a rein run following the wrong one).
    if (auto s = ensure_home(ctx.paths); !s) return report(s.error());
    UniqueFd launch_lock = lock_launch(ctx.paths);
    LoadOptions opts = caller_load_options();
    opts.env_profile = o.env_profile;
    opts.only = split_commas(o.only);
    auto apps = load_ecosystem(o.file, opts);
    if (!apps) return report(apps.error());

    // Before any daemon is ours, so that a signal during start-up still stops everything.
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);

    pid_t pid = -1;
    bool own = true; // our child, or a daemon taken over (not ours to wait for)
    std::optional<Client> client;
    if (auto c = Client::connect(ctx.paths)) {
        pid = idle_daemon(*c);
        if (pid <= 0)
            return report("a daemon already serves " + ctx.paths.home +
                          ": rein run needs a home of its own (set REIN_HOME)");
        own = false;
        g_daemon = pid;
        if (g_stop_requested) kill(pid, SIGTERM);
        client.emplace(std::move(*c));
    } else {
        auto reind = find_reind();
        if (!reind) return report(reind.error());
        auto started = start_own_daemon(ctx, *reind, pid);
        if (!started) return report(started.error());
        client.emplace(std::move(*started));
    }
    launch_lock.reset(); // a daemon answers: other commands may connect now

    // Following first, on the same connection: the daemon subscribes it before it starts the
    // apps, so not even their first lines are missed.
    auto logs = client->send_request("logs", {{"lines", 0}, {"stream", true}});
    auto start = client->send_request("start", apps_request(*apps));
    bool ok = logs && start;
    if (ok)
        ok = follow(ctx, *client, *start);
    else
        kill(pid, SIGTERM); // the connection broke before the apps started: end the daemon too
    // A daemon taken over is not our child: its closing the connection is its end.
    int status = own ? wait_daemon(pid) : 0;
    bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (ok && !g_stop_requested) std::cerr << "rein: reind ended unexpectedly\n";
    return ok && clean && g_stop_requested ? k_exit_ok : k_exit_failed;
}

} // namespace

Runner setup_run(CLI::App& sub) {
    auto o = std::make_shared<RunOpts>();
    sub.add_option("ecosystem", o->file, "the ecosystem file (.yaml, .yml, .json)")->required();
    sub.add_option("--env", o->env_profile, "merge env_PROFILE over env");
    sub.add_option("--only", o->only, "run only these apps of the file (comma-separated)");
    return [o](Context& ctx) { return run_foreground(ctx, *o); };
}

} // namespace rein::cli
