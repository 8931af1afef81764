#pragma once
// A raw HTTP client for the daemon's /metrics endpoint and readers of the exposition text, for
// the metrics tests (no curl: the request and the answer are the tests' own bytes).
#include "harness.hpp"

#include <optional>
#include <string>

namespace rein::test {

/// One HTTP answer: the status code (0 when the request failed) and the body.
struct Scrape {
    int status = 0;
    std::string head, body;
};

/// Sends `request` (whole, raw) to 127.0.0.1:port or, when `unix_path` is set, to that socket,
/// and reads the answer until the server closes (10 s at most).
Scrape http_raw(int port, const std::string& request, const std::string& unix_path = "");
/// GET `path` (/metrics by default).
Scrape scrape(int port, const std::string& path = "/metrics", const std::string& unix_path = "");
/// A connection to 127.0.0.1:port that the caller closes; -1 on failure.
int connect_tcp(int port);

/// The address `rein ping` prints on its `metrics:` line ("" when none).
std::string metrics_line(const Home& h, const std::vector<std::string>& env = {});
/// The TCP port of that line, 0 when none.
int metrics_port(const Home& h, const std::vector<std::string>& env = {});

/// The value of the sample written exactly as `series` (`name{labels}`), nothing when absent.
std::optional<double> sample(const std::string& text, const std::string& series);
/// The `# TYPE` lines of the text, sorted (its families).
std::vector<std::string> families(const std::string& text);

} // namespace rein::test
