#include "daemon/daemon.hpp"

#include "common/paths.hpp"
#include "daemon/clock.hpp"
#include "daemon/control_server.hpp"
#include "daemon/handlers/handler.hpp"
#include "daemon/reactor.hpp"
#include "daemon/readiness.hpp"
#include "daemon/registry.hpp"
#include "daemon/supervisor.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

namespace rein::daemon {

namespace {

// Fails start-up with one sentence: on stderr, and through the readiness pipe to the parent.
int fail(int ready_fd, const std::string& msg) {
    std::string line = "reind: " + msg + "\n";
    if (ready_fd >= 0)
        (void)!write(ready_fd, line.data(), line.size());
    else
        std::fputs(line.c_str(), stderr);
    return 1;
}

// Detaches: the parent waits on a pipe until the child is serving (or says why it cannot),
// so whoever started reind knows the socket answers when it returns.
int detach(int& ready_fd) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return fail(-1, std::string("pipe: ") + std::strerror(errno));
    pid_t pid = fork();
    if (pid < 0) return fail(-1, std::string("fork: ") + std::strerror(errno));
    if (pid > 0) {
        close(p[1]);
        std::string msg;
        char buf[512];
        ssize_t n;
        while ((n = read(p[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
            if (n > 0) msg.append(buf, std::size_t(n));
        if (msg == "ready\n") _exit(0);
        std::fputs(msg.empty() ? "reind: exited during start-up\n" : msg.c_str(), stderr);
        _exit(1);
    }
    close(p[0]);
    ready_fd = p[1];
    setsid();
    int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(devnull, 2);
    if (devnull > 2) close(devnull);
    return 0;
}

void setup_logging(const Paths& paths, bool foreground) {
    std::vector<spdlog::sink_ptr> sinks;
    try {
        sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_st>(paths.daemon_log()));
    } catch (const spdlog::spdlog_ex&) {
        // No log file (disk full, read-only): keep running, the log is not worth an outage.
    }
    if (foreground) sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_st>());
    auto logger = std::make_shared<spdlog::logger>("reind", sinks.begin(), sinks.end());
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z [%l] %v");
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(logger);
}

} // namespace

int run_daemon(const DaemonOptions& opts) {
    auto paths = resolve_paths();
    if (!paths) return fail(-1, paths.error().message);
    if (auto s = ensure_home(*paths); !s) return fail(-1, s.error().message);

    int ready_fd = -1;
    if (!opts.foreground && detach(ready_fd) != 0) return 1;

    // One daemon per home: the lock lives as long as this process.
    UniqueFd lock(open(paths->lock_file().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!lock || flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
        std::string pid;
        std::ifstream(paths->pid_file()) >> pid;
        return fail(ready_fd, "another reind already serves " + paths->home +
                                  (pid.empty() ? "" : " (pid " + pid + ")"));
    }

    setup_logging(*paths, opts.foreground);

    sigset_t mask;
    sigemptyset(&mask);
    for (int s : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1}) sigaddset(&mask, s);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    signal(SIGPIPE, SIG_IGN);
    UniqueFd sigfd(signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC));
    // Orphaned grandchildren come to us, so a stop can wait for a whole process group.
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }

    Reactor reactor;
    Registry registry;
    Supervisor supervisor(reactor, registry, *paths);
    LogHub log_hub;
    bool shutting_down = false;
    Context ctx{registry, supervisor, log_hub, {}, *paths, wall_ms(), [&] { reactor.stop(); }};
    ControlServer server(reactor,
                         [&ctx](const nlohmann::json& req, Responder r) { dispatch(ctx, req, r); });
    if (auto s = server.listen(paths->socket()); !s) return fail(ready_fd, s.error().message);
    NotifySocket notify(reactor, [&](pid_t sender, std::string_view message) {
        supervisor.notify(sender, message);
    });
    if (auto s = notify.bind(paths->notify_socket()); !s) return fail(ready_fd, s.error().message);

    auto stop_everything = [&](const char* why) {
        if (shutting_down) return;
        shutting_down = true;
        spdlog::info("{}: stopping every app", why);
        std::vector<int> ids;
        for (const auto& [id, inst] : registry.instances()) ids.push_back(id);
        auto done = make_barrier(ids.size(), [&] { reactor.stop(); });
        for (int id : ids) supervisor.stop(id, done);
    };
    reactor.add(sigfd.get(), EPOLLIN, [&](std::uint32_t) {
        signalfd_siginfo si{};
        bool child = false;
        while (read(sigfd.get(), &si, sizeof si) == ssize_t(sizeof si)) {
            switch (si.ssi_signo) {
            case SIGCHLD:
                child = true;
                break;
            case SIGTERM:
                stop_everything("SIGTERM");
                break;
            case SIGINT:
                stop_everything("SIGINT");
                break;
            case SIGHUP:
                spdlog::info("SIGHUP: nothing to reload");
                break;
            case SIGUSR1: // the logrotate convention: reopen the files it renamed
                for (const auto& err : handlers::reopen_all_logs(registry))
                    spdlog::error("{}", err);
                spdlog::info("SIGUSR1: log files reopened");
                break;
            }
        }
        if (child) supervisor.reap();
    });

    {
        if (FILE* pf = std::fopen(paths->pid_file().c_str(), "we")) {
            std::fprintf(pf, "%d\n", int(getpid()));
            std::fclose(pf);
        }
    }
    spdlog::info("reind {} serving {} (pid {})", REIN_VERSION, paths->socket(), getpid());
    if (ready_fd >= 0) {
        (void)!write(ready_fd, "ready\n", 6);
        close(ready_fd);
    }

    // The resource watch: every instance's CPU and memory once a second (and memory limits).
    std::function<void()> sample_tick = [&] {
        supervisor.sample_all();
        handlers::feed_monitors(ctx);
        reactor.after(1000, sample_tick);
    };
    reactor.after(1000, sample_tick);

    reactor.run();
    supervisor.drain_all_output();

    server.close();
    unlink(paths->pid_file().c_str());
    spdlog::info("reind stopped");
    return 0;
}

} // namespace rein::daemon
