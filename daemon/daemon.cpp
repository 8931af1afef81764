#include "daemon/daemon.hpp"
#include "daemon/heap.hpp"
#include "daemon/sockets/bind_broker.hpp"

#include "common/files.hpp"
#include "common/paths.hpp"
#include "common/protocol.hpp"
#include "common/version.hpp"
#include "daemon/continuity/adoption.hpp"
#include "daemon/continuity/fd_store.hpp"
#include "daemon/continuity/handover.hpp"
#include "daemon/continuity/image_swap.hpp"
#include "daemon/continuity/state_store.hpp"
#include "daemon/control/control_server.hpp"
#include "daemon/control/handlers/handler.hpp"
#include "daemon/flags.hpp"
#include "daemon/logs/commit_journal.hpp"
#include "daemon/metrics/serve.hpp"
#include "daemon/reactor/clock.hpp"
#include "daemon/reactor/reactor.hpp"
#include "daemon/supervision/child.hpp"
#include "daemon/supervision/process_tree.hpp"
#include "daemon/supervision/readiness.hpp"
#include "daemon/supervision/registry.hpp"
#include "daemon/supervision/supervisor.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

namespace rein::daemon {

namespace {

// After start-up, the delay before the holder is started (when none runs yet).
constexpr std::int64_t k_holder_start_ms = 100;
// After start-up, the delay before what only apps need is made (when no request needed it
// sooner): the first commands have their answers by then.
constexpr std::int64_t k_prepare_ms = 20;

// Fails start-up with one sentence: on stderr, and through the readiness pipe to the parent.
int fail(int ready_fd, const std::string& msg) {
    std::string line = "reind: " + msg + "\n";
    if (ready_fd >= 0)
        (void)!write(ready_fd, line.data(), line.size());
    else
        std::fputs(line.c_str(), stderr);
    return 1;
}

// A session of its own, stdin/stdout/stderr on /dev/null.
void leave_terminal();

// Detaches: the parent waits on a pipe until the child is serving (or says why it cannot),
// so whoever started reind knows the socket answers when it returns.
int detach(int& ready_fd) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return fail(-1, std::string("pipe: ") + std::strerror(errno));
    pid_t pid = fork();
    if (pid < 0) return fail(-1, std::string("fork: ") + std::strerror(errno));
    if (pid > 0) {
        close(p[1]);
        auto got = read_all(p[0], 4096);
        std::string msg = got ? *got : std::string();
        if (msg == "ready\n") _exit(0);
        std::fputs(msg.empty() ? "reind: exited during start-up\n" : msg.c_str(), stderr);
        _exit(1);
    }
    close(p[0]);
    ready_fd = p[1];
    leave_terminal();
    return 0;
}

void leave_terminal() {
    setsid();
    int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(devnull, 2);
    if (devnull > 2) close(devnull);
}

constexpr const char* k_log_pattern = "%Y-%m-%dT%H:%M:%S.%e%z [%l] %v";
// Lines logged before reind.log is opened (open_daemon_log): a fresh home's first command is
// answered without waiting for the file to be made.
constexpr std::size_t k_early_lines = 256;

void setup_logging(bool foreground) {
    std::vector<spdlog::sink_ptr> sinks;
    sinks.push_back(std::make_shared<spdlog::sinks::ringbuffer_sink_st>(k_early_lines));
    if (foreground) sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_st>());
    auto logger = std::make_shared<spdlog::logger>("reind", sinks.begin(), sinks.end());
    logger->set_pattern(k_log_pattern);
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(logger);
}

// Opens reind.log, writes there what was logged so far, and logs there from now on.
void open_daemon_log(const Paths& paths) {
    auto& sinks = spdlog::default_logger()->sinks();
    auto early = std::dynamic_pointer_cast<spdlog::sinks::ringbuffer_sink_st>(sinks.front());
    if (!early) return; // opened already
    try {
        auto file = std::make_shared<spdlog::sinks::basic_file_sink_st>(paths.daemon_log());
        file->set_pattern(k_log_pattern);
        for (const auto& line : early->last_raw()) file->log(line);
        file->flush();
        sinks.front() = file;
    } catch (const spdlog::spdlog_ex&) {
        // No log file (disk full, read-only, out of descriptors): keep running, the log is not
        // worth an outage, and the last lines stay in memory.
    }
}

// --resurrect (the boot unit of rein startup): the apps of dump.json, as `rein resurrect`.
void resurrect_at_start(Context& ctx) {
    dispatch(ctx, {{"id", 0}, {"cmd", "resurrect"}},
             Responder::to_function([](const nlohmann::json& reply) {
                 if (reply.value("ok", false)) {
                     spdlog::info("resurrect: {} apps from dump.json",
                                  reply["result"]["apps"].size());
                 } else {
                     auto err = reply.value("error", nlohmann::json::object());
                     if (err.value("code", "") == protocol::code::not_found)
                         spdlog::info("resurrect: {}", err.value("message", ""));
                     else
                         spdlog::error("resurrect: {}", err.value("message", ""));
                 }
             }));
}

// True unless the request only reads (a list, logs): those need no commit.
bool may_change_state(const nlohmann::json& req) {
    static const std::set<std::string> read_only = {"ping", "list",  "describe",
                                                    "logs", "monit", "env"};
    auto cmd = req.find("cmd");
    return cmd == req.end() || !cmd->is_string() || !read_only.count(cmd->get<std::string>());
}

// Under systemd (Type=notify): READY=1 once the socket answers. The variable is dropped so that
// an image exec'd by rein update does not say it again.
void notify_systemd_ready() {
    const char* path = std::getenv("NOTIFY_SOCKET");
    if (!path || !*path) return;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::size_t len = std::strlen(path);
    if (len < sizeof addr.sun_path) {
        std::memcpy(addr.sun_path, path, len);
        if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0'; // an abstract socket
        UniqueFd fd(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        std::string msg = "READY=1\nMAINPID=" + std::to_string(getpid()) + "\n";
        if (fd)
            (void)!sendto(fd.get(), msg.data(), msg.size(), MSG_NOSIGNAL,
                          reinterpret_cast<sockaddr*>(&addr),
                          socklen_t(offsetof(sockaddr_un, sun_path) + len));
    }
    unsetenv("NOTIFY_SOCKET");
}

} // namespace

int run_daemon(const DaemonOptions& opts) {
    tune_heap();
    auto paths = resolve_paths();
    if (!paths) return fail(-1, paths.error().message);
    if (auto s = ensure_home_dir(*paths); !s) return fail(-1, s.error().message);

    std::optional<HandoverState> resumed; // what an earlier image left (rein update)
    DaemonFds carried;
    if (opts.resume_fd >= 0) {
        auto state = read_handover(opts);
        if (!state) return fail(-1, state.error().message);
        resumed = std::move(*state);
        carried = resumed->daemon;
    }

    int ready_fd = -1;
    if (opts.ready_fd >= 0 && !resumed) {
        // rein forked us for this and waits on the pipe: a second fork would only cost time.
        ready_fd = opts.ready_fd;
        leave_terminal();
    } else if (!resumed && !opts.foreground && detach(ready_fd) != 0) {
        return 1;
    }

    // One daemon per home: the lock lives as long as this process (and across rein update).
    UniqueFd lock(carried.lock);
    if (!lock) lock.reset(open(paths->lock_file().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!lock || (!resumed && flock(lock.get(), LOCK_EX | LOCK_NB) != 0)) {
        std::string pid;
        std::ifstream(paths->pid_file()) >> pid;
        return fail(ready_fd, "another reind already serves " + paths->home +
                                  (pid.empty() ? "" : " (pid " + pid + ")"));
    }
    UniqueFd(carried.fallback_exe).reset(); // taken over: the old image is not needed

    setup_logging(opts.foreground);
    // Before any pipe is read: a commit the last daemon left open is finished or undone, so the
    // lines it wrote but did not take from their pipe are not written twice.
    std::unique_ptr<CommitJournal> journal;
    bool apps_ready = false;
    auto prepare_for_apps = [&] {
        if (apps_ready) return;
        apps_ready = true;
        open_daemon_log(*paths);
        if (auto s = ensure_home(*paths); !s) spdlog::error("{}", s.error().message);
        auto opened = CommitJournal::open(paths->journal_file());
        if (!opened) {
            spdlog::warn("{}; log lines may repeat or go missing if this daemon is killed",
                         opened.error().message);
            return;
        }
        journal = std::move(*opened);
        CommitJournal::install(journal.get());
        if (auto what = journal->recover().describe(); !what.empty()) spdlog::warn("{}", what);
    };
    // Each entry made in a fresh home delays the first command's answer (about a millisecond
    // each on some file systems): logs/ and a new journal wait for the first request that may
    // start an app, or a moment after serving. Anything left to finish or take over, now.
    if (resumed || opts.resurrect || access(paths->journal_file().c_str(), F_OK) == 0 ||
        access(paths->registry_file().c_str(), F_OK) == 0)
        prepare_for_apps();

    sigset_t mask;
    sigemptyset(&mask);
    for (const HandledSignal& s : daemon_signals()) sigaddset(&mask, s.number);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    signal(SIGPIPE, SIG_IGN);
    UniqueFd sigfd(signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC));
    // Orphaned grandchildren come to us, so a stop can wait for a whole process group.
    prctl(PR_SET_CHILD_SUBREAPER, 1);

    Reactor reactor;
    Registry registry;
    Supervisor supervisor(reactor, registry, *paths);
    LogHub log_hub;
    bool shutting_down = false;
    Context ctx{
        registry,          supervisor, log_hub, {}, *paths, wall_ms(), [&] { reactor.stop(); },
        executable_path(), 0,          false,   {}, {}};
    // The persisted registry (registry.json): rewritten after each loop turn that changed it.
    StateStore store(reactor, ctx);
    ControlServer server(reactor, [&](const nlohmann::json& req, Responder r) {
        bool changes = may_change_state(req);
        if (changes) prepare_for_apps();
        dispatch(ctx, req, r);
        // At once, not at the end of the loop turn: what the request started is released from
        // its spawn gate before its client can ask about it (a pid in a reply execs at once).
        if (changes) store.commit();
    });
    NotifySocket notify(reactor, [&](pid_t sender, std::string_view message) {
        supervisor.notify(sender, message);
    });
    // Closed on exec (rein update): each image listens afresh under the same name.
    BindBroker bind_broker(reactor, registry);
    if (auto s = bind_broker.listen(paths->bind_socket()); !s)
        return fail(ready_fd, s.error().message);
    if (resumed) {
        server.adopt_listen(UniqueFd(carried.control), paths->socket());
        notify.adopt(UniqueFd(carried.notify), paths->notify_socket());
    } else {
        if (auto s = server.listen(paths->socket()); !s) return fail(ready_fd, s.error().message);
        if (auto s = notify.bind(paths->notify_socket()); !s)
            return fail(ready_fd, s.error().message);
    }

    // After the control socket: `rein` shows a bad address as start-up's one error. A new
    // image (rein update) that cannot bind it again keeps the apps and says so in reind.log.
    auto metrics_endpoint = metrics::serve(reactor, ctx, opts.metrics);
    if (!metrics_endpoint && !resumed) return fail(ready_fd, metrics_endpoint.error().message);
    if (!metrics_endpoint) spdlog::error("{}", metrics_endpoint.error().message);

    ctx.exec_update = [&](const std::string& binary, const Responder& reply) -> std::string {
        return exec_update(ctx, server, {lock.get(), server.listen_fd(), notify.fd(), -1}, binary,
                           reply, opts.foreground, store);
    };

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
    // The holder: what it kept for us (a daemon that died, or the image before rein update).
    FdStore fd_store(reactor, *paths);
    std::map<std::string, UniqueFd> held;
    bool took_over = false; // a same-boot registry.json was adopted
    // None runs: none is started before the daemon serves. None to be had: the first commit
    // with something to hold says so, once.
    if (auto kept = fd_store.open_if_running()) held = std::move(*kept);
    if (resumed) {
        // The hand-over carried the originals: the holder's duplicates are not needed.
        held.clear();
        std::string previous = resumed->version, previous_revision = resumed->revision;
        Responder requester = restore_handover(ctx, server, std::move(*resumed));
        if (opts.resume_failed.empty()) {
            ctx.updated_wall = wall_ms();
            spdlog::info("update: {} took over from {}: {} apps, {} instances",
                         version_line("reind"), version_line("reind", previous, previous_revision),
                         registry.apps().size(), registry.instances().size());
            requester.ok({{"version", REIN_VERSION},
                          {"previous_version", previous},
                          {"revision", revision()},
                          {"previous_revision", previous_revision},
                          {"pid", getpid()},
                          {"apps", registry.apps().size()},
                          {"instances", registry.instances().size()}});
        } else {
            spdlog::error("update: the new reind could not take over ({}); {} carries on",
                          opts.resume_failed, version_line("reind"));
            requester.fail("update_failed", "the new reind could not take over (" +
                                                opts.resume_failed + "); " + version_line("reind") +
                                                " carries on, nothing was changed");
        }
        supervisor.reap(); // children that ended during the handover
    } else {
        // What a daemon that died left running (registry.json).
        took_over = adopt_at_start(ctx, held).took_over;
    }
    held.clear(); // what the state does not name: the next sync has the holder drop it too
    store.set_sync(
        [&fd_store](const std::map<std::string, int>& entries) { return fd_store.sync(entries); });
    fd_store.on_lost([&store] { store.mark_dirty(); });
    // From here on the state is persisted and spawns wait until it names them.
    registry.on_change = [&store] { store.mark_dirty(); };
    registry.on_commit = [&store] { store.commit(); };
    supervisor.enable_gates();
    store.commit();
    spdlog::info("{} serving {} (pid {})", version_line("reind"), paths->socket(), getpid());
    // Under systemd, Restart=on-failure runs the boot unit's `reind --resurrect` again after a
    // crash: the adopted registry is what runs now, and dump.json is only for a new boot.
    if (opts.resurrect && took_over)
        spdlog::info("resurrect: skipped, the apps of registry.json were adopted instead");
    else if (opts.resurrect)
        resurrect_at_start(ctx);
    notify_systemd_ready();
    if (ready_fd >= 0) {
        (void)!write(ready_fd, "ready\n", 6);
        close(ready_fd);
    }

    // The resource watch: every instance's CPU and memory once a second (and memory limits).
    // Reading a process tree costs tens of microseconds; many instances are read in slices of
    // about 50 spread over the second (up to ten), so no loop turn keeps a request or a scrape
    // waiting behind all of them (20 ms for 500 instances in one turn).
    int slice = 0, slices = 1;
    std::function<void()> sample_tick = [&] {
        supervisor.sample_slice(slice, slices);
        if (++slice < slices) return void(reactor.after(1000 / slices, sample_tick));
        slice = 0;
        slices = int(std::clamp<std::size_t>(registry.instances().size() / 50, 1, 10));
        // Output held for a full disk whose pipes have closed meanwhile: retried here.
        for (auto& [name, app] : registry.apps())
            if (app.logs->blocked()) app.logs->flush();
        handlers::feed_monitors(ctx);
        // What the last second's requests and commits freed stops counting as resident.
        trim_heap();
        reactor.after(1000 / slices, sample_tick);
    };
    reactor.after(1000, sample_tick);
    // The holder is not waited for at start-up (FdStore::open): started once the first
    // requests had their answer, it is ready before most daemons have an app to give it.
    reactor.after(k_holder_start_ms, [&fd_store] { fd_store.start_soon(); });
    reactor.after(k_prepare_ms, prepare_for_apps);

    reactor.run();
    // Only `kill` and SIGTERM/SIGINT end the loop, every app stopped on purpose: nothing is
    // left to adopt.
    store.discard();
    fd_store.shutdown();
    // Every instance is stopped; whatever apps left behind that the daemon inherited (a
    // daemonised grandchild of an app deleted earlier, say) ends with the daemon.
    auto is_main = [&](pid_t pid) { return registry.find_by_pid(pid) != nullptr; };
    for (const auto& p : all_inherited(is_main)) ::kill(p.pid, SIGKILL);
    supervisor.drain_all_output();

    server.close();
    unlink(paths->pid_file().c_str());
    spdlog::info("reind stopped");
    return 0;
}

} // namespace rein::daemon
