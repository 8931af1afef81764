#pragma once
// A minimal HTTP/1.1 GET client for the cluster tests (one connection per request).
#include "harness.hpp"

#include <atomic>
#include <set>
#include <string>
#include <thread>

namespace rein::test {

/// A connected stream socket to 127.0.0.1:port, or to the Unix socket at `unix_path` when it
/// is not empty, with 10 s send and receive time-outs; -1 when refused.
int connect_http(int port, const std::string& unix_path = "");

/// GET / from 127.0.0.1:port, or from the Unix socket at `unix_path` when it is not empty.
/// Returns the response body, or "" when the request failed in any way (refused, reset,
/// timed out, not a 200).
std::string http_get(int port, const std::string& unix_path = "");

/// What the test servers answer from each instance of `name`: "pid <pid>\n".
std::set<std::string> pids_of(const Home& h, const std::string& name);

/// A TCP port on 127.0.0.1 that was free a moment ago.
int free_port();

/// Sends requests to 127.0.0.1:port one after another, beside the test, until finish() (at most
/// 200000 requests or 60 s); counts answers and failures.
struct LoadLoop {
    int port;
    std::atomic<bool> stop{false};
    std::atomic<long> ok{0}, failed{0};
    std::thread thread;
    explicit LoadLoop(int p);
    ~LoadLoop() { finish(); }
    LoadLoop(const LoadLoop&) = delete;
    LoadLoop& operator=(const LoadLoop&) = delete;
    void finish();
};

} // namespace rein::test
