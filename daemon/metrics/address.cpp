#include "daemon/metrics/address.hpp"

#include <algorithm>

namespace rein::daemon::metrics {

Result<std::optional<ListenAddress>> parse_address(std::string_view text) {
    if (text.empty() || text == "off") return std::optional<ListenAddress>();
    std::string spelled(text == "on" ? k_default_address : text);
    auto digits = [](std::string_view s) {
        return !s.empty() &&
               std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    if (text[0] == ':')
        return make_error("bad_value", "metrics address '" + std::string(text) +
                                           "' has no host: write 127.0.0.1" + spelled +
                                           ", or 0.0.0.0" + spelled + " for every interface");
    if (digits(spelled)) spelled = "127.0.0.1:" + spelled; // a port alone stays on this host
    // Port 0 (the kernel picks one) is no listen address of an app: parsed as port 1, then 0.
    bool any_port = false;
    if (spelled.rfind("unix:", 0) != 0 && spelled.size() > 2 &&
        spelled.compare(spelled.size() - 2, 2, ":0") == 0) {
        any_port = true;
        spelled.back() = '1';
    }
    auto parsed = parse_listen_address(spelled);
    if (!parsed)
        return make_error("bad_value", "metrics address '" + std::string(text) +
                                           "' is not valid: expected on, off, PORT, HOST:PORT, "
                                           "[IPv6]:PORT or unix:/path");
    if (any_port) parsed->port = 0;
    return std::optional<ListenAddress>(std::move(*parsed));
}

} // namespace rein::daemon::metrics
