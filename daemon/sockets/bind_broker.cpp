#include "daemon/sockets/bind_broker.hpp"

#include "common/files.hpp"
#include "daemon/install_paths.hpp"
#include "daemon/reactor/clock.hpp"
#include "daemon/sockets/fd_passing.hpp"
#include "daemon/supervision/process_tree.hpp"
#include "preload/bind_protocol.h"

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

namespace rein::daemon {

namespace {

constexpr int k_request_timeout_ms = 5000;
constexpr std::size_t k_max_pending = 256; // connections that connected and said nothing yet
constexpr int k_max_ancestors = 64;        // a deeper process chain is not an instance's
constexpr unsigned k_cap_net_bind_service = 10;

// A field of /proc/PID/status ("CapEff", "Umask"), "" when absent.
std::string status_field(pid_t pid, const std::string& name) {
    std::string text = read_proc_text("/proc/" + std::to_string(pid) + "/status", 16384);
    std::string key = "\n" + name + ":";
    auto at = text.find(key);
    if (at == std::string::npos) return {};
    at = text.find_first_not_of(" \t", at + key.size());
    if (at == std::string::npos) return {};
    return text.substr(at, text.find('\n', at) - at);
}

// The lowest port that needs no privilege (net.ipv4.ip_unprivileged_port_start).
int unprivileged_port_start() {
    std::string v = read_proc_text("/proc/sys/net/ipv4/ip_unprivileged_port_start", 32);
    return v.empty() ? 1024 : std::atoi(v.c_str());
}

// The daemon grants no privilege the process lacks: a low port needs CAP_NET_BIND_SERVICE in
// its effective set (root has it).
bool may_bind_low_port(pid_t pid) {
    std::string caps = status_field(pid, "CapEff");
    if (caps.empty()) return false;
    unsigned long long bits = std::strtoull(caps.c_str(), nullptr, 16);
    return (bits >> k_cap_net_bind_service) & 1ULL;
}

int port_of(const sockaddr_storage& a) {
    if (a.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(a).sin_port);
    if (a.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(a).sin6_port);
    return 0;
}

// The instance that `pid` is, or descends from (a worker it forked).
Instance* instance_of(Registry& registry, pid_t pid) {
    Instance* inst = nullptr;
    for (int depth = 0; pid > 1 && !inst && depth < k_max_ancestors; ++depth, pid = parent_of(pid))
        inst = registry.find_by_pid(pid);
    return inst;
}

// The socket of `set` bound to `address`, or -1.
int find_bound(const ListenSet* set, const std::string& address) {
    if (!set) return -1;
    for (const auto& fd : set->fds)
        if (bound_address(fd.get()) == address) return fd.get();
    return -1;
}

// A Unix socket path made absolute against the requester's working directory (bind() of a
// relative path means the caller's), or "" when that cannot be known.
std::string absolute_unix_path(pid_t pid, const rein_bind_request& req) {
    const auto base = offsetof(sockaddr_un, sun_path);
    const char* p = reinterpret_cast<const char*>(&req.addr) + base;
    std::string path(p, strnlen(p, req.addr_len - base));
    if (path.starts_with('/')) return path;
    char cwd[4096];
    ssize_t n = readlink(("/proc/" + std::to_string(pid) + "/cwd").c_str(), cwd, sizeof cwd - 1);
    if (n <= 0) return {};
    return std::string(cwd, std::size_t(n)) + "/" + path;
}

} // namespace

BindBroker::BindBroker(Reactor& reactor, Registry& registry)
    : m_reactor(reactor), m_registry(registry) {}

BindBroker::~BindBroker() {
    for (auto& [fd, p] : m_pending) {
        m_reactor.remove(fd);
        m_reactor.cancel(p.timer);
    }
    if (m_fd) m_reactor.remove(m_fd.get());
}

rein::Status BindBroker::listen(const std::string& name) {
    UniqueFd fd(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (!fd || !name.starts_with('@') || name.size() >= sizeof addr.sun_path)
        return make_error("failed", "bind hand-off socket " + name + ": " + strerror(errno));
    std::memcpy(addr.sun_path, name.data(), name.size());
    addr.sun_path[0] = '\0';
    auto len = socklen_t(offsetof(sockaddr_un, sun_path) + name.size());
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::listen(fd.get(), 128) != 0)
        return make_error("failed", "bind hand-off socket " + name + ": " + strerror(errno));
    m_fd = std::move(fd);
    m_reactor.add(m_fd.get(), EPOLLIN, [this](std::uint32_t) { on_accept(); });
    return Ok{};
}

void BindBroker::on_accept() {
    for (int budget = 0; budget < 64; ++budget) {
        int c = accept4(m_fd.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (c < 0) return;
        UniqueFd conn(c);
        // Over the limit the connection closes unanswered: that app binds by itself.
        if (m_pending.size() >= k_max_pending) continue;
        Pending& p = m_pending[c];
        p.conn = std::move(conn);
        p.timer = m_reactor.after(k_request_timeout_ms, [this, c] { drop(c); });
        m_reactor.add(c, EPOLLIN, [this, c](std::uint32_t) { on_request(c); });
    }
}

void BindBroker::drop(int conn) {
    auto it = m_pending.find(conn);
    if (it == m_pending.end()) return;
    m_reactor.remove(conn);
    m_reactor.cancel(it->second.timer);
    m_pending.erase(it);
}

void BindBroker::on_request(int conn) {
    char buf[sizeof(rein_bind_request) + 1];
    ssize_t n = recv(conn, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    rein_bind_reply reply{REIN_BIND_MAGIC, REIN_BIND_DECLINE};
    Answer a;
    ucred peer{};
    socklen_t len = sizeof peer;
    rein_bind_request req{};
    if (n > 0 && rein_bind_decode(buf, std::size_t(n), &req) == 0 &&
        getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &peer, &len) == 0 && peer.pid > 0) {
        a = answer(peer, req);
        reply.error = a.error;
    }
    // A fresh connection's buffer is empty: a reply this small never waits.
    (void)!send_with_fd(conn, &reply, sizeof reply, reply.error == 0 ? a.fd : -1, MSG_DONTWAIT);
    drop(conn);
}

BindBroker::Answer BindBroker::answer(const ucred& peer, const rein_bind_request& req) {
    Answer decline;
    Instance* inst = instance_of(m_registry, peer.pid);
    if (!inst || !is_running(inst->status)) return decline;
    App* app = m_registry.find_app(inst->app);
    if (!app || !app->spec.bind_handoff || app->spec.exec_mode != ExecMode::cluster) return decline;

    sockaddr_storage addr = req.addr;
    auto len = socklen_t(req.addr_len);
    std::string unix_path;
    if (addr.ss_family == AF_UNIX) {
        // The daemon cannot tell what another user may create in a folder: such an app binds
        // its Unix paths itself (docs/cluster.md).
        if (peer.uid != geteuid()) return decline;
        unix_path = absolute_unix_path(peer.pid, req);
        auto& un = reinterpret_cast<sockaddr_un&>(addr);
        if (unix_path.empty()) return decline;
        if (unix_path.size() >= sizeof un.sun_path) return {ENAMETOOLONG, -1};
        std::memset(un.sun_path, 0, sizeof un.sun_path);
        std::memcpy(un.sun_path, unix_path.data(), unix_path.size());
        len = socklen_t(offsetof(sockaddr_un, sun_path) + unix_path.size() + 1);
    }
    std::string address = format_address(reinterpret_cast<sockaddr*>(&addr), len);
    if (address.empty()) return decline;
    auto refuse = [&](int error, const std::string& why) {
        std::string line = "bind " + address + " refused: " + why;
        spdlog::warn("{}[{}]: {}", app->spec.name, inst->id, line);
        app->logs->add_line(inst->id, Stream::err, "rein: " + line, wall_ms());
        return Answer{error, -1};
    };

    // The app's own socket: every instance gets the same one.
    for (const ListenSet* set : {app->sockets.get(), app->handed.get()})
        if (int fd = find_bound(set, address); fd >= 0) return {0, fd};
    for (const auto& [name, other] : m_registry.apps())
        if (&other != app && (find_bound(other.sockets.get(), address) >= 0 ||
                              find_bound(other.handed.get(), address) >= 0))
            return refuse(EADDRINUSE, "address in use (by app " + name + ")");
    int port = port_of(addr);
    if (addr.ss_family != AF_UNIX && port < unprivileged_port_start() &&
        !may_bind_low_port(peer.pid))
        return refuse(EACCES, "port " + std::to_string(port) +
                                  " needs root or CAP_NET_BIND_SERVICE, which the app lacks");

    UniqueFd fd(socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) return refuse(errno, std::string("socket: ") + strerror(errno));
    int one = 1;
    if (req.flags & REIN_BIND_REUSEADDR)
        setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (req.flags & REIN_BIND_REUSEPORT)
        setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if (addr.ss_family == AF_INET6) {
        int v6only = (req.flags & REIN_BIND_V6ONLY) ? 1 : 0;
        setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
    }
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0) {
        int e = errno;
        std::string holder = e == EADDRINUSE && port ? port_holder(port) : "";
        return refuse(e, std::string(strerror(e)) + holder);
    }
    if (!unix_path.empty()) {
        // The file gets the mode the app's own bind() would have given it (its umask).
        std::string umask = status_field(peer.pid, "Umask");
        mode_t mask = umask.empty() ? 022 : mode_t(std::strtoul(umask.c_str(), nullptr, 8));
        chmod(unix_path.c_str(), 0777 & ~mask);
    }
    if (::listen(fd.get(), k_listen_backlog) != 0) return refuse(errno, strerror(errno));
    if (!app->handed) app->handed = std::make_shared<ListenSet>();
    app->handed->specs.push_back({address, 0666});
    if (!unix_path.empty()) app->handed->unix_paths.push_back(unix_path);
    int raw = fd.get();
    app->handed->fds.push_back(std::move(fd));
    m_registry.changed(); // the holder must keep it too
    spdlog::info("{}[{}]: bound {} for the app (bind hand-off)", app->spec.name, inst->id, address);
    return {0, raw};
}

void add_bind_handoff_env(std::map<std::string, std::string>& env, const Paths& paths) {
    std::string lib = companion_path(Companion::bind_library);
    if (lib.empty()) {
        static bool told = false; // once: every spawn of every cluster app would say it again
        if (!told)
            spdlog::warn("librein-bind.so is neither next to reind, nor in {} from it, nor at "
                         "$REIN_PRELOAD: apps in cluster mode bind their ports themselves "
                         "(docs/cluster.md)",
                         companion_install_dir(Companion::bind_library));
        told = true;
        return remove_bind_handoff_env(env);
    }
    std::string& preload = env["LD_PRELOAD"];
    if (preload.find(lib) == std::string::npos)
        preload = preload.empty() ? lib : lib + ":" + preload;
    env[REIN_BIND_ENV] = paths.bind_socket();
    // An app built with AddressSanitizer refuses to start when a preloaded library comes before
    // its runtime. Ours replaces bind() and listen() only, so that order is harmless.
    std::string& asan = env["ASAN_OPTIONS"];
    if (asan.find("verify_asan_link_order") == std::string::npos)
        asan += (asan.empty() ? "" : ":") + std::string("verify_asan_link_order=0");
}

void remove_bind_handoff_env(std::map<std::string, std::string>& env) {
    // Without the socket variable a preloaded library stays inert: LD_PRELOAD the user set is
    // theirs to keep.
    env.erase(REIN_BIND_ENV);
}

} // namespace rein::daemon
