#include "daemon/continuity/adoption.hpp"

#include "common/files.hpp"
#include "common/json_fields.hpp"
#include "daemon/continuity/handover.hpp"
#include "daemon/continuity/state_store.hpp"
#include "daemon/reactor/clock.hpp"
#include "daemon/supervision/child.hpp"
#include "daemon/supervision/proc_state.hpp"

#include <csignal>
#include <cstdio>
#include <dirent.h>
#include <fcntl.h>
#include <set>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace rein::daemon {

using nlohmann::json;

namespace {

// A descriptor the state names, recorded with its socket inode (0: none).
struct SavedFd {
    std::string key;
    std::uint64_t inode = 0;
    std::string address; ///< bind hand-off sockets: what it is bound to
};

struct SavedApp {
    AppSpec spec;
    std::vector<int> instance_ids;
    std::vector<SavedFd> listen;
    std::vector<SavedFd> handed;
};

struct SavedInstance {
    Instance inst;
    std::optional<std::int64_t> restart_at_wall;
    bool retired = false;
    bool shadow = false;
};

struct SavedPipe {
    std::string key;
    int instance = 0;
    std::uint64_t run = 0;
    Stream stream = Stream::out;
};

struct SavedState {
    int next_id = 0;
    std::uint64_t next_run = 1;
    std::vector<SavedApp> apps;
    std::vector<SavedInstance> instances;
    std::vector<SavedPipe> pipes;
    std::vector<SavedPipe> channels; ///< stream unused
};

// The run serial at the end of a holder key ("out/7" -> 7); 0 when there is none.
std::uint64_t run_of_key(const std::string& key) {
    auto slash = key.rfind('/');
    return slash == std::string::npos ? 0 : std::strtoull(key.c_str() + slash + 1, nullptr, 10);
}

// Reads the whole state, checked so that restoring cannot fail half-way; one sentence if not.
Result<SavedState> parse_state(const json& s) {
    SavedState out;
    out.next_id = strict_integer<int>(s.at("next_id"), "next_id");
    out.next_run = strict_integer<std::uint64_t>(s.at("next_run"), "next_run");
    std::map<int, std::string> owner;
    for (const auto& j : s.at("instances")) {
        auto inst = instance_from_handover(j);
        if (!inst) return inst.error();
        if (!owner.emplace(inst->id, inst->app).second)
            return make_error("bad_state", "instance " + std::to_string(inst->id) + " twice");
        SavedInstance saved{std::move(*inst), std::nullopt, j.value("retired", false),
                            j.contains("shadow_of")};
        if (j.contains("restart_at_wall"))
            saved.restart_at_wall =
                strict_integer<std::int64_t>(j.at("restart_at_wall"), "restart_at_wall");
        out.instances.push_back(std::move(saved));
    }
    std::set<std::string> names;
    for (const auto& a : s.at("apps")) {
        SavedApp app{a.at("spec").get<AppSpec>(),
                     integers<std::vector<int>>(a.at("instance_ids"), "instance_ids"),
                     {},
                     {}};
        const std::string& name = app.spec.name;
        if (!names.insert(name).second) return make_error("bad_state", "app " + name + " twice");
        for (int id : app.instance_ids) {
            auto it = owner.find(id);
            if (it == owner.end() || it->second != name)
                return make_error("bad_state", "app " + name + " lists an unknown instance");
        }
        for (const auto& e : a.at("listen"))
            app.listen.push_back({e.at("key").get<std::string>(),
                                  strict_integer<std::uint64_t>(e.at("inode"), "inode"), ""});
        if (!app.listen.empty() && app.listen.size() != app.spec.listen.size())
            return make_error("bad_state", "app " + name + ": sockets do not match its listen");
        for (const auto& e : a.at("handed"))
            app.handed.push_back({e.at("key").get<std::string>(),
                                  strict_integer<std::uint64_t>(e.at("inode"), "inode"),
                                  e.at("address").get<std::string>()});
        out.apps.push_back(std::move(app));
    }
    for (const auto& [id, app] : owner)
        if (!names.count(app)) return make_error("bad_state", "instance of an unknown app " + app);
    for (const auto& p : s.at("pipes")) {
        SavedPipe pipe{p.at("key").get<std::string>(),
                       strict_integer<int>(p.at("instance"), "instance"), 0, Stream::out};
        if (p.at("stream") != "out" && p.at("stream") != "err")
            return make_error("bad_state", "a pipe of an unknown stream");
        pipe.stream = p.at("stream") == "out" ? Stream::out : Stream::err;
        pipe.run = run_of_key(pipe.key);
        out.pipes.push_back(std::move(pipe));
    }
    for (const auto& c : s.at("channels")) {
        SavedPipe channel{c.at("key").get<std::string>(),
                          strict_integer<int>(c.at("instance"), "instance"), 0, Stream::out};
        channel.run = run_of_key(channel.key);
        out.channels.push_back(std::move(channel));
    }
    return out;
}

// Reads registry.json; nothing when there is none, or when it must be left aside (logged).
std::optional<SavedState> read_state(const Paths& paths) {
    const std::string path = paths.registry_file();
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return std::nullopt;
    auto text = read_all(fd.get(), 256u << 20);
    fd.reset();
    std::string why;
    if (!text) {
        why = "cannot be read: " + text.error().message;
    } else {
        json s = json::parse(*text, nullptr, false);
        if (s.is_discarded()) {
            why = "is not JSON (truncated or garbage)";
        } else if (!s.is_object() || s.value("kind", json()) != "rein-registry") {
            why = "is not a rein registry";
        } else if (s.value("format", json()) != k_registry_format) {
            why = "has format " + s.value("format", json()).dump() + ", this reind reads " +
                  std::to_string(k_registry_format);
        } else if (s.value("boot_id", json()) != boot_id()) {
            spdlog::info("{} was written before this boot: ignored (resurrect brings saved apps "
                         "back)",
                         path);
            ::unlink(path.c_str());
            return std::nullopt;
        } else {
            try {
                auto state = parse_state(s);
                if (state) return std::move(*state);
                why = "is inconsistent: " + state.error().message;
            } catch (const std::exception& e) {
                why = std::string("has a bad field: ") + e.what();
            }
        }
    }
    std::string bad = path + ".bad";
    bool kept = std::rename(path.c_str(), bad.c_str()) == 0;
    spdlog::error("{} {}; starting with no apps{}", path, why,
                  kept ? " (the file is kept as " + bad + ")" : "");
    if (!kept) ::unlink(path.c_str());
    return std::nullopt;
}

// How a saved instance's process is found now.
struct Found {
    bool alive = false;        ///< the same process, running
    bool foreign = false;      ///< its pid is another process now
    std::optional<int> status; ///< its wait status, read from its zombie
    UniqueFd pidfd;
};

Found find_process(const Instance& inst) {
    Found f;
    if (!inst.pid || !is_running(inst.status)) return f;
    // The pidfd first: once it is open the pid cannot name another process, so the identity
    // read after it holds for as long as the pidfd does.
    f.pidfd = open_pidfd(inst.pid);
    ProcStat st = proc_stat(inst.pid);
    bool same = st.state != 0 && inst.proc_start != 0 && st.start == inst.proc_start;
    f.alive = f.pidfd && same && st.state != 'Z' && st.state != 'X';
    f.foreign = st.state != 0 && !same;
    if (same && !f.alive) f.status = st.status;
    if (!f.alive) f.pidfd.reset();
    return f;
}

// A socket of `pid` whose inode is `inode`, duplicated through its pidfd; invalid if none.
UniqueFd socket_of(pid_t pid, int pidfd, std::uint64_t inode) {
    if (!inode || pidfd < 0) return {};
    int fd = socket_fd_of(pid, {std::to_string(inode)});
    return fd < 0 ? UniqueFd() : take_fd(pidfd, fd);
}

// A socket the state names: the holder's copy, else an adopted instance's, else none.
UniqueFd recover_socket(const SavedFd& saved, std::map<std::string, UniqueFd>& held,
                        const std::vector<std::pair<pid_t, int>>& live) {
    if (auto node = held.extract(saved.key)) return std::move(node.mapped());
    for (const auto& [pid, pidfd] : live)
        if (auto fd = socket_of(pid, pidfd, saved.inode)) {
            // The holder did not have it (it died too): the instances still hold the socket.
            spdlog::info("{}: socket taken back from pid {} (pidfd_getfd)", saved.key, pid);
            return fd;
        }
    return {};
}

void restore_app(Context& ctx, SavedApp& a, std::map<std::string, UniqueFd>& held,
                 const std::vector<std::pair<pid_t, int>>& live) {
    auto logs = std::make_shared<AppLogs>(a.spec, ctx.paths.logs_dir(), &ctx.log_hub);
    if (auto err = logs->open(); !err.empty()) spdlog::error("{}: {}", a.spec.name, err);
    App& app = ctx.registry.add_app(std::move(a.spec), std::move(logs));
    app.instance_ids = std::move(a.instance_ids);
    const std::string& name = app.spec.name;
    std::vector<UniqueFd> fds;
    for (const auto& saved : a.listen)
        if (auto fd = recover_socket(saved, held, live)) fds.push_back(std::move(fd));
    if (!a.listen.empty() && fds.size() == a.listen.size())
        app.sockets = adopt_listen_sockets(app.spec.listen, std::move(fds));
    else if (!a.listen.empty())
        spdlog::warn("{}: its listen sockets could not be recovered: bound anew at its next start",
                     name);
    std::vector<ListenSpec> specs;
    std::vector<UniqueFd> handed;
    for (const auto& saved : a.handed)
        if (auto fd = recover_socket(saved, held, live)) {
            specs.push_back({saved.address});
            handed.push_back(std::move(fd));
        }
    if (!handed.empty()) app.handed = adopt_listen_sockets(specs, std::move(handed));
    if (!app.spec.watch.empty()) {
        if (auto watch = ctx.supervisor.make_watch(app.spec))
            app.watch = std::move(*watch);
        else
            spdlog::error("{}: watch: {}", name, watch.error().message);
    }
    ctx.supervisor.schedule_cron(name);
}

} // namespace

AdoptionSummary adopt_at_start(Context& ctx, std::map<std::string, UniqueFd>& held) {
    AdoptionSummary sum;
    auto state = read_state(ctx.paths);
    if (!state) return sum;
    sum.took_over = true;

    std::map<int, Found> found;
    std::vector<std::pair<pid_t, int>> live; // adopted processes whose sockets may be taken
    for (const auto& s : state->instances) {
        Found f = find_process(s.inst);
        if (f.alive) live.emplace_back(s.inst.pid, f.pidfd.get());
        found[s.inst.id] = std::move(f);
    }
    for (auto& a : state->apps) restore_app(ctx, a, held, live);

    std::vector<int> ended, removed;
    for (auto& s : state->instances) {
        Found& f = found[s.inst.id];
        if (f.foreign) {
            spdlog::warn("{}[{}]: pid {} is another process now: left alone, the instance ended",
                         s.inst.app, s.inst.id, s.inst.pid);
            s.inst.pgid = 0; // its group is not the instance's either: never signalled
            ++sum.foreign;
        }
        bool running = is_running(s.inst.status);
        Instance& inst = ctx.registry.adopt(std::move(s.inst));
        if (s.retired) {
            inst.retired = true;
            if (App* app = ctx.registry.find_app(inst.app)) app->retiring++;
        }
        if (f.alive) {
            ctx.supervisor.adopt_running(inst.id, std::move(f.pidfd));
            ++sum.adopted;
        } else if (running) {
            ended.push_back(inst.id);
        }
        if (s.retired || s.shadow) removed.push_back(inst.id);
        if (inst.status == Status::waiting_restart)
            ctx.supervisor.resume_restart(
                inst.id, std::max<std::int64_t>(0, s.restart_at_wall.value_or(0) - wall_ms()));
    }
    ctx.registry.set_next_id(state->next_id);
    ctx.registry.set_next_run(state->next_run);

    // Pipes before any exit is handled: a run's last lines are drained into its files.
    for (auto& p : state->pipes)
        if (auto node = held.extract(p.key)) {
            fcntl(node.mapped().get(), F_SETFL, O_NONBLOCK);
            ctx.supervisor.adopt_pipe({p.instance, p.run, p.stream, node.mapped().release(), {}});
        }
    for (auto& c : state->channels) {
        const Instance* inst = ctx.registry.find(c.instance);
        if (auto node = held.extract(c.key); node && inst && inst->adopted && inst->run == c.run)
            ctx.supervisor.adopt_channel({c.instance, c.run, node.mapped().release()});
    }

    for (int id : ended) {
        Found& f = found[id];
        // A stop under way whose main process is gone: what is left of its group gets what the
        // dead daemon's kill_timeout would have sent (no timer of this daemon runs for it).
        if (const Instance* inst = ctx.registry.find(id); inst && inst->status == Status::stopping)
            signal_group(inst->pgid, SIGKILL);
        ctx.supervisor.exited_meanwhile(id, f.status);
        const Instance* inst = ctx.registry.find(id);
        if (inst && (inst->status == Status::waiting_restart || is_running(inst->status)))
            ++sum.restarted;
        else
            ++sum.ended;
    }
    for (auto& [id, inst] : ctx.registry.instances()) {
        if (!inst.adopted || !inst.pid) continue;
        if (inst.status == Status::launching) ctx.supervisor.resume_launch(id);
    }
    // What was being stopped (or was a reload's extra process) is stopped again; the request
    // that asked for it has gone with the dead daemon.
    std::vector<int> stopping;
    for (const auto& [id, inst] : ctx.registry.instances())
        if (inst.status == Status::stopping && inst.pid) stopping.push_back(id);
    for (int id : stopping)
        if (Instance* inst = ctx.registry.find(id)) {
            inst->status = Status::online;
            ctx.supervisor.stop(id, {});
        }
    for (int id : removed) ctx.supervisor.remove(id, {});

    sum.apps = int(ctx.registry.apps().size());
    sum.instances = int(ctx.registry.instances().size());
    spdlog::info("adopted {} instances of {} apps ({} restarted, {} ended, {} whose pid is "
                 "another process now, {} instances in all)",
                 sum.adopted, sum.apps, sum.restarted, sum.ended, sum.foreign, sum.instances);
    return sum;
}

void watch_adopted(Supervisor& supervisor, Instance& inst) {
    Found f = find_process(inst);
    if (f.alive)
        supervisor.adopt_running(inst.id, std::move(f.pidfd));
    else {
        if (f.foreign) inst.pgid = 0;
        supervisor.exited_meanwhile(inst.id, f.status);
    }
}

} // namespace rein::daemon
