#pragma once
// The address of the /metrics endpoint as `reind --metrics ADDR` and REIN_METRICS give it:
// `HOST:PORT` (numeric IPv4), `[IPv6]:PORT`, `PORT` alone (127.0.0.1), `unix:/path`, `on` (the
// documented default, 127.0.0.1:9615), `off` or empty (no endpoint). Port 0 lets the kernel pick.
#include "common/listen_address.hpp"
#include "common/result.hpp"

#include <optional>
#include <string_view>

namespace rein::daemon::metrics {

/// Where `on` serves.
inline constexpr std::string_view k_default_address = "127.0.0.1:9615";

/// The endpoint's address, nothing for `off` or empty; a bad value is one sentence that names
/// it (code "bad_value").
Result<std::optional<ListenAddress>> parse_address(std::string_view text);

} // namespace rein::daemon::metrics
