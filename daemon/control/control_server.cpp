#include "daemon/control/control_server.hpp"

#include "daemon/reactor/reactor.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace rein::daemon {

namespace {
// A client that stops reading its replies is cut off past this much queued output.
constexpr std::size_t k_max_queued_output = 16 * 1024 * 1024;
// While this much output waits for a client, its further requests wait too: a client that
// sends requests without reading the replies cannot make the daemon hold more than one reply.
constexpr std::size_t k_read_pause_output = 1024 * 1024;
// Request bytes all clients together may hold in unfinished lines (each line is capped at
// protocol::k_max_line_bytes on its own); a client over k_long_unread is cut off past it.
constexpr std::size_t k_max_unread_total = 32 * 1024 * 1024;
constexpr std::size_t k_long_unread = 64 * 1024;
} // namespace

/// One client connection: reads request lines, queues reply lines.
class Connection : public std::enable_shared_from_this<Connection> {
  public:
    Connection(ControlServer& server, UniqueFd fd) : m_server(server), m_fd(std::move(fd)) {}

    void start() {
        m_last_active = ++m_server.m_clock; // newest first to stay when room is needed
        auto weak = weak_from_this();
        m_server.m_reactor.add(m_fd.get(), m_events, [weak](std::uint32_t ev) {
            if (auto self = weak.lock()) self->on_event(ev);
        });
        flush(); // output carried over from an earlier image (rein update)
    }

    void send(const std::string& line) {
        if (!m_fd) return;
        m_last_active = ++m_server.m_clock;
        if (m_out.size() + line.size() > k_max_queued_output) {
            spdlog::warn("control: client does not read its replies; closing it");
            close();
            return;
        }
        m_out += line;
        flush();
    }

    void reply_done() {
        if (m_pending > 0) --m_pending;
        maybe_close();
    }
    void request_started() { ++m_pending; }
    std::size_t queued_bytes() const { return m_out.size(); }
    /// Bytes of request lines received but not yet handled (counted in the server's budget).
    std::size_t unread_bytes() const { return m_in.pending(); }
    /// Nothing in flight: no request waiting for its reply, no stream, no output queued. Such a
    /// connection can be closed without losing anything (to make room for a new client).
    bool idle() const {
        if (m_pending > 0 || m_streaming || !m_out.empty() || m_in.pending() > 0) return false;
        int waiting = 0; // a request already sent but not read yet is not idleness
        return ioctl(m_fd.get(), FIONREAD, &waiting) == 0 && waiting == 0;
    }
    std::uint64_t last_active() const { return m_last_active; }
    void set_streaming() { m_streaming = true; }
    bool open() const { return bool(m_fd); }
    int fd() const { return m_fd.get(); }

    CarriedConnection carried() const {
        return {m_fd.get(), std::string(m_in.unread()), m_out, m_read_closed, m_streaming,
                m_pending};
    }
    /// Before start(): the state of a connection taken over from an earlier image.
    void restore(const CarriedConnection& c) {
        m_in.feed(c.unread);
        m_out = c.unsent;
        m_read_closed = c.read_closed;
        m_streaming = c.streaming;
        m_pending = c.pending;
        m_events = m_read_closed ? 0u : std::uint32_t(EPOLLIN);
    }

    /// Handles every complete request line received so far.
    void handle_input() {
        auto self = shared_from_this(); // handlers may close us
        while (m_fd && m_out.size() < k_read_pause_output) {
            auto line = m_in.next_line();
            if (!line) break;
            handle_line(*line);
        }
        if (m_fd && m_in.overflowed()) {
            send(protocol::to_line(protocol::error_reply(
                nullptr, protocol::code::too_large,
                "request line exceeds " + std::to_string(protocol::k_max_line_bytes) + " bytes")));
            close();
        }
    }

    void close() {
        if (!m_fd) return;
        int fd = m_fd.get();
        m_server.m_reactor.remove(fd);
        m_fd.reset();
        m_server.m_conns.erase(fd); // may destroy *this: nothing after this line
    }

  private:
    void on_event(std::uint32_t ev) {
        if (ev & EPOLLOUT) {
            bool was_paused = m_out.size() >= k_read_pause_output;
            flush();
            // Requests that waited behind the backlog are handled now that it has drained.
            if (was_paused && m_fd && m_out.size() < k_read_pause_output && m_in.pending() > 0)
                handle_input();
        }
        if (!m_fd) return;
        if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable();
    }

    void on_readable() {
        char buf[64 * 1024];
        ssize_t n = read(m_fd.get(), buf, sizeof buf);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
        if (n <= 0) {
            // The client is done sending: answer what it asked, then close.
            m_read_closed = true;
            if (m_streaming) { // a follower hung up: nothing more to answer
                close();
                return;
            }
            update_events();
            maybe_close();
            return;
        }
        m_last_active = ++m_server.m_clock;
        m_in.feed(std::string_view(buf, std::size_t(n)));
        handle_input();
        // Only a client holding a long unfinished line can push the total up: sum then.
        if (m_fd && m_in.pending() > k_long_unread &&
            m_server.unread_total() > k_max_unread_total) {
            // Many clients each holding a long unfinished line: the one that pushed the total
            // over the budget is cut off, so the daemon's memory stays bounded.
            send(protocol::to_line(protocol::error_reply(
                nullptr, protocol::code::busy,
                "the daemon holds too many unfinished requests; send whole lines")));
            close();
        }
    }

    void handle_line(const std::string& line) {
        if (line.empty()) return;
        if (protocol::json_too_deep(line)) {
            send(protocol::to_line(
                protocol::error_reply(nullptr, protocol::code::too_deep,
                                      "request nests deeper than " +
                                          std::to_string(protocol::k_max_json_depth) + " levels")));
            return;
        }
        auto req = nlohmann::json::parse(line, nullptr, false);
        if (req.is_discarded()) {
            send(protocol::to_line(
                protocol::error_reply(nullptr, protocol::code::bad_request, "invalid JSON")));
            return;
        }
        nlohmann::json id = req.is_object() && req.contains("id") ? req["id"] : nlohmann::json();
        if (!req.is_object() || !req.contains("cmd") || !req["cmd"].is_string()) {
            send(protocol::to_line(protocol::error_reply(
                id, protocol::code::bad_request, "a request is an object with a string \"cmd\"")));
            return;
        }
        request_started();
        m_server.m_dispatch(req, Responder(weak_from_this(), id));
    }

    void flush() {
        while (!m_out.empty() && m_fd) {
            ssize_t n = ::send(m_fd.get(), m_out.data(), m_out.size(), MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && errno == EAGAIN) break;
            if (n <= 0) {
                close();
                return;
            }
            m_out.erase(0, std::size_t(n));
        }
        update_events();
        maybe_close();
    }

    void update_events() {
        if (!m_fd) return;
        bool reading = !m_read_closed && m_out.size() < k_read_pause_output;
        std::uint32_t want = (reading ? std::uint32_t(EPOLLIN) : 0u) |
                             (m_out.empty() ? 0u : std::uint32_t(EPOLLOUT));
        if (want != m_events) {
            m_events = want;
            m_server.m_reactor.modify(m_fd.get(), want);
        }
    }

    void maybe_close() {
        if (m_fd && m_read_closed && m_pending == 0 && m_out.empty()) close();
    }

    ControlServer& m_server;
    UniqueFd m_fd;
    protocol::LineBuffer m_in;
    std::string m_out;
    std::uint32_t m_events = EPOLLIN;
    bool m_read_closed = false;
    bool m_streaming = false;
    int m_pending = 0;
    std::uint64_t m_last_active = 0; ///< the server's activity clock at the last read or write
};

Responder::Responder(std::weak_ptr<Connection> conn, nlohmann::json id)
    : m_conn(std::move(conn)), m_id(std::move(id)) {}

Responder Responder::to_function(std::function<void(const nlohmann::json&)> sink) {
    Responder r({}, nullptr);
    r.m_sink = std::make_shared<const std::function<void(const nlohmann::json&)>>(std::move(sink));
    return r;
}

void Responder::finish(const nlohmann::json& reply) const {
    if (m_sink) return (*m_sink)(reply);
    if (auto c = m_conn.lock()) {
        c->send(protocol::to_line(reply));
        if (c->open()) c->reply_done();
    }
}

void Responder::ok(nlohmann::json result) const {
    finish(protocol::ok_reply(m_id, std::move(result)));
}

void Responder::ok_text(std::string_view result) const {
    if (m_sink) return (*m_sink)(protocol::ok_reply(m_id, nlohmann::json::parse(result)));
    if (auto c = m_conn.lock()) {
        c->send(protocol::ok_line(m_id, result));
        if (c->open()) c->reply_done();
    }
}

void Responder::fail(std::string_view code, std::string_view message) const {
    finish(protocol::error_reply(m_id, code, message));
}

void Responder::event(nlohmann::json fields) const {
    if (auto c = m_conn.lock()) {
        fields["id"] = m_id;
        c->send(protocol::to_line(fields));
    }
}

std::size_t Responder::queued_bytes() const {
    auto c = m_conn.lock();
    return c ? c->queued_bytes() : 0;
}

void Responder::streaming() const {
    if (auto c = m_conn.lock()) c->set_streaming();
}

bool Responder::connected() const {
    auto c = m_conn.lock();
    return c && c->open();
}

int Responder::fd() const {
    auto c = m_conn.lock();
    return c ? c->fd() : -1;
}

ControlServer::ControlServer(Reactor& reactor, Dispatch dispatch)
    : m_reactor(reactor), m_dispatch(std::move(dispatch)) {}

ControlServer::~ControlServer() {
    close();
}

rein::Status ControlServer::listen(const std::string& path) {
    UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) return make_error("listen_failed", std::string("socket: ") + std::strerror(errno));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path)
        return make_error("listen_failed", "socket path too long: " + path);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    unlink(path.c_str()); // stale: the caller holds the daemon lock, so no live daemon owns it
    mode_t old = umask(0177);
    int rc = bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    umask(old);
    if (rc != 0) return make_error("listen_failed", "bind " + path + ": " + std::strerror(errno));
    chmod(path.c_str(), 0600);
    if (::listen(fd.get(), 128) != 0)
        return make_error("listen_failed", std::string("listen: ") + std::strerror(errno));
    adopt_listen(std::move(fd), path);
    return Ok{};
}

void ControlServer::adopt_listen(UniqueFd fd, const std::string& path) {
    m_listen = std::move(fd);
    m_spare.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    m_path = path;
    m_reactor.add(m_listen.get(), EPOLLIN, [this](std::uint32_t) { on_accept(); });
}

std::vector<CarriedConnection> ControlServer::carried() const {
    std::vector<CarriedConnection> out;
    for (const auto& [fd, conn] : m_conns)
        if (conn->open()) out.push_back(conn->carried());
    return out;
}

void ControlServer::adopt(const CarriedConnection& c) {
    auto conn = std::make_shared<Connection>(*this, UniqueFd(c.fd));
    m_conns[c.fd] = conn;
    conn->restore(c);
    conn->start();
    if (!c.unread.empty()) {
        std::weak_ptr<Connection> weak = conn;
        m_reactor.after(0, [weak] {
            if (auto self = weak.lock()) self->handle_input();
        });
    }
}

Responder ControlServer::responder(int fd, nlohmann::json id) const {
    auto it = m_conns.find(fd);
    return Responder(it == m_conns.end() ? std::weak_ptr<Connection>() : it->second, std::move(id));
}

void ControlServer::on_accept() {
    for (;;) {
        UniqueFd fd(accept4(m_listen.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!fd && (errno == EMFILE || errno == ENFILE)) {
            if (evict_idle()) continue; // an idle connection makes room for this one
            refuse_without_fds();
            return;
        }
        if (fd) m_out_of_fds = false;
        if (!fd) return; // EAGAIN, or a transient error: retried on the next event
        ucred cred{};
        socklen_t len = sizeof cred;
        if (getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
            (cred.uid != geteuid() && cred.uid != 0)) {
            spdlog::warn("control: refused a client of uid {}", cred.uid);
            std::string line = protocol::to_line(protocol::error_reply(
                nullptr, "forbidden", "only the daemon's own user may control it"));
            (void)!::send(fd.get(), line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            continue;
        }
        if (m_conns.size() >= k_max_connections && !evict_idle()) {
            spdlog::warn("control: {} connections busy; refused a client", m_conns.size());
            std::string line = protocol::to_line(protocol::error_reply(
                nullptr, protocol::code::busy,
                "the daemon serves at most " + std::to_string(k_max_connections) +
                    " connections at once, all busy; try again"));
            (void)!::send(fd.get(), line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            continue;
        }
        int raw = fd.get();
        auto conn = std::make_shared<Connection>(*this, std::move(fd));
        m_conns[raw] = conn;
        conn->start();
    }
}

void ControlServer::refuse_without_fds() {
    // Out of descriptors: the pending client would keep the level-triggered listen socket
    // readable and spin the loop. The spare descriptor makes room to accept it and say why.
    if (!m_out_of_fds)
        spdlog::error("control: out of file descriptors; refusing clients until some are free");
    m_out_of_fds = true;
    m_spare.reset();
    UniqueFd fd(accept4(m_listen.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (fd) {
        std::string line = protocol::to_line(protocol::error_reply(
            nullptr, protocol::code::busy, "the daemon is out of file descriptors"));
        (void)!::send(fd.get(), line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        fd.reset();
    }
    m_spare.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!fd && m_listen) {
        // Not even that: stop listening for a moment rather than spin.
        m_reactor.modify(m_listen.get(), 0);
        m_reactor.after(100, [this] {
            if (m_listen) m_reactor.modify(m_listen.get(), EPOLLIN);
        });
    }
}

bool ControlServer::evict_idle() {
    std::shared_ptr<Connection> oldest;
    for (const auto& [fd, conn] : m_conns)
        if (conn->idle() && (!oldest || conn->last_active() < oldest->last_active())) oldest = conn;
    if (!oldest) return false;
    oldest->close();
    return true;
}

std::size_t ControlServer::unread_total() const {
    std::size_t total = 0;
    for (const auto& [fd, conn] : m_conns) total += conn->unread_bytes();
    return total;
}

void ControlServer::close() {
    while (!m_conns.empty()) {
        auto conn = m_conns.begin()->second; // keep alive while it unregisters
        conn->close();
    }
    if (m_listen) {
        m_reactor.remove(m_listen.get());
        m_listen.reset();
        unlink(m_path.c_str());
    }
}

} // namespace rein::daemon
