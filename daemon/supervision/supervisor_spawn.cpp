// Starting an instance's process: its environment, pipes, identity and channel, and what
// happens when the system is short of the resources a start needs.
#include "daemon/logs/output_capture.hpp"
#include "daemon/reactor/clock.hpp"
#include "daemon/sockets/bind_broker.hpp"
#include "daemon/supervision/child.hpp"
#include "daemon/supervision/identity.hpp"
#include "daemon/supervision/readiness.hpp"
#include "daemon/supervision/supervisor.hpp"

#include <cerrno>
#include <climits>
#include <cstring>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace rein::daemon {

std::string pid_file_for(const AppSpec& spec, const Instance& inst) {
    if (spec.pid_file.empty() || spec.instances <= 1) return spec.pid_file;
    // Several instances: insert -<index> before the extension (app.pid -> app-1.pid).
    auto slash = spec.pid_file.rfind('/');
    auto dot = spec.pid_file.rfind('.');
    std::string suffix = "-" + std::to_string(inst.index);
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash))
        return spec.pid_file + suffix;
    return spec.pid_file.substr(0, dot) + suffix + spec.pid_file.substr(dot);
}

namespace {

// Children that may wait at one gate: its release writes a byte for each, which must fit in
// the pipe at once. A pipe holds one page at least (a user over pipe-user-pages-soft gets no
// more), so 4096 bytes always fit.
constexpr std::size_t k_max_gated = 4096;

// Node apps written for PM2 call `process.send` without checking that it exists: every Node
// instance gets an IPC channel, as under PM2.
bool uses_node(const AppSpec& spec) {
    auto base = [](const std::string& p) { return p.substr(p.rfind('/') + 1); };
    return base(spec.interpreter) == "node" || base(spec.script) == "node";
}

// The lowest descriptor an app's pipe or channel may not have. The last ones of the daemon's
// limit (1/16, 8 to 256) are kept for its own needs: control connections, new apps' log files,
// /proc reads, pid files. However many instances crash and restart, the daemon can still answer,
// log and reap; instances wait for descriptors instead. Read at every spawn: the limit may be
// changed from outside (prlimit).
int pipe_fd_ceiling() {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rlim_t(INT_MAX)) return INT_MAX;
    long limit = long(rl.rlim_cur);
    return int(limit - std::clamp(limit / 16, 8L, 256L));
}

// Takes the two descriptors of a new pipe or socket pair when both are below `ceiling`; else
// closes them and fails with errno EMFILE (the reserve is not for apps).
bool take_below(int fds[2], int ceiling, UniqueFd& a, UniqueFd& b) {
    a.reset(fds[0]);
    b.reset(fds[1]);
    if (std::max(fds[0], fds[1]) < ceiling) return true;
    a.reset();
    b.reset();
    errno = EMFILE;
    return false;
}

// A close-on-exec pipe below `ceiling`; false with errno set when there is none to be had.
bool open_pipe(int ceiling, UniqueFd& read_end, UniqueFd& write_end) {
    int p[2];
    return pipe2(p, O_CLOEXEC) == 0 && take_below(p, ceiling, read_end, write_end);
}

} // namespace

std::vector<std::string> Supervisor::build_env(const App& app, const Instance& inst,
                                               const Identity* identity) const {
    const AppSpec& spec = app.spec;
    std::map<std::string, std::string> env = spec.base_env;
    if (identity) {
        // The caller's HOME, USER, ... belong to the caller, not to the user the app runs as
        // (as with systemd's User=); the app's own env may still set them.
        env["HOME"] = identity->home;
        env["USER"] = identity->name;
        env["LOGNAME"] = identity->name;
        if (identity->shell.empty())
            env.erase("SHELL");
        else
            env["SHELL"] = identity->shell;
    }
    for (const auto& [k, v] : spec.env) env[k] = v;
    // Python buffers stdout into a pipe until it exits; PM2 sets this, so rein does (unless the
    // user chose a value).
    env.try_emplace("PYTHONUNBUFFERED", "1");
    env["REIN_APP_NAME"] = spec.name;
    env["REIN_APP_ID"] = std::to_string(shown_id(inst));
    env["REIN_APP_INSTANCE"] = std::to_string(inst.index);
    if (!spec.instance_var.empty()) env[spec.instance_var] = std::to_string(inst.index);
    if (app.sockets) {
        // systemd socket activation: LISTEN_PID is added by the child, which knows its pid.
        env["LISTEN_FDS"] = std::to_string(app.sockets->fds.size());
        std::string names;
        for (std::size_t i = 0; i < app.sockets->fds.size(); ++i)
            names += (i ? ":" : "") + spec.name;
        env["LISTEN_FDNAMES"] = names;
        if (auto port = single_port(spec.listen)) env["PORT"] = std::to_string(*port);
    }
    if (spec.wait_ready) env["NOTIFY_SOCKET"] = m_paths.notify_socket();
    if (uses_node(spec)) {
        env["NODE_CHANNEL_FD"] = std::to_string(3 + (app.sockets ? app.sockets->fds.size() : 0));
        env["NODE_CHANNEL_SERIALIZATION_MODE"] = "json";
    }
    if (spec.exec_mode == ExecMode::cluster && spec.bind_handoff)
        add_bind_handoff_env(env, m_paths);
    else
        remove_bind_handoff_env(env);
    if (!spec.increment_var.empty()) {
        long long base = 0;
        if (auto it = env.find(spec.increment_var); it != env.end())
            base = std::strtoll(it->second.c_str(), nullptr, 10);
        env[spec.increment_var] = std::to_string(base + inst.index);
    }
    std::vector<std::string> out;
    out.reserve(env.size());
    for (const auto& [k, v] : env) out.push_back(k + "=" + v);
    return out;
}

Result<std::vector<std::string>> Supervisor::instance_env(const Instance& inst) const {
    const App* app = m_registry.find_app(inst.app);
    if (!app) return make_error("not_found", "no process with id " + std::to_string(inst.id));
    auto who = app_identity(app->spec);
    if (!who) return who.error();
    return build_env(*app, inst, *who ? &**who : nullptr);
}

void Supervisor::spawn(Instance& inst) {
    App* app = m_registry.find_app(inst.app);
    if (!app) return;
    // Committed here, between two spawns, every earlier one is complete in the registry (a
    // state naming a pid names its status too).
    if (m_gated_children >= k_max_gated) m_registry.commit_now();
    const AppSpec& spec = app->spec;
    if (auto err = reopen_sockets(*app); !err.empty()) return spawn_failed(inst, err, false);

    // What can run short comes first: descriptors here, processes or memory at the fork. A
    // shortage is waited out (spawn_failed); it is never the app's failure.
    int ceiling = pipe_fd_ceiling();
    UniqueFd out_r, out_w, err_r, err_w;
    // Every child spawned before the next commit waits at the same gate: two descriptors
    // however many there are.
    auto open_pipes = [&] {
        return open_pipe(ceiling, out_r, out_w) && open_pipe(ceiling, err_r, err_w) &&
               (!m_gated || m_gate_w || open_pipe(ceiling, m_gate_r, m_gate_w));
    };
    bool opened = open_pipes();
    // The gate holds two descriptors until the commit: a commit now frees them, so that the
    // gate never makes a spawn wait that would have run without it.
    if (!opened && is_resource_shortage(errno) && m_gate_w) {
        m_registry.commit_now();
        opened = open_pipes();
    }
    if (!opened) {
        int e = errno;
        return spawn_failed(inst, std::string("pipe: ") + std::strerror(e),
                            is_resource_shortage(e));
    }
    fcntl(out_r.get(), F_SETFL, O_NONBLOCK);
    fcntl(err_r.get(), F_SETFL, O_NONBLOCK);

    // The user database may have changed since the app was started: resolve it every time.
    auto who = app_identity(spec);
    if (!who) return spawn_failed(inst, who.error().message, false);
    const std::optional<Identity>& identity = *who;

    SpawnRequest req;
    if (!spec.interpreter.empty()) {
        req.argv.push_back(spec.interpreter);
        req.argv.insert(req.argv.end(), spec.interpreter_args.begin(), spec.interpreter_args.end());
    }
    req.argv.push_back(spec.script);
    req.argv.insert(req.argv.end(), spec.args.begin(), spec.args.end());
    req.env = build_env(*app, inst, identity ? &*identity : nullptr);
    req.cwd = spec.cwd;
    req.stdout_fd = out_w.get();
    req.stderr_fd = err_w.get();
    req.uid = spec.uid;
    req.gid = spec.gid;
    if (identity) {
        req.gid = identity->gid;
        req.groups = identity->groups;
    }
    if (app->sockets) {
        for (const auto& fd : app->sockets->fds) req.pass_fds.push_back(fd.get());
        req.listen_pid = true;
    }
    UniqueFd channel; // the daemon's end of a Node IPC channel
    UniqueFd channel_child;
    if (uses_node(spec)) {
        // Without it the app would be told of a NODE_CHANNEL_FD it does not have.
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) != 0 ||
            !take_below(sv, ceiling, channel, channel_child)) {
            int e = errno;
            return spawn_failed(inst, std::string("socketpair: ") + std::strerror(e),
                                is_resource_shortage(e));
        }
        // Node expects a blocking socket on its side.
        fcntl(sv[1], F_SETFL, fcntl(sv[1], F_GETFL) & ~O_NONBLOCK);
        req.pass_fds.push_back(sv[1]);
    }

    if (m_gated) {
        fcntl(m_gate_w.get(), F_SETFL, O_NONBLOCK); // never blocks the loop (see k_max_gated)
        req.gate_fd = m_gate_r.get();
    }

    auto pid = spawn_process(req);
    if (!pid)
        return spawn_failed(inst, pid.error().message, pid.error().code == k_resource_shortage);
    if (m_gated) ++m_gated_children;
    // Read now, while the child waits at its gate: the pid and this start time are its identity
    // for a daemon that has to adopt it.
    inst.proc_start = proc_id_of(*pid).start;
    inst.run = m_registry.take_run();
    inst.adopted = false;
    if (m_shortage_retry_ms.erase(inst.id))
        spdlog::info("{}[{}]: the resources it waited for are back", spec.name, inst.id);
    m_registry.set_pid(inst, *pid);
    inst.pgid = *pid;
    inst.status = spec.wait_ready ? Status::launching : Status::online;
    inst.status_text.clear();
    inst.started_mono = mono_ms();
    inst.started_wall = wall_ms();
    inst.exit_code.reset();
    inst.signal.reset();
    inst.last_cpu_ticks = 0;
    inst.last_cpu_mono = 0;
    inst.cpu_percent = 0;
    inst.memory_bytes = 0;
    if (inst.status == Status::online) metrics::came_online(inst.counters, inst.app);

    capture(inst.id, inst.run, app->logs, std::move(out_r), Stream::out, {});
    capture(inst.id, inst.run, app->logs, std::move(err_r), Stream::err, {});
    // The app's default log files are created once this loop turn is over: the start's spawns
    // are released by then and run while the daemon creates them (AppLogs::open_deferred).
    if (app->logs->has_deferred())
        m_reactor.after(0, [logs = app->logs] { logs->open_deferred(); });
    if (auto pf = pid_file_for(spec, inst); !pf.empty()) {
        if (auto err = write_pid_file(pf, *pid, identity ? &*identity : nullptr); !err.empty())
            spdlog::warn("{}[{}]: {}", spec.name, inst.id, err);
    }
    spdlog::info("{}[{}]: started pid {}", spec.name, inst.id, *pid);

    if (channel) open_channel(*pid, inst.run, std::move(channel));
    if (!spec.wait_ready) {
        finish_launch(inst, true);
        return;
    }
    resume_launch(inst.id); // listen_timeout
}

void Supervisor::spawn_failed(Instance& inst, const std::string& why, bool shortage) {
    if (!shortage) {
        spdlog::error("{}[{}]: {}", inst.app, inst.id, why);
        inst.status = Status::errored;
        close_sockets_when_idle(inst.app);
        // A reload waiting on this launch gives up now (it would wait for ever otherwise).
        // May erase `inst`.
        if (!inst.on_ready.empty()) finish_launch(inst, false);
        return;
    }
    // More entries than instances: some are of instances deleted while they waited.
    if (m_shortage_retry_ms.size() > m_registry.instances().size())
        std::erase_if(m_shortage_retry_ms,
                      [this](const auto& entry) { return !m_registry.find(entry.first); });
    auto [it, first] = m_shortage_retry_ms.try_emplace(inst.id, 0);
    it->second = shortage_retry_delay(it->second);
    // Once per instance: a shortage lasting minutes must not fill the log (nor the disk).
    if (first)
        spdlog::warn("{}[{}]: cannot start for now ({}); waiting for the system to have room "
                     "again, trying every {}-{} s (not logged again)",
                     inst.app, inst.id, why, k_shortage_retry_ms / 1000, k_max_backoff_ms / 1000);
    schedule_restart(inst, it->second);
}

void Supervisor::capture(int id, std::uint64_t run, std::shared_ptr<AppLogs> logs, UniqueFd fd,
                         Stream stream, std::string_view partial) {
    std::uint64_t key = m_next_capture++;
    const Instance* inst = m_registry.find(id);
    int tag = inst ? shown_id(*inst) : id;
    auto c = std::make_unique<OutputCapture>(m_reactor, std::move(fd), std::move(logs), tag, stream,
                                             [this, key] {
                                                 m_captures.erase(key);
                                                 m_registry.changed();
                                             });
    if (!partial.empty()) c->carry(partial);
    m_captures[key] = {id, run, std::move(c)};
    m_registry.changed(); // the holder must keep a copy of the pipe
}

void Supervisor::swap_run_ids(int a, int b) {
    for (auto& [key, c] : m_captures) {
        if (c.instance_id == a)
            c.instance_id = b;
        else if (c.instance_id == b)
            c.instance_id = a;
    }
}

void Supervisor::open_channel(pid_t pid, std::uint64_t run, UniqueFd fd) {
    // Keyed by the run, not the instance id: a restart reuses the id, and the old run's channel
    // closing late must not take the new run's with it (the new process would get EPIPE).
    std::uint64_t serial = m_next_channel++;
    auto channel = std::make_unique<NodeChannel>(
        m_reactor, std::move(fd),
        [this, pid] {
            if (Instance* i = m_registry.find_by_pid(pid); i && i->status == Status::launching)
                finish_launch(*i, true);
        },
        [this, pid, serial] {
            m_reactor.after(0, [this, pid, serial] {
                auto it = m_channels.find(pid);
                if (it != m_channels.end() && it->second.serial == serial) {
                    m_channels.erase(it);
                    m_registry.changed();
                }
            });
        });
    m_channels[pid] = {serial, run, std::move(channel)};
}

bool Supervisor::send_shutdown_message(pid_t pid) {
    auto it = m_channels.find(pid);
    return it != m_channels.end() && it->second.channel->send("\"shutdown\"\n");
}

} // namespace rein::daemon
