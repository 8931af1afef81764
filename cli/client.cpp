#include "cli/client.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace rein::cli {

int daemon_timeout_ms() {
    const char* v = std::getenv("REIN_TIMEOUT");
    if (!v || !*v) return 10000;
    char* end = nullptr;
    double secs = std::strtod(v, &end);
    if (end == v || *end != '\0' || !(secs > 0)) return 10000;
    return int(std::min(secs, 86400.0) * 1000);
}

namespace {

std::string no_answer(const Paths& paths) {
    std::string pid;
    if (FILE* f = std::fopen((paths.home + "/reind.pid").c_str(), "re")) {
        int n = 0;
        if (std::fscanf(f, "%d", &n) == 1) pid = " (pid " + std::to_string(n) + ")";
        std::fclose(f);
    }
    return "the daemon" + pid + " does not answer within " +
           std::to_string(daemon_timeout_ms() / 1000.0).substr(0, 4) +
           " s (stopped, or overloaded?); REIN_TIMEOUT sets the wait in seconds";
}

/// Connects without blocking: a daemon that does not accept (stopped, its backlog full) makes
/// connect() fail with EAGAIN, retried until the deadline.
Result<UniqueFd> connect_socket(const Paths& paths, int timeout_ms) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::string path = paths.socket();
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    for (int waited = 0;; waited += 5) {
        UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
        if (!fd) return make_error("failed", std::string("socket: ") + std::strerror(errno));
        if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
            fcntl(fd.get(), F_SETFL, fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
            return fd;
        }
        int e = errno;
        if (e == ENOENT || e == ECONNREFUSED)
            return make_error("no_daemon", "no daemon answers at " + path);
        if (e != EAGAIN && e != EINTR)
            return make_error("failed", "cannot connect to " + path + ": " + std::strerror(e));
        if (waited >= timeout_ms) return make_error("timeout", no_answer(paths));
        usleep(5000);
    }
}

/// True when the daemon answers a ping on a connection of its own within the time-out.
bool daemon_answers(const Paths& paths) {
    int timeout = daemon_timeout_ms();
    auto fd = connect_socket(paths, timeout);
    if (!fd) return false;
    std::string line = protocol::to_line({{"id", 0}, {"cmd", "ping"}});
    if (::send(fd->get(), line.data(), line.size(), MSG_NOSIGNAL) != ssize_t(line.size()))
        return false;
    pollfd p{fd->get(), POLLIN, 0};
    return poll(&p, 1, timeout) > 0;
}

} // namespace

Result<Client> Client::connect(const Paths& paths) {
    auto fd = connect_socket(paths, daemon_timeout_ms());
    if (!fd) return fd.error();
    return Client(std::move(*fd), paths);
}

Status Client::wait_ready(short events) {
    for (;;) {
        pollfd p{m_fd.get(), events, 0};
        int n = poll(&p, 1, daemon_timeout_ms());
        if (n > 0) return Ok{};
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return make_error("failed", std::string("poll: ") + std::strerror(errno));
        if (!daemon_answers(m_paths)) return make_error("timeout", no_answer(m_paths));
    }
}

Result<nlohmann::json> Client::read_message() {
    for (;;) {
        if (auto line = m_in.next_line()) {
            auto msg = protocol::parse_untrusted(*line);
            if (msg.is_discarded() || !msg.is_object())
                return make_error("failed", "the daemon sent a malformed reply");
            return msg;
        }
        if (auto ready = wait_ready(POLLIN); !ready) return ready.error();
        char buf[64 * 1024];
        ssize_t n = read(m_fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return make_error("failed", "the daemon closed the connection");
        m_in.feed(std::string_view(buf, std::size_t(n)));
        if (m_in.overflowed())
            return make_error("failed", "the daemon sent a reply line over the protocol's limit");
    }
}

static Result<nlohmann::json> unwrap(const nlohmann::json& reply) {
    if (reply.value("ok", false))
        return reply.contains("result") ? reply["result"] : nlohmann::json();
    const auto& err = reply.contains("error") ? reply["error"] : nlohmann::json::object();
    return make_error(err.value("code", "failed"), err.value("message", "the daemon failed"));
}

Result<long long> Client::send_request(const std::string& cmd, nlohmann::json params) {
    long long id = m_next_id++;
    params["id"] = id;
    params["cmd"] = cmd;
    std::string line = protocol::to_line(params);
    if (line.size() - 1 > protocol::k_max_line_bytes)
        return make_error("too_large",
                          "the '" + cmd + "' request is " + std::to_string(line.size() - 1) +
                              " bytes, over the control protocol's limit of " +
                              std::to_string(protocol::k_max_line_bytes) +
                              " bytes per request (fewer apps per file, or a smaller env)");
    std::size_t off = 0;
    while (off < line.size()) {
        if (auto ready = wait_ready(POLLOUT); !ready) return ready.error();
        ssize_t n =
            ::send(m_fd.get(), line.data() + off, line.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n <= 0) return make_error("failed", "the daemon closed the connection");
        off += std::size_t(n);
    }
    return id;
}

Result<std::vector<nlohmann::json>> Client::read_available() {
    char buf[64 * 1024];
    ssize_t n = read(m_fd.get(), buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return std::vector<nlohmann::json>{};
    if (n <= 0) return make_error("failed", "the daemon closed the connection");
    m_in.feed(std::string_view(buf, std::size_t(n)));
    std::vector<nlohmann::json> out;
    while (auto line = m_in.next_line()) {
        auto msg = protocol::parse_untrusted(*line);
        if (msg.is_object()) out.push_back(std::move(msg));
    }
    return out;
}

Result<nlohmann::json> Client::stream(const std::string& cmd, nlohmann::json params,
                                      const std::function<bool(const nlohmann::json&)>& on_event) {
    auto sent = send_request(cmd, std::move(params));
    if (!sent) return sent.error();
    long long id = *sent;
    for (;;) {
        auto msg = read_message();
        if (!msg) return msg;
        if (msg->contains("event")) {
            if (!on_event || !on_event(*msg)) return nlohmann::json();
            continue;
        }
        auto rid = msg->value("id", nlohmann::json());
        if (!rid.is_null() && rid != nlohmann::json(id))
            continue; // not ours (cannot happen with requests in turn, but never mis-attribute)
        return unwrap(*msg);
    }
}

bool Client::wait_closed(int timeout_ms) {
    char buf[4096];
    pollfd p{m_fd.get(), POLLIN, 0};
    while (poll(&p, 1, timeout_ms) > 0) {
        ssize_t n = read(m_fd.get(), buf, sizeof buf);
        if (n == 0) return true;
        if (n < 0 && errno != EINTR) return true;
    }
    return false;
}

Result<nlohmann::json> Client::call(const std::string& cmd, nlohmann::json params) {
    return stream(cmd, std::move(params), nullptr);
}

} // namespace rein::cli
