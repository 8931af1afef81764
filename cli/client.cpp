#include "cli/client.hpp"

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace rein::cli {

Result<Client> Client::connect(const Paths& paths) {
    UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) return make_error("failed", std::string("socket: ") + std::strerror(errno));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::string path = paths.socket();
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        int e = errno;
        if (e == ENOENT || e == ECONNREFUSED)
            return make_error("no_daemon", "no daemon answers at " + path);
        return make_error("failed", "cannot connect to " + path + ": " + std::strerror(e));
    }
    return Client(std::move(fd));
}

Result<nlohmann::json> Client::read_message() {
    for (;;) {
        if (auto line = m_in.next_line()) {
            auto msg = nlohmann::json::parse(*line, nullptr, false);
            if (msg.is_discarded() || !msg.is_object())
                return make_error("failed", "the daemon sent a malformed reply");
            return msg;
        }
        char buf[64 * 1024];
        ssize_t n = read(m_fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return make_error("failed", "the daemon closed the connection");
        m_in.feed(std::string_view(buf, std::size_t(n)));
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
    std::size_t off = 0;
    while (off < line.size()) {
        ssize_t n = ::send(m_fd.get(), line.data() + off, line.size() - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
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
        auto msg = nlohmann::json::parse(*line, nullptr, false);
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
