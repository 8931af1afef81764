#include "daemon/sockets/listen_sockets.hpp"

#include "common/listen_address.hpp"
#include "daemon/supervision/proc_state.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace rein::daemon {

namespace {

// Inodes of sockets listening on `port`, from /proc/net/tcp and tcp6 (state 0A is LISTEN).
std::vector<std::string> listening_inodes(int port) {
    std::vector<std::string> inodes;
    for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
        std::ifstream in(table);
        std::string line;
        std::getline(in, line); // header
        while (std::getline(in, line)) {
            std::istringstream fields(line);
            std::string slot, local, remote, state, queues, timer, retr, uid, timeout, inode;
            fields >> slot >> local >> remote >> state >> queues >> timer >> retr >> uid >>
                timeout >> inode;
            auto colon = local.rfind(':');
            if (state != "0A" || colon == std::string::npos) continue;
            if (std::stoi(local.substr(colon + 1), nullptr, 16) == port) inodes.push_back(inode);
        }
    }
    return inodes;
}

// " (by NAME, pid N)" for the process holding one of `inodes`, or "" when /proc cannot tell
// (another user's process, another network namespace).
std::string holder_of(const std::vector<std::string>& inodes) {
    if (inodes.empty()) return {};
    DIR* proc = opendir("/proc");
    if (!proc) return {};
    std::string found;
    while (dirent* p = readdir(proc)) {
        if (p->d_name[0] < '0' || p->d_name[0] > '9') continue;
        if (socket_fd_of(pid_t(std::atoi(p->d_name)), inodes) >= 0) {
            found = p->d_name;
            break;
        }
    }
    closedir(proc);
    if (found.empty()) return {};
    std::string comm;
    std::ifstream(std::string("/proc/") + found + "/comm") >> comm;
    return " (by " + (comm.empty() ? std::string("pid ") + found : comm + ", pid " + found) + ")";
}

Result<UniqueFd> bind_one(const ListenSpec& spec) {
    auto parsed = parse_listen_address(spec.address);
    if (!parsed) return parsed.error();
    const ListenAddress& a = *parsed;
    auto fail = [&](const std::string& what) {
        return make_error("bind_failed", "cannot listen on " + spec.address + ": " + what + ": " +
                                             strerror(errno));
    };

    if (a.kind == ListenAddress::Kind::unix_path) {
        UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (!fd) return fail("socket");
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::memcpy(addr.sun_path, a.path.c_str(), a.path.size() + 1);
        // A stale socket file from an earlier run is replaced; anything else is left alone.
        struct stat st {};
        if (lstat(a.path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) unlink(a.path.c_str());
        if (bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
            return fail("bind");
        chmod(a.path.c_str(), mode_t(spec.mode));
        if (listen(fd.get(), k_listen_backlog) != 0) return fail("listen");
        return fd;
    }

    // No host: every interface, IPv6 and IPv4 on one dual-stack socket (IPv4 alone when the
    // machine has no IPv6).
    bool v6 = a.host.empty() || a.host.find(':') != std::string::npos;
    UniqueFd fd(socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd && a.host.empty()) {
        v6 = false;
        fd.reset(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    }
    if (!fd) return fail("socket");
    int one = 1, zero = 0;
    setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int rc;
    if (v6) {
        setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, a.host.empty() ? &zero : &one, sizeof one);
        sockaddr_in6 addr{};
        addr.sin6_family = AF_INET6;
        addr.sin6_port = htons(uint16_t(a.port));
        addr.sin6_addr = in6addr_any;
        if (!a.host.empty()) inet_pton(AF_INET6, a.host.c_str(), &addr.sin6_addr);
        rc = bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    } else {
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(uint16_t(a.port));
        addr.sin_addr.s_addr = htonl(INADDR_ANY);
        if (!a.host.empty()) inet_pton(AF_INET, a.host.c_str(), &addr.sin_addr);
        rc = bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    }
    if (rc != 0) {
        if (errno == EADDRINUSE)
            return make_error("address_in_use",
                              spec.address + " is already in use" + port_holder(a.port));
        return fail("bind");
    }
    if (listen(fd.get(), k_listen_backlog) != 0) return fail("listen");
    return fd;
}

} // namespace

ListenSet::~ListenSet() {
    for (const auto& p : unix_paths) unlink(p.c_str());
}

Result<std::shared_ptr<ListenSet>> bind_listen_sockets(const std::vector<ListenSpec>& listen) {
    auto set = std::make_shared<ListenSet>();
    set->specs = listen;
    for (const auto& spec : listen) {
        auto fd = bind_one(spec);
        if (!fd) return fd.error(); // the ones bound so far close (and unlink) with `set`
        set->fds.push_back(std::move(*fd));
        if (spec.address.rfind("unix:", 0) == 0) set->unix_paths.push_back(spec.address.substr(5));
    }
    return set;
}

std::shared_ptr<ListenSet> adopt_listen_sockets(const std::vector<ListenSpec>& listen,
                                                std::vector<UniqueFd> fds) {
    auto set = std::make_shared<ListenSet>();
    set->specs = listen;
    set->fds = std::move(fds);
    for (const auto& spec : listen)
        if (spec.address.rfind("unix:", 0) == 0) set->unix_paths.push_back(spec.address.substr(5));
    return set;
}

std::string port_holder(int port) {
    return holder_of(listening_inodes(port));
}

std::string format_address(const sockaddr* addr, socklen_t len) {
    char host[INET6_ADDRSTRLEN] = "";
    if (addr->sa_family == AF_INET && len >= socklen_t(sizeof(sockaddr_in))) {
        sockaddr_in in{};
        std::memcpy(&in, addr, sizeof in);
        inet_ntop(AF_INET, &in.sin_addr, host, sizeof host);
        return std::string(host) + ":" + std::to_string(ntohs(in.sin_port));
    }
    if (addr->sa_family == AF_INET6 && len >= socklen_t(sizeof(sockaddr_in6))) {
        sockaddr_in6 in6{};
        std::memcpy(&in6, addr, sizeof in6);
        inet_ntop(AF_INET6, &in6.sin6_addr, host, sizeof host);
        return "[" + std::string(host) + "]:" + std::to_string(ntohs(in6.sin6_port));
    }
    const auto path = offsetof(sockaddr_un, sun_path);
    if (addr->sa_family == AF_UNIX && len > socklen_t(path)) {
        const char* p = reinterpret_cast<const char*>(addr) + path;
        if (*p == '\0') return {}; // abstract
        return "unix:" + std::string(p, strnlen(p, len - path));
    }
    return {};
}

std::string bound_address(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
    return format_address(reinterpret_cast<sockaddr*>(&ss), len);
}

std::optional<int> single_port(const std::vector<ListenSpec>& listen) {
    if (listen.size() != 1) return std::nullopt;
    auto a = parse_listen_address(listen[0].address);
    if (!a || a->kind != ListenAddress::Kind::tcp) return std::nullopt;
    return a->port;
}

} // namespace rein::daemon
