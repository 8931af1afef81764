#include "daemon/supervision/readiness.hpp"

#include "common/protocol.hpp"

#include "daemon/reactor/reactor.hpp"

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace rein::daemon {

std::map<std::string, std::string> parse_notify(std::string_view message) {
    std::map<std::string, std::string> fields;
    while (!message.empty()) {
        auto nl = message.find('\n');
        std::string_view line = message.substr(0, nl);
        message.remove_prefix(nl == std::string_view::npos ? message.size() : nl + 1);
        auto eq = line.find('=');
        if (eq == std::string_view::npos || eq == 0) continue; // not an assignment: ignored
        fields[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
    }
    return fields;
}

NotifySocket::NotifySocket(Reactor& reactor, Handler handler)
    : m_reactor(reactor), m_handler(std::move(handler)) {}

NotifySocket::~NotifySocket() {
    if (!m_fd) return;
    m_reactor.remove(m_fd.get());
    if (!m_path.starts_with('@')) unlink(m_path.c_str());
}

rein::Status NotifySocket::bind(const std::string& path) {
    UniqueFd fd(socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) return make_error("failed", std::string("notify socket: ") + strerror(errno));
    int one = 1;
    setsockopt(fd.get(), SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path)
        return make_error("failed", "notify socket path too long: " + path);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    // '@' names an abstract socket (as in systemd's NOTIFY_SOCKET): no file, no permissions.
    const bool abstract = path.starts_with('@');
    socklen_t len = sizeof addr;
    if (abstract) {
        addr.sun_path[0] = '\0';
        len = socklen_t(offsetof(sockaddr_un, sun_path) + path.size());
    } else {
        unlink(path.c_str()); // stale: the daemon lock says no other daemon serves this home
    }
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0)
        return make_error("failed", "bind " + path + ": " + strerror(errno));
    // Apps running as another uid may notify too; the sender's pid decides what counts.
    if (!abstract) chmod(path.c_str(), 0666);
    adopt(std::move(fd), path);
    return Ok{};
}

void NotifySocket::adopt(UniqueFd fd, const std::string& path) {
    m_fd = std::move(fd);
    m_path = path;
    m_reactor.add(m_fd.get(), EPOLLIN, [this](std::uint32_t) { on_readable(); });
}

void NotifySocket::on_readable() {
    for (int budget = 0; budget < 64; ++budget) { // a chatty app cannot hold the loop
        char buf[4096];
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
        iovec iov{buf, sizeof buf};
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        ssize_t n = recvmsg(m_fd.get(), &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0) return; // EAGAIN: drained
        pid_t sender = 0;
        for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
                ucred cred{};
                std::memcpy(&cred, CMSG_DATA(c), sizeof cred);
                sender = cred.pid;
            }
        }
        if (sender > 0) m_handler(sender, std::string_view(buf, std::size_t(n)));
    }
}

NodeChannel::NodeChannel(Reactor& reactor, UniqueFd fd, std::function<void()> on_ready,
                         std::function<void()> on_close)
    : m_reactor(reactor), m_fd(std::move(fd)), m_on_ready(std::move(on_ready)),
      m_on_close(std::move(on_close)) {
    m_reactor.add(m_fd.get(), EPOLLIN, [this](std::uint32_t) { on_readable(); });
}

NodeChannel::~NodeChannel() {
    if (m_fd) m_reactor.remove(m_fd.get());
}

bool NodeChannel::send(std::string_view line) {
    if (!m_fd) return false;
    // A few bytes on a socket nobody has written to: it either takes them whole or is broken.
    ssize_t n = ::send(m_fd.get(), line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    return n == ssize_t(line.size());
}

void NodeChannel::on_readable() {
    char buf[4096];
    ssize_t n = read(m_fd.get(), buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {
        m_reactor.remove(m_fd.get());
        m_fd.reset();
        auto done = std::move(m_on_close); // may destroy this object
        if (done) done();
        return;
    }
    m_buf.append(buf, std::size_t(n));
    if (m_buf.size() > 64 * 1024) m_buf.clear(); // not a message we understand; keep memory flat
    for (auto nl = m_buf.find('\n'); nl != std::string::npos; nl = m_buf.find('\n')) {
        auto msg = protocol::parse_untrusted(std::string_view(m_buf).substr(0, nl));
        m_buf.erase(0, nl + 1);
        if (msg == "ready" || (msg.is_object() && msg.value("type", "") == "ready")) m_on_ready();
    }
}

} // namespace rein::daemon
