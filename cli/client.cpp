#include "cli/client.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace rein::cli {

using namespace std::chrono_literals;

int daemon_timeout_ms() {
    const char* v = std::getenv("REIN_TIMEOUT");
    if (!v || !*v) return 10000;
    char* end = nullptr;
    double secs = std::strtod(v, &end);
    if (end == v || *end != '\0' || !(secs > 0)) return 10000;
    return int(std::min(secs, 86400.0) * 1000);
}

namespace {

// The pid in reind.pid, or 0.
int daemon_pid(const Paths& paths) {
    int n = 0;
    if (FILE* f = std::fopen((paths.home + "/reind.pid").c_str(), "re")) {
        if (std::fscanf(f, "%d", &n) != 1) n = 0;
        std::fclose(f);
    }
    return n;
}

// True when /proc says the process is stopped (SIGSTOP, or a debugger's stop): it cannot
// answer until someone continues it, so waiting longer is pointless.
bool is_stopped(int pid) {
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE* f = std::fopen(path, "re");
    if (!f) return false;
    char buf[1024];
    std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    buf[n] = '\0';
    const char* paren = std::strrchr(buf, ')'); // the name may hold spaces and parentheses
    return paren && paren[1] == ' ' && (paren[2] == 'T' || paren[2] == 't');
}

// The one sentence for a daemon that said nothing within the wait: why, when /proc tells.
std::string no_answer(const Paths& paths) {
    int pid = daemon_pid(paths);
    if (pid > 0 && is_stopped(pid))
        return "the daemon (pid " + std::to_string(pid) +
               ") is stopped (SIGSTOP?) and does not answer; REIN_TIMEOUT sets the wait";
    std::string named = pid > 0 ? " (pid " + std::to_string(pid) + ")" : "";
    return "the daemon" + named + " does not answer within " +
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

// A ping on a connection of its own, driven by the caller's poll loop: it tells a daemon that
// is busy with the caller's request (it answers the ping) from one that answers nothing.
class Ping {
  public:
    explicit Ping(const Paths& paths) : m_paths(paths) {}
    /// Connects and sends when not done yet; a full backlog (EAGAIN) is retried next time.
    void advance() {
        if (m_sent) return;
        auto fd = connect_socket(m_paths, 0);
        if (!fd) return;
        std::string line = protocol::to_line({{"id", 0}, {"cmd", "ping"}});
        if (::send(fd->get(), line.data(), line.size(), MSG_NOSIGNAL) != ssize_t(line.size()))
            return;
        m_fd = std::move(*fd);
        m_sent = true;
    }
    /// The descriptor to poll for the answer, or -1 while not sent (poll ignores it).
    int fd() const { return m_sent ? m_fd.get() : -1; }

  private:
    const Paths& m_paths;
    UniqueFd m_fd;
    bool m_sent = false;
};

} // namespace

namespace {
// The connection remote_env() read the host's environment on, until the command connects.
std::optional<Client>& kept_remote() {
    static std::optional<Client> client;
    return client;
}
} // namespace

Result<std::map<std::string, std::string>> remote_env() {
    auto spawned = spawn_ssh(*remote(), true, true);
    if (!spawned) return spawned.error();
    Client client(std::move(spawned->first), Paths{}, std::move(spawned->second));
    auto hello = client.read_message();
    if (!hello) return hello.error();
    auto it = hello->find("env");
    if (it == hello->end() || !it->is_object())
        return make_error("failed", "rein proxy on " + client.m_ssh.label() +
                                        " sent no environment first (an older rein there?)");
    std::map<std::string, std::string> env;
    for (const auto& [key, value] : it->items())
        if (value.is_string()) env[key] = value.get<std::string>();
    kept_remote() = std::move(client);
    return env;
}

Result<Client> connect_remote(bool start) {
    if (start && kept_remote()) {
        Client client = std::move(*kept_remote());
        kept_remote().reset();
        return client;
    }
    auto spawned = spawn_ssh(*remote(), start, false);
    if (!spawned) return spawned.error();
    return Client(std::move(spawned->first), Paths{}, std::move(spawned->second));
}

Error Client::closed() {
    if (!m_ssh.active()) return make_error("failed", "the daemon closed the connection");
    if (m_answered)
        return make_error("failed", "the connection to " + m_ssh.label() + " over ssh closed");
    return m_ssh.ended();
}

Result<Client> Client::connect(const Paths& paths) {
    if (remote()) return connect_remote(false);
    auto fd = connect_socket(paths, daemon_timeout_ms());
    if (!fd) return fd.error();
    return Client(std::move(*fd), paths);
}

Status Client::wait_ready(short events) {
    if (m_ssh.active()) {
        // Over ssh there is no second connection to ask: ssh's own keep-alives
        // (ServerAliveInterval) tell a dead link; a closed one shows as readable.
        pollfd p{m_fd.get(), events, 0};
        while (poll(&p, 1, -1) < 0)
            if (errno != EINTR)
                return make_error("failed", std::string("poll: ") + std::strerror(errno));
        return Ok{};
    }
    using Clock = std::chrono::steady_clock;
    const auto wait = std::chrono::milliseconds(daemon_timeout_ms());
    for (;;) {
        // Half of the wait for the reply alone; then a ping goes out beside it, so that the
        // whole wait for a daemon that answers nothing stays REIN_TIMEOUT.
        const auto start = Clock::now(), half = start + wait / 2, deadline = start + wait;
        std::optional<Ping> ping;
        bool busy = false;
        while (!busy) {
            auto now = Clock::now();
            if (now >= deadline) return make_error("timeout", no_answer(m_paths));
            if (now >= half && !ping) ping.emplace(m_paths);
            if (ping) ping->advance();
            // While the ping waits for room in the backlog, look again every 20 ms.
            auto until = ping ? (ping->fd() < 0 ? std::min(deadline, now + 20ms) : deadline) : half;
            int ms = int(std::chrono::ceil<std::chrono::milliseconds>(until - now).count());
            pollfd p[2] = {{m_fd.get(), events, 0}, {ping ? ping->fd() : -1, POLLIN, 0}};
            int n = poll(p, 2, std::max(ms, 0));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return make_error("failed", std::string("poll: ") + std::strerror(errno));
            if (p[0].revents) return Ok{};
            // Any sign of life on the ping's connection (an answer, or a close): the daemon
            // runs and is busy with this request (a stop waiting out kill_timeout): wait on.
            busy = p[1].revents != 0;
        }
    }
}

static Result<nlohmann::json> parse_message(std::string_view line) {
    auto msg = protocol::parse_untrusted(line);
    if (msg.is_discarded() || !msg.is_object())
        return make_error("failed", "the daemon sent a malformed reply");
    return msg;
}

Result<nlohmann::json> Client::read_message() {
    auto line = read_line();
    if (!line) return line.error();
    return parse_message(*line);
}

Result<std::string> Client::read_line() {
    for (;;) {
        if (auto line = m_in.next_line()) return std::move(*line);
        if (auto ready = wait_ready(POLLIN); !ready) return ready.error();
        char buf[64 * 1024];
        ssize_t n = read(m_fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return closed();
        m_answered = true;
        m_in.feed(std::string_view(buf, std::size_t(n)));
        if (m_in.overflowed())
            return make_error("failed", "the daemon sent a reply line over the protocol's limit");
    }
}

// Moves the result out: a copy of a large reply (the rows of a list) costs a CLI call.
static Result<nlohmann::json> unwrap(nlohmann::json&& reply) {
    if (reply.value("ok", false))
        return reply.contains("result") ? std::move(reply["result"]) : nlohmann::json();
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
        if (n <= 0) return closed();
        off += std::size_t(n);
    }
    return id;
}

Result<std::vector<nlohmann::json>> Client::read_available() {
    char buf[64 * 1024];
    ssize_t n = read(m_fd.get(), buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return std::vector<nlohmann::json>{};
    if (n <= 0) return closed();
    m_answered = true;
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
        return unwrap(std::move(*msg));
    }
}

Result<std::string> Client::call_line(const std::string& cmd, nlohmann::json params) {
    auto sent = send_request(cmd, std::move(params));
    if (!sent) return sent.error();
    return read_line();
}

Result<nlohmann::json> Client::parse_reply(std::string_view line) {
    auto msg = parse_message(line);
    if (!msg) return msg;
    return unwrap(std::move(*msg));
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
