#pragma once
// What every request handler sees, and the explicit table of handlers.
#include "common/json_fields.hpp"
#include "common/paths.hpp"
#include "daemon/control/control_server.hpp"
#include "daemon/control/handlers/row_sink.hpp"
#include "daemon/logs/log_hub.hpp"
#include "daemon/supervision/registry.hpp"
#include "daemon/supervision/supervisor.hpp"

#include <functional>
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

namespace rein::daemon {

/// The daemon as handlers see it: state and the supervisor, never epoll or fork.
struct Context {
    Registry& registry;
    Supervisor& supervisor;
    LogHub& log_hub;
    std::vector<Responder> monitors; ///< `monit` connections, fed once a second
    const Paths& paths;
    std::int64_t started_wall;
    /// Ends the daemon after the current loop turn (apps must already be stopped).
    std::function<void()> shutdown;
    /// The executable this daemon was started from: what `update` runs when told no other.
    std::string self_exe;
    /// When this daemon was last updated in place (epoch ms), 0 when never.
    std::int64_t updated_wall = 0;
    /// True while an `update` waits for the apps to settle.
    bool updating = false;
    /// Replaces the daemon's image with `binary` (rein update), whose first act is to answer
    /// `reply`. Returns only when that could not happen, with the reason; nothing has changed.
    std::function<std::string(const std::string& binary, const Responder& reply)> exec_update;
    /// The address /metrics is served on (`127.0.0.1:9615`, `unix:/x`), "" when off.
    std::string metrics_address;
};

using Handler = void (*)(Context& ctx, const nlohmann::json& req, const Responder& reply);

struct HandlerEntry {
    std::string_view name;
    Handler handler;
};

/// Every command the daemon serves (handlers/table.cpp).
const std::vector<HandlerEntry>& handler_table();

/// Dispatches one request; exceptions from malformed fields become bad_request replies.
void dispatch(Context& ctx, const nlohmann::json& req, const Responder& reply);

/// Instance ids of the request's selector: `"selector": "all"|id|name|namespace|/re/|path`,
/// `"selectors": [...]` (several at once, PM2's `stop a b`) or `"names": [...]` (the apps of
/// an ecosystem file).
Result<std::vector<int>> select_instances(Context& ctx, const nlohmann::json& req);

/// The CPU and memory a row shows (PM2's `monit` repeats them).
struct RowSample {
    double cpu = 0;           ///< percent, one decimal
    std::uint64_t memory = 0; ///< bytes
};
/// Writes rein's keys of an instance's row (samples its CPU and memory when it has no sample).
RowSample write_instance_row(RowSink& out, Context& ctx, Instance& inst);
/// Writes PM2's keys of a jlist row (`pm_id`, `pm2_env`, `monit`; docs/protocol.md).
void write_pm2_fields(RowSink& out, Context& ctx, const Instance& inst, const RowSample& sample);
/// Every top-level key of a `list` row (what its `fields` may name).
const std::vector<std::string_view>& list_row_keys();
/// The row of an instance as a JSON object, rein's keys only (describe, monit, stop...).
nlohmann::json instance_row(Context& ctx, Instance& inst);
/// Rows of the given instance ids that still exist.
nlohmann::json rows_of(Context& ctx, const std::vector<int>& ids);
/// How the instance's last run ended ("exited with code 0 after 120 ms (early: ...)"), null
/// before any has.
nlohmann::json last_exit_text(const Instance& inst, const AppSpec& spec);

} // namespace rein::daemon

namespace rein::daemon::handlers {
void ping(Context&, const nlohmann::json&, const Responder&);
void start(Context&, const nlohmann::json&, const Responder&);
void stop(Context&, const nlohmann::json&, const Responder&);
void restart(Context&, const nlohmann::json&, const Responder&);
void remove(Context&, const nlohmann::json&, const Responder&);
void list(Context&, const nlohmann::json&, const Responder&);
void describe(Context&, const nlohmann::json&, const Responder&);
void reset(Context&, const nlohmann::json&, const Responder&);
void signal(Context&, const nlohmann::json&, const Responder&);
void kill(Context&, const nlohmann::json&, const Responder&);
void logs(Context&, const nlohmann::json&, const Responder&);
void reload(Context&, const nlohmann::json&, const Responder&);
void scale(Context&, const nlohmann::json&, const Responder&);
void monit(Context&, const nlohmann::json&, const Responder&);

/// Sends every `monit` connection the current rows (the daemon's once-a-second tick).
void feed_monitors(Context& ctx);
void flush(Context&, const nlohmann::json&, const Responder&);
void env(Context&, const nlohmann::json&, const Responder&);
void cleardump(Context&, const nlohmann::json&, const Responder&);
void reload_logs(Context&, const nlohmann::json&, const Responder&);
void save(Context&, const nlohmann::json&, const Responder&);
void resurrect(Context&, const nlohmann::json&, const Responder&);
void update(Context&, const nlohmann::json&, const Responder&);
/// metrics: the exposition text of /metrics (`rein metrics`).
void metrics(Context&, const nlohmann::json&, const Responder&);

/// Reopens every app's log files; returns one sentence per file that failed.
std::vector<std::string> reopen_all_logs(Registry& registry);
} // namespace rein::daemon::handlers
