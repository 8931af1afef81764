#include "daemon/continuity/fd_store.hpp"

#include "common/files.hpp"
#include "daemon/install_paths.hpp"
#include "daemon/reactor/clock.hpp"
#include "daemon/sockets/fd_passing.hpp"
#include "daemon/supervision/child.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <vector>

namespace rein::daemon {

namespace {

constexpr std::size_t k_key_max = 1000;
constexpr std::size_t k_msg_max = k_key_max + 16;
constexpr int k_fds_max = 4; // more in one answer is not the holder's: closed by the kernel
// Bounds every wait on the holder: one that is stopped or stuck must not stop the daemon.
constexpr int k_timeout_ms = 5000;

// The holder refuses other keys; saying so here names the culprit.
bool valid_key(const std::string& key) {
    if (key.empty() || key.size() > k_key_max) return false;
    for (unsigned char c : key)
        if (c < 0x20 || c == 0x7f) return false;
    return true;
}

sockaddr_un address_of(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), std::min(path.size(), sizeof addr.sun_path - 1));
    return addr;
}

UniqueFd connect_to(const std::string& path) {
    UniqueFd fd(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
    if (!fd) return fd;
    timeval tv{k_timeout_ms / 1000, 0};
    setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_un addr = address_of(path);
    if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) fd.reset();
    return fd;
}

// One message and the descriptors it carries; false when the holder went away or timed out.
bool receive(int conn, std::string& msg, std::vector<UniqueFd>& fds) {
    char buf[k_msg_max + 1];
    alignas(cmsghdr) char ctl[CMSG_SPACE(k_fds_max * sizeof(int))];
    iovec iov{buf, sizeof buf};
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = ctl;
    mh.msg_controllen = sizeof ctl;
    ssize_t n;
    while ((n = recvmsg(conn, &mh, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {}
    fds.clear();
    for (cmsghdr* c = CMSG_FIRSTHDR(&mh); n >= 0 && c; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        std::size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (std::size_t i = 0; i < k; ++i) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            fds.emplace_back(fd);
        }
    }
    if (n <= 0) return false;
    msg.assign(buf, std::size_t(n));
    if (mh.msg_flags & MSG_TRUNC) msg.clear(); // not the holder's: ignored
    return true;
}

} // namespace

FdStore::FdStore(Reactor& reactor, Paths paths) : m_reactor(reactor), m_paths(std::move(paths)) {}

FdStore::~FdStore() {
    disconnect();
}

void FdStore::on_lost(std::function<void()> cb) {
    m_on_lost = std::move(cb);
}

Result<std::map<std::string, UniqueFd>> FdStore::open_if_running() {
    // None listens (a first start, or it left with the daemon before): nothing is held.
    if (!m_conn && !connect_to(m_paths.holder_socket())) return std::map<std::string, UniqueFd>{};
    return open();
}

Result<std::map<std::string, UniqueFd>> FdStore::open() {
    disconnect();
    auto got = attach();
    if (got) remember(*got);
    return got;
}

void FdStore::start_soon() {
    if (m_conn || connect_to(m_paths.holder_socket())) return;
    if (start_holder()) m_next_start = 0; // a later failure to answer may start another
}

bool FdStore::sync(const std::map<std::string, int>& entries) {
    // Nothing to hold, nothing held: no holder is needed (yet).
    if (entries.empty() && !m_conn) return true;
    // A second round when the connection breaks under the first: the holder may have died
    // between two commits, and the next one gets everything.
    for (int round = 0; round < 2; ++round) {
        if (!m_conn) {
            auto got = attach();
            if (!got) {
                if (!m_warned)
                    spdlog::warn("{}: apps will not outlive the daemon", got.error().message);
                m_warned = true;
                return false;
            }
            remember(*got); // the duplicates close here; what matters is what the holder has
        }
        if (push(entries)) {
            m_warned = false;
            return true;
        }
        disconnect();
    }
    return false;
}

void FdStore::shutdown() {
    if (!m_conn) m_conn = connect_to(m_paths.holder_socket()); // never starts one to stop it
    if (m_conn && send("BYE", -1)) {
        // The holder removes its files, then exits: its end closes last.
        std::string msg;
        std::vector<UniqueFd> fds;
        for (int i = 0; i < 64 && receive(m_conn.get(), msg, fds); ++i) {}
    }
    disconnect();
}

Result<std::map<std::string, UniqueFd>> FdStore::attach() {
    std::map<std::string, UniqueFd> got;
    m_conn = connect_to(m_paths.holder_socket());
    if (m_conn && fetch_all(got)) {
        m_reactor.add(m_conn.get(), EPOLLIN | EPOLLRDHUP,
                      [this](std::uint32_t ev) { on_event(ev); });
        return got;
    }
    // None answers (none runs, or it was leaving, or it is stuck): a new one. What a failed GET
    // gave stays the caller's: those duplicates are as good as the holder's.
    m_conn.reset();
    // One that cannot start is not tried again at every commit (each try forks).
    if (mono_ms() < m_next_start)
        return make_error("holder_failed", "rein-holder failed to start a moment ago");
    if (auto started = start_holder(); !started) return started.error();
    m_conn = connect_to(m_paths.holder_socket());
    std::map<std::string, UniqueFd> fresh;
    if (!m_conn || !fetch_all(fresh)) {
        m_conn.reset();
        return make_error("holder_failed",
                          "rein-holder started but does not answer on " + m_paths.holder_socket());
    }
    m_next_start = 0;
    for (auto& [key, fd] : fresh) got[key] = std::move(fd);
    m_reactor.add(m_conn.get(), EPOLLIN | EPOLLRDHUP, [this](std::uint32_t ev) { on_event(ev); });
    return got;
}

rein::Status FdStore::start_holder() {
    std::string binary = companion_path(Companion::holder);
    if (binary.empty())
        return make_error("no_holder",
                          std::string("rein-holder is neither next to reind, nor in ") +
                              companion_install_dir(Companion::holder) +
                              " from it, nor at $REIN_HOLDER");
    std::string path = m_paths.holder_socket();
    if (path.size() >= sizeof(sockaddr_un::sun_path))
        return make_error("no_holder", "the holder socket path is too long: " + path);
    // The lock holder is the only one that gets here: a file left there is stale (its holder
    // sees it is no longer its own socket and leaves).
    if (unlink(path.c_str()) != 0 && errno != ENOENT)
        return make_error("no_holder", "cannot remove " + path + ": " + std::strerror(errno));
    UniqueFd listener(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
    sockaddr_un addr = address_of(path);
    if (!listener || bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        listen(listener.get(), 8) != 0)
        return make_error("no_holder", "cannot listen on " + path + ": " + std::strerror(errno));
    UniqueFd devnull(::open("/dev/null", O_WRONLY | O_CLOEXEC));
    SpawnRequest req;
    req.argv = {binary, m_paths.holder_pid_file()};
    // Only where a sanitizer build reports: the holder needs no environment.
    for (const char* var : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"})
        if (const char* v = std::getenv(var)) req.env.push_back(std::string(var) + "=" + v);
    req.cwd = "/";
    req.stdout_fd = devnull.get();
    req.stderr_fd = devnull.get();
    req.pass_fds = {listener.get()};
    m_next_start = mono_ms() + 1000; // until it answers
    auto pid = spawn_process(req);
    if (!pid) {
        unlink(path.c_str());
        return make_error("no_holder", "cannot start rein-holder: " + pid.error().message);
    }
    spdlog::info("started rein-holder (pid {}): apps' pipes and sockets outlive the daemon", *pid);
    return Ok{};
}

bool FdStore::fetch_all(std::map<std::string, UniqueFd>& out) {
    if (!send("GET", -1)) return false;
    std::string msg;
    std::vector<UniqueFd> fds;
    std::size_t count = 0;
    // Bounded by the time-out of each receive: a holder that stops answering ends the loop.
    while (receive(m_conn.get(), msg, fds)) {
        if (msg.rfind("FD ", 0) == 0 && fds.size() == 1) {
            out[msg.substr(3)] = std::move(fds[0]);
            ++count;
        } else if (msg.rfind("END ", 0) == 0) {
            if (std::strtoull(msg.c_str() + 4, nullptr, 10) != count)
                spdlog::warn("rein-holder announced {} but gave {} descriptors", msg.substr(4),
                             count);
            return true;
        }
    }
    return false;
}

bool FdStore::push(const std::map<std::string, int>& entries) {
    for (const auto& [key, fd] : entries) {
        struct stat st {};
        if (!valid_key(key) || fstat(fd, &st) != 0) {
            spdlog::warn("not kept by rein-holder: {} (fd {}): {}", key, fd,
                         valid_key(key) ? std::strerror(errno) : "not a valid key");
            continue;
        }
        Identity id{st.st_dev, st.st_ino};
        auto it = m_held.find(key);
        if (it != m_held.end() && it->second == id) continue;
        if (!send("PUT " + key, fd)) return false;
        m_held[key] = id;
    }
    std::vector<std::string> gone;
    for (const auto& [key, id] : m_held)
        if (!entries.count(key)) gone.push_back(key);
    for (const auto& key : gone) {
        if (!send("DEL " + key, -1)) return false;
        m_held.erase(key);
    }
    return true;
}

bool FdStore::send(const std::string& msg, int fd) {
    if (!m_conn) return false;
    ssize_t n = send_with_fd(m_conn.get(), msg.data(), msg.size(), fd, 0);
    if (n < 0) return false;
    ++m_sent;
    return true;
}

void FdStore::remember(const std::map<std::string, UniqueFd>& held) {
    m_held.clear();
    for (const auto& [key, fd] : held) {
        struct stat st {};
        if (fstat(fd.get(), &st) == 0) m_held[key] = Identity{st.st_dev, st.st_ino};
    }
}

void FdStore::on_event(std::uint32_t events) {
    // The holder speaks only when asked: anything else read here is dropped, and an end of
    // stream or hang-up means it is gone.
    bool gone = events & (EPOLLHUP | EPOLLRDHUP | EPOLLERR);
    if (!gone && (events & EPOLLIN)) {
        char buf[64];
        gone = recv(m_conn.get(), buf, sizeof buf, MSG_DONTWAIT) == 0;
    }
    if (!gone) return;
    disconnect();
    spdlog::warn("lost the connection to rein-holder; the next commit starts it again");
    if (m_on_lost) m_on_lost();
}

void FdStore::disconnect() {
    if (!m_conn) return;
    m_reactor.remove(m_conn.get());
    m_conn.reset();
    m_held.clear(); // unknown from now on: the next connection asks
}

} // namespace rein::daemon
