#pragma once
// Live log followers (`rein logs`): every committed line is offered to the subscribers whose
// filter matches it. A follower that does not keep up is skipped ahead, never waited for.
#include "daemon/control/control_server.hpp"

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace rein::daemon {

enum class Stream { out, err };

/// One line as it is committed to an app's files.
struct LogLine {
    const std::string& app;
    const std::string& namespace_name;
    int id; ///< the instance that wrote it
    Stream stream;
    std::int64_t wall_ms;
    std::string_view text;
};

/// Which lines a follower wants. Names and namespaces match apps created later too.
struct LogFilter {
    bool all = false;
    std::set<int> ids;
    std::set<std::string> apps;
    std::set<std::string> namespaces;
    bool out = true;
    bool err = true;

    bool matches(const LogLine& line) const;
};

/// Output a follower may have queued before further lines are skipped for it.
inline constexpr std::size_t k_follower_backlog = 1024 * 1024;

/// The `line` event of one log line, as `rein logs` and `--json` read it.
nlohmann::json line_event(const std::string& app, std::optional<int> id, Stream stream,
                          std::optional<std::int64_t> wall_ms, std::string_view text);

/// Most live followers (`logs` and `monit` connections) served at once.
inline constexpr std::size_t k_max_followers = 256;

class LogHub {
  public:
    /// True when another follower may subscribe (forgets followers that hung up first).
    bool has_room();
    /// Sends matching lines to `responder` as `line` events until its client hangs up.
    void subscribe(LogFilter filter, Responder responder);
    /// True when some follower is connected (publishing costs nothing otherwise).
    bool active() const { return !m_subs.empty(); }
    /// Offers a committed line to every follower.
    void publish(const LogLine& line);

    struct Subscriber {
        LogFilter filter;
        Responder responder;
        std::uint64_t skipped = 0; ///< lines dropped since the follower last kept up
    };
    /// The followers, for a new daemon image to take over (rein update), and taking one over.
    const std::vector<Subscriber>& subscribers() const { return m_subs; }
    void adopt(Subscriber sub) { m_subs.push_back(std::move(sub)); }

  private:
    std::vector<Subscriber> m_subs;
};

} // namespace rein::daemon
