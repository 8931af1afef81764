#include "http.hpp"

#include <arpa/inet.h>
#include <chrono>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace rein::test {

int connect_http(int port, const std::string& unix_path) {
    int fd = socket(unix_path.empty() ? AF_INET : AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    timeval tv{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int rc;
    if (unix_path.empty()) {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(uint16_t(port));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        rc = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    } else {
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::snprintf(a.sun_path, sizeof a.sun_path, "%s", unix_path.c_str());
        rc = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    }
    if (rc != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

std::string http_get(int port, const std::string& unix_path) {
    int fd = connect_http(port, unix_path);
    if (fd < 0) return "";
    std::string response;
    const char req[] = "GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n";
    if (send(fd, req, sizeof req - 1, MSG_NOSIGNAL) == ssize_t(sizeof req - 1)) {
        char buf[4096];
        ssize_t n;
        while ((n = read(fd, buf, sizeof buf)) > 0) response.append(buf, std::size_t(n));
    }
    close(fd);
    if (response.rfind("HTTP/1.1 200", 0) != 0) return "";
    auto body = response.find("\r\n\r\n");
    return body == std::string::npos ? "" : response.substr(body + 4);
}

std::set<std::string> pids_of(const Home& h, const std::string& name) {
    std::set<std::string> pids;
    for (const auto& r : h.rows(name))
        pids.insert("pid " + std::to_string(r["pid"].get<int>()) + "\n");
    return pids;
}

int free_port() {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    close(fd);
    return ntohs(a.sin_port);
}

LoadLoop::LoadLoop(int p) : port(p) {
    thread = std::thread([this] {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        for (long i = 0; i < 200000 && !stop && std::chrono::steady_clock::now() < deadline; ++i)
            (http_get(port).empty() ? failed : ok)++;
    });
}

void LoadLoop::finish() {
    stop = true;
    if (thread.joinable()) thread.join();
}

} // namespace rein::test
