#pragma once
// Listen addresses as users write them (`8080`, `127.0.0.1:8080`, `[::1]:8080`, `unix:/path`).
// Numeric only: the daemon never resolves host names.
#include "common/result.hpp"

#include <string>
#include <string_view>

namespace rein {

struct ListenAddress {
    enum class Kind { tcp, unix_path };
    Kind kind = Kind::tcp;
    std::string host; ///< numeric IPv4 or IPv6 (without brackets); empty: every interface
    int port = 0;     ///< 1..65535 for tcp
    std::string path; ///< absolute, for unix_path

    /// The canonical spelling (`[::1]:8080`, `unix:/run/app.sock`, `8080`).
    std::string to_string() const;
};

/// Parses one address; errors (code "bad_value") say what was expected. A relative Unix path
/// is an error here: callers make it absolute first.
Result<ListenAddress> parse_listen_address(std::string_view text);

} // namespace rein
