#include "daemon/metrics/http_endpoint.hpp"

#include "daemon/sockets/listen_sockets.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace rein::daemon::metrics {

namespace {

constexpr std::size_t k_max_head = 8192;
constexpr std::size_t k_max_conns = 16;
constexpr std::int64_t k_head_timeout_ms = 5000;
// Once answering: a body of thousands of series to a slow scraper still has an end.
constexpr std::int64_t k_write_timeout_ms = 30000;

std::string response(std::string_view status, std::string_view type, std::string_view body) {
    std::string r;
    r.reserve(body.size() + 160);
    r += "HTTP/1.1 ";
    r += status;
    r += "\r\nContent-Type: ";
    r += type;
    r += "\r\nContent-Length: ";
    r += std::to_string(body.size());
    r += "\r\nConnection: close\r\n\r\n";
    r += body;
    return r;
}

Result<UniqueFd> bind_address(const ListenAddress& a) {
    auto fail = [&](const char* what) {
        return make_error("bind_failed", "cannot serve metrics on " + a.to_string() + ": " + what +
                                             ": " + std::strerror(errno));
    };
    if (a.kind == ListenAddress::Kind::unix_path) {
        UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        if (!fd) return fail("socket");
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::memcpy(addr.sun_path, a.path.c_str(), a.path.size() + 1);
        // A socket left by an earlier image (rein update) or a daemon that died is replaced.
        struct stat st {};
        if (lstat(a.path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) unlink(a.path.c_str());
        mode_t old = umask(0177); // 0600 from the start: no moment where others may connect
        int rc = bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        umask(old);
        if (rc != 0) return fail("bind");
        if (::listen(fd.get(), 64) != 0) return fail("listen");
        return fd;
    }
    bool v6 = a.host.find(':') != std::string::npos;
    UniqueFd fd(socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) return fail("socket");
    int one = 1;
    // rein update binds the same port again right after the old image's socket closed.
    setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int rc;
    if (v6) {
        setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        sockaddr_in6 addr{};
        addr.sin6_family = AF_INET6;
        addr.sin6_port = htons(uint16_t(a.port));
        inet_pton(AF_INET6, a.host.c_str(), &addr.sin6_addr);
        rc = bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    } else {
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(uint16_t(a.port));
        inet_pton(AF_INET, a.host.c_str(), &addr.sin_addr);
        rc = bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    }
    if (rc != 0 && errno == EADDRINUSE)
        return make_error("address_in_use", "cannot serve metrics on " + a.to_string() +
                                                ": the address is in use" + port_holder(a.port));
    if (rc != 0) return fail("bind");
    if (::listen(fd.get(), 64) != 0) return fail("listen");
    return fd;
}

} // namespace

HttpEndpoint::HttpEndpoint(Reactor& reactor, std::function<std::string()> render)
    : m_reactor(reactor), m_render(std::move(render)) {}

HttpEndpoint::~HttpEndpoint() {
    if (m_retry) m_reactor.cancel(m_retry);
    while (!m_conns.empty()) close_conn(m_conns.begin()->first);
    if (m_accepting) m_reactor.remove(m_listen.get());
    if (!m_unix_path.empty()) unlink(m_unix_path.c_str());
}

rein::Status HttpEndpoint::listen(const ListenAddress& addr) {
    auto fd = bind_address(addr);
    if (!fd) return fd.error();
    m_listen = std::move(*fd);
    m_address = addr.kind == ListenAddress::Kind::unix_path ? addr.to_string()
                                                            : bound_address(m_listen.get());
    if (addr.kind == ListenAddress::Kind::unix_path) m_unix_path = addr.path;
    update_accepting();
    return Ok{};
}

void HttpEndpoint::update_accepting() {
    bool want = m_listen && !m_out_of_fds && m_conns.size() < k_max_conns;
    if (want == m_accepting) return;
    m_accepting = want;
    if (want)
        m_reactor.add(m_listen.get(), EPOLLIN, [this](std::uint32_t) { accept_all(); });
    else
        m_reactor.remove(m_listen.get());
}

void HttpEndpoint::accept_all() {
    while (m_conns.size() < k_max_conns) {
        UniqueFd fd(accept4(m_listen.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!fd && (errno == EMFILE || errno == ENFILE)) {
            // The scraper stays in the backlog, keeping the level-triggered socket readable:
            // look again in a moment rather than spin (the control socket has its own reserve).
            m_out_of_fds = true;
            m_retry = m_reactor.after(100, [this] {
                m_retry = 0;
                m_out_of_fds = false;
                update_accepting();
            });
            break;
        }
        if (!fd) break; // EAGAIN, or a client that gave up meanwhile
        int raw = fd.get();
        auto c = std::make_unique<Conn>();
        c->fd = std::move(fd);
        c->timer = m_reactor.after(k_head_timeout_ms, [this, raw] {
            if (auto it = m_conns.find(raw); it != m_conns.end()) it->second->timer = 0;
            close_conn(raw);
        });
        m_conns.emplace(raw, std::move(c));
        m_reactor.add(raw, EPOLLIN | EPOLLRDHUP, [this, raw](std::uint32_t ev) { on_io(raw, ev); });
    }
    update_accepting();
}

void HttpEndpoint::on_io(int fd, std::uint32_t events) {
    auto it = m_conns.find(fd);
    if (it == m_conns.end()) return;
    Conn& c = *it->second;
    if (!c.out.empty()) {
        if (events & (EPOLLERR | EPOLLHUP)) return close_conn(fd);
        return write_out(c);
    }
    char buf[4096];
    bool ended = false; // a client may shut its side down once its request is sent
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) break;
        if (n <= 0) {
            ended = true;
            break;
        }
        c.in.append(buf, std::size_t(n));
        if (c.in.size() > k_max_head) return close_conn(fd);
    }
    auto end = c.in.find("\r\n\r\n");
    if (end == std::string::npos) end = c.in.find("\n\n");
    if (end == std::string::npos) {
        // Gone before its request was whole: nobody to answer.
        if (ended || (events & (EPOLLRDHUP | EPOLLHUP))) close_conn(fd);
        return;
    }
    c.out = answer(std::string_view(c.in).substr(0, end));
    c.in.clear();
    m_reactor.cancel(c.timer);
    c.timer = m_reactor.after(k_write_timeout_ms, [this, fd] {
        if (auto found = m_conns.find(fd); found != m_conns.end()) found->second->timer = 0;
        close_conn(fd);
    });
    m_reactor.modify(fd, EPOLLOUT);
    write_out(c);
}

std::string HttpEndpoint::answer(std::string_view head) {
    std::string_view line = head.substr(0, head.find_first_of("\r\n"));
    auto sp1 = line.find(' ');
    auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos)
        return response("400 Bad Request", "text/plain; charset=utf-8", "bad request\n");
    std::string_view method = line.substr(0, sp1);
    std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    target = target.substr(0, target.find('?'));
    if (target != "/metrics" && target != "/")
        return response("404 Not Found", "text/plain; charset=utf-8",
                        "not found: the metrics are at /metrics\n");
    if (method != "GET" && method != "HEAD")
        return response("405 Method Not Allowed", "text/plain; charset=utf-8",
                        "only GET is served\n");
    std::string r =
        target == "/" ? response("200 OK", "text/plain; charset=utf-8",
                                 "rein daemon: the Prometheus metrics are at /metrics\n")
                      : response("200 OK", "text/plain; version=0.0.4; charset=utf-8", m_render());
    if (method == "HEAD") r.erase(r.find("\r\n\r\n") + 4);
    return r;
}

void HttpEndpoint::write_out(Conn& c) {
    int fd = c.fd.get();
    while (c.sent < c.out.size()) {
        ssize_t n = send(fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return; // EPOLLOUT brings us back
        if (n <= 0) return close_conn(fd);
        c.sent += std::size_t(n);
    }
    shutdown(fd, SHUT_WR);
    close_conn(fd);
}

void HttpEndpoint::close_conn(int fd) {
    auto it = m_conns.find(fd);
    if (it == m_conns.end()) return;
    if (it->second->timer) m_reactor.cancel(it->second->timer);
    m_reactor.remove(fd);
    m_conns.erase(it);
    update_accepting();
}

} // namespace rein::daemon::metrics
