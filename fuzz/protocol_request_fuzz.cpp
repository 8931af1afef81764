// Fuzzes the control-protocol request path with the daemon's own code end to end: the input is
// what a client writes to rein.sock. A real ControlServer takes over one end of a socketpair (as
// a new image takes over a client, ControlServer::adopt), so the real Connection reads it in
// 64 KiB reads into protocol::LineBuffer, handles each line (Connection::handle_line: depth and
// JSON checks, request shape) and passes requests to the real dispatch() and handler table,
// against a real Registry, Supervisor, LogHub and Reactor holding three apps (never started) in
// a REIN_HOME under /tmp. The fuzzer plays the client: it writes the input, runs the reactor turn
// by turn, and reads what comes back. Checks: nothing crashes or throws out of the loop; every
// reply is one JSON object on one line, with an id and either "ok" or "event"; each request gets
// at most one final reply, exactly one unless it streams (logs, monit); the daemon closes the
// connection within a bounded number of turns once the client stops sending; no process starts.
#include "common/paths.hpp"
#include "common/protocol.hpp"
#include "daemon/control/control_server.hpp"
#include "daemon/control/handlers/app_update.hpp"
#include "daemon/control/handlers/handler.hpp"
#include "daemon/reactor/clock.hpp"
#include "daemon/reactor/reactor.hpp"
#include "fuzz_support.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>
#include <string>
#include <string_view>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace {

using namespace rein;
using namespace rein::daemon;
using nlohmann::json;

// Requests answered "not_supported" after only their arguments' parsing, never run:
// - start, restart, scale and reload spawn the apps' processes (Supervisor::start, restart,
//   reload): thousands of forks a second would measure fork(), leave zombies nobody reaps (the
//   daemon's SIGCHLD handling is not here) and could exhaust the machine's process table.
// - update replaces the process image (Context::exec_update, execv).
// kill is run: it stops every instance (none runs here), replies, and calls ctx.shutdown, which
// here only ends the loop turn.
constexpr std::string_view k_parse_only[] = {"start", "restart", "scale", "reload", "update"};

// Requests that may stream events and never send a final reply.
constexpr std::string_view k_streaming[] = {"logs", "monit"};

Paths g_paths;
json g_apps; // the specs of the apps every input starts with

bool listed(std::string_view cmd, const auto& list) {
    return std::find(std::begin(list), std::end(list), cmd) != std::end(list);
}

/// The argument parsing of a k_parse_only request, as far as functions that decide nothing do
/// it: AppSpec's from_json for each app of start/restart (then its round trip back to JSON),
/// restart's `env`, the app of scale, and the selector of the rest.
void parse_only(Context& ctx, const std::string& cmd, const json& req) {
    try {
        if (cmd == "update") {
            (void)req.value("binary", ctx.self_exe);
            return;
        }
        if (cmd == "restart" && req.contains("env"))
            (void)req.at("env").get<std::map<std::string, std::string>>();
        if ((cmd == "start" || cmd == "restart") && req.contains("apps")) {
            for (const auto& j : req.at("apps")) {
                json spec = j.get<AppSpec>();
                FUZZ_CHECK(json(spec.get<AppSpec>()) == spec);
            }
            return;
        }
        if (cmd == "scale") {
            (void)ctx.registry.find_app(req.at("name").get_ref<const std::string&>());
            return;
        }
        (void)select_instances(ctx, req);
    } catch (const json::exception&) {
        // A bad_request reply in the daemon (dispatch catches the same).
    }
}

/// Installs the apps of g_apps as `start` would, without starting them, and gives their
/// instances some history for the rows to show.
void install_apps(Context& ctx) {
    auto prepared = prepare_apps(ctx, {{"apps", g_apps}});
    if (!prepared) {
        std::fprintf(stderr, "protocol_request_fuzz: %s\n", prepared.error().message.c_str());
        std::abort();
    }
    for (auto& p : *prepared) install_app(ctx, std::move(p));
    auto& instances = ctx.registry.instances();
    FUZZ_CHECK(instances.size() == 4);
    auto it = instances.begin();
    it->second.restarts = 3;
    it->second.history.unstable_restarts = 1;
    it->second.exit_code = 1;
    (++it)->second.signal = 9;
}

/// Runs one turn of the loop: every ready event and due timer, then back.
void one_turn(Reactor& reactor) {
    reactor.after(0, [&reactor] { reactor.stop(); });
    reactor.run();
}

/// The client's end of the socket and everything the daemon sent it.
struct Client {
    UniqueFd fd;
    std::string received;
    bool closed = false; ///< the daemon closed the connection

    void drain() {
        char buf[64 * 1024];
        for (;;) {
            ssize_t n = ::read(fd.get(), buf, sizeof buf);
            if (n > 0) {
                received.append(buf, std::size_t(n));
                continue;
            }
            if (n == 0 || (errno != EAGAIN && errno != EINTR)) closed = true;
            if (n == 0 || errno != EINTR) return;
        }
    }
    /// Bytes the daemon has sent here or still queues for here: a position in its output.
    std::size_t produced(const Responder& conn) const {
        int in_socket = 0;
        FUZZ_CHECK(ioctl(fd.get(), FIONREAD, &in_socket) == 0);
        return received.size() + std::size_t(in_socket) + conn.queued_bytes();
    }
};

/// Where one dispatched request's output lies in the daemon's output.
struct Span {
    std::size_t begin, end;
    bool streaming;
};

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    const std::string home = rein::fuzz::scratch_dir("protocol") + "/home";
    setenv("REIN_HOME", home.c_str(), 1);
    auto paths = resolve_paths();
    FUZZ_CHECK(paths.ok());
    g_paths = *paths;
    FUZZ_CHECK(ensure_home(g_paths).ok());
    // Handlers log: formatted as in the daemon, written nowhere.
    auto logger =
        std::make_shared<spdlog::logger>("reind", std::make_shared<spdlog::sinks::null_sink_st>());
    logger->set_level(spdlog::level::trace);
    spdlog::set_default_logger(logger);
    // A fork-mode app of two instances with a cron_restart timer, one with a combined log and
    // timestamps, one that does not restart. /bin/true: harmless should anything ever start it.
    g_apps = json::array({
        {{"name", "api"},
         {"script", "/bin/true"},
         {"args", {"--port", "3000"}},
         {"cwd", g_paths.home},
         {"namespace", "web"},
         {"instances", 2},
         {"env", {{"PORT", "3000"}}},
         {"cron_restart", "0 3 * * *"}},
        {{"name", "worker"},
         {"script", "/bin/true"},
         {"cwd", g_paths.home},
         {"namespace", "jobs"},
         {"time", true},
         {"log_file", g_paths.home + "/worker-combined.log"}},
        {{"name", "once"}, {"script", "/bin/true"}, {"cwd", g_paths.home}, {"autorestart", false}},
    });
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    unlink(g_paths.dump_file().c_str()); // resurrect reads only what this input saved

    // The daemon's objects, in run_daemon's order.
    Reactor reactor;
    Registry registry;
    Supervisor supervisor(reactor, registry, g_paths);
    LogHub log_hub;
    Context ctx{.registry = registry,
                .supervisor = supervisor,
                .log_hub = log_hub,
                .paths = g_paths,
                .started_wall = wall_ms(),
                .shutdown = [&] { reactor.stop(); },
                .self_exe = "/nonexistent/reind",
                .exec_update = [](const std::string&, const Responder&) -> std::string {
                    std::abort(); // update is never dispatched
                }};
    install_apps(ctx);

    int sv[2];
    FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0);
    Client client{UniqueFd(sv[1]), {}, false};
    std::vector<Span> spans;
    ControlServer server(reactor, [&](const json& req, Responder reply) {
        const std::string& cmd = req["cmd"].get_ref<const std::string&>();
        std::size_t begin = client.produced(reply);
        if (listed(cmd, k_parse_only)) {
            parse_only(ctx, cmd, req);
            reply.fail(protocol::code::not_supported, "the fuzzer does not run " + cmd);
        } else {
            dispatch(ctx, req, reply);
        }
        // A connection closed meanwhile (its output over the cap) has dropped what it queued.
        if (reply.connected())
            spans.push_back({begin, client.produced(reply), listed(cmd, k_streaming)});
    });
    server.adopt({sv[0], "", "", false, false, 0}); // the server owns sv[0] from here

    // The client sends what the socket takes, then shuts its side; the daemon answers and
    // closes. The loop runs while something moves; a daemon that goes quiet with the
    // connection still open has a request it will never answer.
    std::size_t sent = 0;
    bool shut = false;
    for (int turn = 0, idle = 0; !client.closed && idle < 8; ++turn) {
        const std::size_t progress = sent + client.received.size();
        while (sent < size) {
            ssize_t n = ::send(client.fd.get(), data + sent, size - sent, MSG_NOSIGNAL);
            if (n <= 0) break;
            sent += std::size_t(n);
        }
        if (sent == size && !shut) shut = ::shutdown(client.fd.get(), SHUT_WR) == 0;
        if (turn == 1) handlers::feed_monitors(ctx); // the daemon's once-a-second tick
        one_turn(reactor);
        client.drain();
        idle = sent + client.received.size() == progress ? idle + 1 : 0;
    }
    FUZZ_CHECK(client.closed);

    // Every whole line the daemon sent is one message; count the final replies. (A connection
    // the daemon cuts off, after a line over the cap, may end inside a line: what it still
    // queued is dropped.)
    std::vector<std::size_t> finals; // where each final reply starts
    for (std::size_t pos = 0, nl; (nl = client.received.find('\n', pos)) != std::string::npos;
         pos = nl + 1) {
        json msg =
            json::parse(std::string_view(client.received).substr(pos, nl - pos), nullptr, false);
        FUZZ_CHECK(msg.is_object() && msg.contains("id"));
        FUZZ_CHECK(msg.contains("ok") != msg.contains("event"));
        if (msg.contains("ok")) finals.push_back(pos);
    }
    for (const Span& s : spans) {
        auto n = std::count_if(finals.begin(), finals.end(),
                               [&](std::size_t at) { return at >= s.begin && at < s.end; });
        FUZZ_CHECK(n <= 1);
        if (!s.streaming) FUZZ_CHECK(n == 1);
    }
    for (const auto& [id, inst] : registry.instances())
        FUZZ_CHECK(inst.pid == 0 && inst.pgid == 0 && !is_running(inst.status));
    return 0;
}
