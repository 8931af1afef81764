#include "daemon/continuity/handover.hpp"

#include "common/files.hpp"
#include "common/json_fields.hpp"
#include "common/version.hpp"
#include "daemon/continuity/adoption.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <set>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <unistd.h>

namespace rein::daemon {

using nlohmann::json;

namespace {

std::optional<Status> status_from_string(const std::string& s) {
    for (Status st : {Status::launching, Status::online, Status::stopping, Status::stopped,
                      Status::errored, Status::waiting_restart})
        if (s == to_string(st)) return st;
    return std::nullopt;
}

// An unfinished line is raw bytes (maybe cut inside a UTF-8 sequence): JSON carries it as hex.
std::string to_hex(std::string_view bytes) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 15]);
    }
    return out;
}

std::optional<std::string> from_hex(const std::string& hex) {
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    };
    if (hex.size() % 2) return std::nullopt;
    std::string out;
    out.reserve(hex.size() / 2);
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(char(hi << 4 | lo));
    }
    return out;
}

bool is_open_fd(const json& j) {
    return j.is_number_integer() && j.get<int>() >= 0 && fcntl(j.get<int>(), F_GETFD) != -1;
}

Error fail(const std::string& why) {
    return make_error("bad_handover", why);
}

} // namespace

json instance_to_handover(const Instance& inst, std::optional<std::int64_t> restart_in_ms) {
    json j = {{"id", inst.id},
              {"app", inst.app},
              {"index", inst.index},
              {"pid", inst.pid},
              {"pgid", inst.pgid},
              {"status", to_string(inst.status)},
              {"restarts", inst.restarts},
              {"unstable_restarts", inst.history.unstable_restarts},
              {"backoff_ms", inst.history.backoff_ms},
              {"created_at_wall", inst.created_at_wall},
              {"started_mono", inst.started_mono},
              {"started_wall", inst.started_wall},
              {"exit_code", inst.exit_code ? json(*inst.exit_code) : json()},
              {"signal", inst.signal ? json(*inst.signal) : json()},
              {"status_text", inst.status_text},
              {"last_cpu_ticks", inst.last_cpu_ticks},
              {"last_cpu_mono", inst.last_cpu_mono},
              {"cpu_percent", inst.cpu_percent},
              {"memory_bytes", inst.memory_bytes},
              {"run", inst.run},
              {"proc_start", inst.proc_start},
              {"adopted", inst.adopted}};
    if (restart_in_ms) j["restart_in_ms"] = *restart_in_ms;
    return j;
}

Result<Instance> instance_from_handover(const json& j) {
    try {
        Instance inst;
        inst.id = strict_integer<int>(j.at("id"), "id");
        inst.app = j.at("app").get<std::string>();
        inst.index = strict_integer<int>(j.at("index"), "index");
        inst.pid = strict_integer<pid_t>(j.at("pid"), "pid");
        inst.pgid = strict_integer<pid_t>(j.at("pgid"), "pgid");
        auto status = status_from_string(j.at("status").get<std::string>());
        if (!status) return make_error("bad_handover", "unknown status " + j.at("status").dump());
        inst.status = *status;
        inst.restarts = strict_integer<int>(j.at("restarts"), "restarts");
        inst.history.unstable_restarts =
            strict_integer<int>(j.at("unstable_restarts"), "unstable_restarts");
        inst.history.backoff_ms = strict_integer<std::int64_t>(j.at("backoff_ms"), "backoff_ms");
        inst.created_at_wall =
            strict_integer<std::int64_t>(j.at("created_at_wall"), "created_at_wall");
        inst.started_mono = strict_integer<std::int64_t>(j.at("started_mono"), "started_mono");
        inst.started_wall = strict_integer<std::int64_t>(j.at("started_wall"), "started_wall");
        if (!j.at("exit_code").is_null())
            inst.exit_code = strict_integer<int>(j.at("exit_code"), "exit_code");
        if (!j.at("signal").is_null()) inst.signal = strict_integer<int>(j.at("signal"), "signal");
        inst.status_text = j.at("status_text").get<std::string>();
        inst.last_cpu_ticks =
            strict_integer<std::uint64_t>(j.at("last_cpu_ticks"), "last_cpu_ticks");
        inst.last_cpu_mono = strict_integer<std::int64_t>(j.at("last_cpu_mono"), "last_cpu_mono");
        inst.cpu_percent = j.at("cpu_percent").get<double>();
        inst.memory_bytes = strict_integer<std::uint64_t>(j.at("memory_bytes"), "memory_bytes");
        // Absent from the state of an image older than adoption.
        inst.run = strict_integer<std::uint64_t>(j.value("run", json(0)), "run");
        inst.proc_start =
            strict_integer<std::uint64_t>(j.value("proc_start", json(0)), "proc_start");
        inst.adopted = j.value("adopted", false);
        if (inst.id < 0 || inst.pid < 0 || inst.pgid < 0)
            return make_error("bad_handover", "negative id or pid");
        if (is_running(inst.status) && inst.pid == 0)
            return make_error("bad_handover", "a running instance without a pid");
        return inst;
    } catch (const json::exception& e) {
        return make_error("bad_handover", std::string("instance: ") + e.what());
    }
}

Handover collect_handover(Context& ctx, const ControlServer& server, const DaemonFds& daemon,
                          const Responder& requester) {
    Handover h;
    auto keep = [&h](int fd) {
        if (fd >= 0) h.fds.push_back(fd);
        return fd;
    };
    json& s = h.state;
    s["format"] = k_handover_format;
    s["version"] = REIN_VERSION;
    s["revision"] = revision();
    s["started_wall"] = ctx.started_wall;
    s["updated_wall"] = ctx.updated_wall;
    s["next_id"] = ctx.registry.next_id();
    s["next_run"] = ctx.registry.next_run();
    s["fds"] = {{"lock", keep(daemon.lock)},
                {"control", keep(daemon.control)},
                {"notify", keep(daemon.notify)},
                {"fallback_exe", keep(daemon.fallback_exe)}};
    s["requester"] = {{"fd", requester.fd()}, {"id", requester.id()}};
    s["connections"] = json::array();
    for (const auto& c : server.carried())
        s["connections"].push_back({{"fd", keep(c.fd)},
                                    {"unread", to_hex(c.unread)},
                                    {"unsent", to_hex(c.unsent)},
                                    {"read_closed", c.read_closed},
                                    {"streaming", c.streaming},
                                    {"pending", c.pending}});
    s["followers"] = json::array();
    for (const auto& f : ctx.log_hub.subscribers())
        if (f.responder.connected())
            s["followers"].push_back({{"fd", f.responder.fd()},
                                      {"id", f.responder.id()},
                                      {"all", f.filter.all},
                                      {"ids", f.filter.ids},
                                      {"apps", f.filter.apps},
                                      {"namespaces", f.filter.namespaces},
                                      {"out", f.filter.out},
                                      {"err", f.filter.err},
                                      {"skipped", f.skipped}});
    s["monitors"] = json::array();
    for (const auto& m : ctx.monitors)
        if (m.connected()) s["monitors"].push_back({{"fd", m.fd()}, {"id", m.id()}});
    s["apps"] = json::array();
    for (const auto& [name, app] : ctx.registry.apps()) {
        json fds = json::array();
        if (app.sockets)
            for (const auto& fd : app.sockets->fds) fds.push_back(keep(fd.get()));
        json handed = json::array(); // bind hand-off sockets, with the address each is bound to
        for (std::size_t i = 0; app.handed && i < app.handed->fds.size(); ++i)
            handed.push_back({{"address", app.handed->specs[i].address},
                              {"fd", keep(app.handed->fds[i].get())}});
        s["apps"].push_back({{"spec", app.spec},
                             {"instance_ids", app.instance_ids},
                             {"listen_fds", fds},
                             {"handed", handed}});
    }
    s["instances"] = json::array();
    for (const auto& [id, inst] : ctx.registry.instances())
        s["instances"].push_back(instance_to_handover(inst, ctx.supervisor.restart_in_ms(inst.id)));
    s["pipes"] = json::array();
    for (const auto& p : ctx.supervisor.carried_pipes())
        s["pipes"].push_back({{"instance", p.instance_id},
                              {"stream", p.stream == Stream::out ? "out" : "err"},
                              {"run", p.run},
                              {"fd", keep(p.fd)},
                              {"partial", to_hex(p.partial)}});
    s["channels"] = json::array();
    for (const auto& c : ctx.supervisor.carried_channels())
        s["channels"].push_back({{"instance", c.instance_id}, {"run", c.run}, {"fd", keep(c.fd)}});
    s["kept_fds"] = h.fds;
    return h;
}

Result<HandoverState> parse_handover(const json& s) {
    HandoverState h;
    try {
        if (!s.is_object()) return fail("not a JSON object");
        if (s.at("format") != k_handover_format)
            return fail("state format " + s.at("format").dump() + ", this reind reads " +
                        std::to_string(k_handover_format));
        h.version = s.value("version", "?");
        h.revision = s.value("revision", "unknown");
        h.started_wall = strict_integer<std::int64_t>(s.at("started_wall"), "started_wall");
        h.updated_wall = strict_integer<std::int64_t>(s.at("updated_wall"), "updated_wall");
        h.next_id = strict_integer<int>(s.at("next_id"), "next_id");
        h.next_run = strict_integer<std::uint64_t>(s.value("next_run", json(1)), "next_run");
        h.kept_fds = integers<std::vector<int>>(s.at("kept_fds"), "kept_fds");
        const json& fds = s.at("fds");
        for (const char* name : {"lock", "control", "notify"})
            if (!is_open_fd(fds.at(name)))
                return fail(std::string("the ") + name + " descriptor is not open");
        h.daemon = {strict_integer<int>(fds.at("lock"), "lock"),
                    strict_integer<int>(fds.at("control"), "control"),
                    strict_integer<int>(fds.at("notify"), "notify"),
                    strict_integer<int>(fds.at("fallback_exe"), "fallback_exe")};

        std::set<int> conns;
        for (const auto& c : s.at("connections")) {
            auto unread = from_hex(c.at("unread").get<std::string>());
            auto unsent = from_hex(c.at("unsent").get<std::string>());
            if (!is_open_fd(c.at("fd")) || !unread || !unsent)
                return fail("a bad connection entry");
            h.connections.push_back({strict_integer<int>(c.at("fd"), "fd"), *unread, *unsent,
                                     c.at("read_closed").get<bool>(), c.at("streaming").get<bool>(),
                                     strict_integer<int>(c.at("pending"), "pending")});
            conns.insert(h.connections.back().fd);
        }
        auto request = [&conns](const json& j) -> std::optional<CarriedRequest> {
            int fd = strict_integer<int>(j.at("fd"), "fd");
            if (fd != -1 && !conns.count(fd)) return std::nullopt;
            return CarriedRequest{fd, j.at("id")};
        };
        auto requester = request(s.at("requester"));
        if (!requester) return fail("the requester's connection is missing");
        h.requester = *requester;
        for (const auto& f : s.at("followers")) {
            auto req = request(f);
            if (!req) return fail("a follower's connection is missing");
            LogFilter filter;
            filter.all = f.at("all").get<bool>();
            filter.ids = integers<std::set<int>>(f.at("ids"), "ids");
            filter.apps = f.at("apps").get<std::set<std::string>>();
            filter.namespaces = f.at("namespaces").get<std::set<std::string>>();
            filter.out = f.at("out").get<bool>();
            filter.err = f.at("err").get<bool>();
            h.followers.push_back({*req, std::move(filter),
                                   strict_integer<std::uint64_t>(f.at("skipped"), "skipped")});
        }
        for (const auto& m : s.at("monitors")) {
            auto req = request(m);
            if (!req) return fail("a monitor's connection is missing");
            h.monitors.push_back(*req);
        }

        std::map<int, std::string> owner; // instance id -> app
        for (const auto& j : s.at("instances")) {
            auto inst = instance_from_handover(j);
            if (!inst) return inst.error();
            if (!owner.emplace(inst->id, inst->app).second)
                return fail("instance " + std::to_string(inst->id) + " twice");
            std::optional<std::int64_t> restart_in;
            if (j.contains("restart_in_ms"))
                restart_in = strict_integer<std::int64_t>(j.at("restart_in_ms"), "restart_in_ms");
            h.instances.emplace_back(std::move(*inst), restart_in);
        }
        std::set<std::string> names;
        for (const auto& a : s.at("apps")) {
            CarriedApp app{a.at("spec").get<AppSpec>(),
                           integers<std::vector<int>>(a.at("instance_ids"), "instance_ids"),
                           integers<std::vector<int>>(a.at("listen_fds"), "listen_fds"),
                           {}};
            const std::string& name = app.spec.name;
            if (!names.insert(name).second) return fail("app " + name + " twice");
            for (int id : app.instance_ids) {
                auto it = owner.find(id);
                if (it == owner.end() || it->second != name)
                    return fail("app " + name + " lists an unknown instance");
            }
            if (!app.listen_fds.empty() && app.listen_fds.size() != app.spec.listen.size())
                return fail("app " + name + ": sockets do not match its listen addresses");
            for (int fd : app.listen_fds)
                if (!is_open_fd(fd)) return fail("app " + name + ": a socket is not open");
            // Absent from the state of an image older than the bind hand-off.
            for (const auto& e : a.value("handed", json::array())) {
                int fd = strict_integer<int>(e.at("fd"), "fd");
                if (!is_open_fd(fd)) return fail("app " + name + ": a socket is not open");
                app.handed.push_back({{e.at("address").get<std::string>()}, fd});
            }
            h.apps.push_back(std::move(app));
        }
        for (const auto& [id, app] : owner)
            if (!names.count(app)) return fail("instance of an unknown app " + app);
        for (const auto& p : s.at("pipes")) {
            auto partial = from_hex(p.at("partial").get<std::string>());
            if (!owner.count(strict_integer<int>(p.at("instance"), "instance")) ||
                !is_open_fd(p.at("fd")) || (p.at("stream") != "out" && p.at("stream") != "err") ||
                !partial)
                return fail("a bad output pipe entry");
            h.pipes.push_back({strict_integer<int>(p.at("instance"), "instance"),
                               strict_integer<std::uint64_t>(p.value("run", json(0)), "run"),
                               p.at("stream") == "out" ? Stream::out : Stream::err,
                               strict_integer<int>(p.at("fd"), "fd"), *partial});
        }
        for (const auto& c : s.at("channels")) {
            if (!owner.count(strict_integer<int>(c.at("instance"), "instance")) ||
                !is_open_fd(c.at("fd")))
                return fail("a bad channel entry");
            h.channels.push_back({strict_integer<int>(c.at("instance"), "instance"),
                                  strict_integer<std::uint64_t>(c.value("run", json(0)), "run"),
                                  strict_integer<int>(c.at("fd"), "fd")});
        }
    } catch (const json::exception& e) {
        return fail(e.what());
    }
    return h;
}

Responder restore_handover(Context& ctx, ControlServer& server, HandoverState h) {
    ctx.started_wall = h.started_wall;
    ctx.updated_wall = h.updated_wall;
    for (auto& a : h.apps) {
        auto logs = std::make_shared<AppLogs>(a.spec, ctx.paths.logs_dir(), &ctx.log_hub);
        // The files were open a moment ago; if one cannot be now, its lines are lost but the
        // app is not: it keeps running and the error says which file.
        if (auto err = logs->open(); !err.empty()) spdlog::error("{}: {}", a.spec.name, err);
        App& app = ctx.registry.add_app(std::move(a.spec), std::move(logs));
        app.instance_ids = std::move(a.instance_ids);
        std::vector<UniqueFd> fds(a.listen_fds.begin(), a.listen_fds.end());
        if (!fds.empty()) app.sockets = adopt_listen_sockets(app.spec.listen, std::move(fds));
        if (!a.handed.empty()) {
            std::vector<ListenSpec> specs;
            std::vector<UniqueFd> handed;
            for (const auto& [spec, fd] : a.handed) {
                specs.push_back(spec);
                handed.emplace_back(fd);
            }
            app.handed = adopt_listen_sockets(specs, std::move(handed));
        }
        if (!app.spec.watch.empty()) {
            if (auto watch = ctx.supervisor.make_watch(app.spec))
                app.watch = std::move(*watch);
            else
                spdlog::error("{}: watch: {}", app.spec.name, watch.error().message);
        }
        ctx.supervisor.schedule_cron(app.spec.name);
    }
    for (auto& [carried, restart_in] : h.instances) {
        Instance& inst = ctx.registry.adopt(std::move(carried));
        if (inst.status == Status::waiting_restart)
            ctx.supervisor.resume_restart(inst.id, restart_in.value_or(0));
        // Adopted by the earlier image (not a child of this process): still seen by pidfd.
        if (inst.adopted && inst.pid) watch_adopted(ctx.supervisor, inst);
    }
    ctx.registry.set_next_id(h.next_id);
    ctx.registry.set_next_run(h.next_run);
    for (const auto& p : h.pipes) ctx.supervisor.adopt_pipe(p);
    for (const auto& c : h.channels) ctx.supervisor.adopt_channel(c);
    for (const auto& c : h.connections) server.adopt(c);
    for (auto& f : h.followers)
        ctx.log_hub.adopt(
            {std::move(f.filter), server.responder(f.request.fd, f.request.id), f.skipped});
    for (const auto& m : h.monitors) ctx.monitors.push_back(server.responder(m.fd, m.id));
    return server.responder(h.requester.fd, h.requester.id);
}

Result<UniqueFd> write_state_file(json& state) {
    // No MFD_CLOEXEC: the file is meant to outlive the exec.
    UniqueFd fd(memfd_create("reind-handover", 0));
    if (!fd) return make_error("failed", std::string("memfd_create: ") + std::strerror(errno));
    state["state_fd"] = fd.get();
    // Strings from apps (an sd_notify STATUS=) may not be UTF-8: replaced rather than refused.
    std::string text = state.dump(-1, ' ', false, json::error_handler_t::replace);
    if (auto s = write_all(fd.get(), text); !s)
        return make_error("failed", "write: " + s.error().message);
    return fd;
}

Result<std::string> read_state_file(int fd) {
    // From the start: the old image's writes left the shared offset at the end.
    if (lseek(fd, 0, SEEK_SET) != 0) return make_error("failed", std::strerror(errno));
    return read_all(fd);
}

void set_cloexec(const std::vector<int>& fds, bool on) {
    for (int fd : fds) {
        int flags = fcntl(fd, F_GETFD);
        if (flags >= 0) fcntl(fd, F_SETFD, on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC);
    }
}

} // namespace rein::daemon
