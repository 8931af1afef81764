#include "cli/hosts.hpp"

#include <cstring>
#include <sstream>

namespace rein::cli {

namespace {

Error bad_url(const std::string& text, const std::string& why) {
    return make_error("usage",
                      "bad host '" + text + "': " + why + " (expected ssh://[user@]host[:port])");
}

std::string trimmed(const std::string& s) {
    const auto first = s.find_first_not_of(" \t\r");
    if (first == std::string::npos) return {};
    return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

// A value that ssh would read as an option, or a shell word with blanks, is refused: the URL
// goes onto ssh's command line.
bool safe_word(const std::string& s) {
    if (s.empty() || s.front() == '-') return false;
    for (char c : s)
        if (static_cast<unsigned char>(c) <= ' ' || c == '/' || c == '@' || c == '?' || c == '#')
            return false;
    return true;
}

} // namespace

Result<HostUrl> parse_host_url(const std::string& text) {
    static constexpr std::string_view scheme = "ssh://";
    if (text.rfind(scheme, 0) != 0) {
        const auto colon = text.find("://");
        return bad_url(text, colon == std::string::npos
                                 ? "not a URL"
                                 : "the scheme '" + text.substr(0, colon) + "' is not ssh");
    }
    std::string rest = text.substr(scheme.size());
    if (!rest.empty() && rest.back() == '/') rest.pop_back(); // ssh://host/ is ssh://host
    if (rest.find('/') != std::string::npos) return bad_url(text, "a path is not allowed");
    HostUrl url;
    if (const auto at = rest.rfind('@'); at != std::string::npos) {
        url.user = rest.substr(0, at);
        if (!safe_word(url.user)) return bad_url(text, "bad user name");
        rest = rest.substr(at + 1);
    }
    std::string port;
    if (!rest.empty() && rest.front() == '[') {
        const auto close = rest.find(']');
        if (close == std::string::npos) return bad_url(text, "unclosed '['");
        url.host = rest.substr(1, close - 1);
        std::string after = rest.substr(close + 1);
        if (!after.empty() && after.front() != ':') return bad_url(text, "junk after ']'");
        if (!after.empty()) port = after.substr(1);
        if (url.host.find(':') == std::string::npos) return bad_url(text, "not an IPv6 address");
    } else {
        const auto colon = rest.find(':');
        url.host = rest.substr(0, colon);
        if (colon != std::string::npos) port = rest.substr(colon + 1);
    }
    if (url.host.empty()) return bad_url(text, "no host");
    if (url.host.find(':') == std::string::npos && !safe_word(url.host))
        return bad_url(text, "bad host name");
    if (url.host.front() == '-') return bad_url(text, "bad host name");
    if (port.size() || (rest.size() && rest.back() == ':')) {
        long n = 0;
        for (char c : port) n = (c >= '0' && c <= '9' && n < 100000) ? n * 10 + (c - '0') : -1;
        if (port.empty() || n < 1 || n > 65535) return bad_url(text, "bad port '" + port + "'");
        url.port = int(n);
    }
    url.label = text.substr(scheme.size());
    if (!url.label.empty() && url.label.back() == '/') url.label.pop_back();
    return url;
}

std::vector<std::string> hosts_file_words(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (const auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
        if (auto word = trimmed(line); !word.empty()) out.push_back(std::move(word));
    }
    return out;
}

HostArgs extract_host_args(int argc, char** argv) {
    HostArgs out;
    out.rest.reserve(std::size_t(argc) + 1);
    for (int i = 0; i < argc; ++i) {
        const char* w = argv[i];
        if (i == 0 || std::strncmp(w, "--host", 6) != 0) {
            out.rest.push_back(argv[i]);
            if (i > 0 && !std::strcmp(w, "--"))
                for (++i; i < argc; ++i) out.rest.push_back(argv[i]);
            continue;
        }
        const char* tail = w + 6;
        const bool file = !std::strncmp(tail, "s-file", 6);
        if (file) tail += 6;
        if (*tail != '\0' && *tail != '=') { // --hostname, --hosts: not ours
            out.rest.push_back(argv[i]);
            continue;
        }
        std::string value;
        if (*tail == '=') {
            value = tail + 1;
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            out.error = std::string(file ? "--hosts-file" : "--host") + " needs a value";
            break;
        }
        if (file)
            out.hosts_file = value;
        else
            out.hosts.push_back(value);
    }
    return out;
}

Result<std::vector<HostUrl>> resolve_hosts(const std::vector<std::string>& flags,
                                           const char* env_hosts, const std::string& file_text) {
    std::vector<std::string> words = flags;
    if (words.empty() && env_hosts) {
        std::istringstream in(env_hosts);
        for (std::string part; std::getline(in, part, ',');)
            if (auto w = trimmed(part); !w.empty()) words.push_back(std::move(w));
    }
    for (auto& w : hosts_file_words(file_text)) words.push_back(std::move(w));
    std::vector<HostUrl> hosts;
    for (const auto& w : words) {
        auto url = parse_host_url(w);
        if (!url) return url.error();
        bool seen = false;
        for (const auto& h : hosts) seen = seen || h.label == url->label;
        if (!seen) hosts.push_back(std::move(*url));
    }
    return hosts;
}

} // namespace rein::cli
