#include "common/listen_address.hpp"

#include <arpa/inet.h>
#include <charconv>
#include <optional>

namespace rein {

namespace {

Error bad(std::string_view text, const std::string& why) {
    return make_error("bad_value", "'" + std::string(text) + "' is not a listen address: " + why);
}

std::optional<int> port_of(std::string_view s) {
    int port = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), port);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size() || port < 1 || port > 65535)
        return std::nullopt;
    return port;
}

} // namespace

std::string ListenAddress::to_string() const {
    if (kind == Kind::unix_path) return "unix:" + path;
    if (host.empty()) return std::to_string(port);
    if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
    return host + ":" + std::to_string(port);
}

Result<ListenAddress> parse_listen_address(std::string_view text) {
    ListenAddress a;
    if (text.substr(0, 5) == "unix:") {
        a.kind = ListenAddress::Kind::unix_path;
        a.path = std::string(text.substr(5));
        if (a.path.empty() || a.path[0] != '/') return bad(text, "a Unix socket needs a path");
        if (a.path.size() > 107) return bad(text, "the path is too long for a Unix socket");
        return a;
    }
    std::string_view host, port = text;
    if (!text.empty() && text[0] == '[') {
        auto close = text.find(']');
        if (close == std::string_view::npos || text.substr(close + 1, 1) != ":")
            return bad(text, "write an IPv6 address as [::1]:8080");
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
        in6_addr v6{};
        if (inet_pton(AF_INET6, std::string(host).c_str(), &v6) != 1)
            return bad(text, "'" + std::string(host) + "' is not an IPv6 address");
    } else if (auto colon = text.rfind(':'); colon != std::string_view::npos) {
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        in_addr v4{};
        if (inet_pton(AF_INET, std::string(host).c_str(), &v4) != 1)
            return bad(text, "'" + std::string(host) +
                                 "' is not an IPv4 address (host names are not resolved)");
    }
    auto p = port_of(port);
    if (!p) return bad(text, "expected a port 1..65535, HOST:PORT, [IPv6]:PORT or unix:/path");
    a.host = std::string(host);
    a.port = *p;
    return a;
}

} // namespace rein
