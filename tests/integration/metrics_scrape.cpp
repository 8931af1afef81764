#include "metrics_scrape.hpp"
#include "http.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cstdlib>
#include <cstring>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace rein::test {

int connect_tcp(int port) {
    return connect_http(port);
}

Scrape http_raw(int port, const std::string& request, const std::string& unix_path) {
    Scrape s;
    int fd = connect_http(port, unix_path);
    if (fd < 0) return s;
    std::string response;
    if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) == ssize_t(request.size())) {
        char buf[65536];
        ssize_t n;
        while ((n = read(fd, buf, sizeof buf)) > 0) response.append(buf, std::size_t(n));
    }
    close(fd);
    auto end = response.find("\r\n\r\n");
    if (response.rfind("HTTP/1.1 ", 0) != 0 || end == std::string::npos) return s;
    s.status = std::atoi(response.c_str() + 9);
    s.head = response.substr(0, end);
    s.body = response.substr(end + 4);
    return s;
}

Scrape scrape(int port, const std::string& path, const std::string& unix_path) {
    return http_raw(port, "GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n", unix_path);
}

std::string metrics_line(const Home& h, const std::vector<std::string>& env) {
    Run r = h.rein({"ping"}, env);
    auto at = r.out.find("metrics: ");
    if (r.code != 0 || at == std::string::npos) return "";
    return r.out.substr(at + 9, r.out.find('\n', at) - at - 9);
}

int metrics_port(const Home& h, const std::vector<std::string>& env) {
    std::string line = metrics_line(h, env); // http://127.0.0.1:PORT/metrics
    auto colon = line.rfind(':');
    return line.rfind("http://127.0.0.1:", 0) == 0 ? std::atoi(line.c_str() + colon + 1) : 0;
}

std::optional<double> sample(const std::string& text, const std::string& series) {
    std::string key = "\n" + series + " ";
    auto at = text.find(key);
    if (at == std::string::npos) return std::nullopt;
    return std::strtod(text.c_str() + at + key.size(), nullptr);
}

std::vector<std::string> families(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (line.rfind("# TYPE ", 0) == 0) out.push_back(line);
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace rein::test
