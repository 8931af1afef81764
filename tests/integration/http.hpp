#pragma once
// A minimal HTTP/1.1 GET client for the cluster tests (one connection per request).
#include <string>

namespace rein::test {

/// GET / from 127.0.0.1:port, or from the Unix socket at `unix_path` when it is not empty.
/// Returns the response body, or "" when the request failed in any way (refused, reset,
/// timed out, not a 200).
std::string http_get(int port, const std::string& unix_path = "");

/// A TCP port on 127.0.0.1 that was free a moment ago.
int free_port();

} // namespace rein::test
