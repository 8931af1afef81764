#pragma once
// The exposition body of /metrics and `rein metrics`, built from what the daemon already holds:
// the registry, the once-a-second resource samples and the counters of counters.hpp. No file of
// any app is read per scrape.
#include <string>

namespace rein::daemon {
struct Context;
}

namespace rein::daemon::metrics {

/// The whole body, families in a fixed order; records how long it took
/// (rein_metrics_scrape_duration_seconds of the next body).
std::string render(const Context& ctx);

} // namespace rein::daemon::metrics
