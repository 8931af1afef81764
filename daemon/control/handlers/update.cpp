#include "daemon/control/handlers/handler.hpp"

namespace rein::daemon::handlers {

namespace {
// How long update waits for apps that are starting or stopping to settle.
constexpr std::int64_t k_settle_timeout_ms = 10000;
} // namespace

// update {binary?: absolute path}: replaces the daemon's image with `binary` (by default the
// executable it was started from) in the same process, so every app keeps running with the same
// pid; clients stay connected and log followers miss nothing. Waits first until no app is
// starting or stopping. The reply comes from the new image: {version, previous_version, pid,
// apps, instances}; on failure nothing has changed and the old image answers.
void update(Context& ctx, const nlohmann::json& req, const Responder& reply) {
    std::string binary =
        req.contains("binary") ? req.at("binary").get<std::string>() : ctx.self_exe;
    if (binary.empty() || binary.front() != '/')
        return reply.fail(protocol::code::bad_request, "\"binary\" must be an absolute path");
    if (ctx.updating)
        return reply.fail("busy", "an update is already waiting for the apps to settle");
    ctx.updating = true;
    ctx.supervisor.when_settled(k_settle_timeout_ms, [&ctx, binary, reply](bool settled) {
        ctx.updating = false;
        if (!settled)
            return reply.fail("busy", "apps were still starting or stopping after " +
                                          std::to_string(k_settle_timeout_ms / 1000) +
                                          " s; nothing was changed, try again");
        // Output held for a full disk lives in this image's memory only: not carried over.
        for (auto& [name, app] : ctx.registry.apps())
            if (app.logs->flush(); app.logs->blocked())
                return reply.fail("busy", "the log files of '" + name + "' cannot be written (" +
                                              app.logs->problem() +
                                              "); nothing was changed, try again once they can");
        // Returns only when the exec did not happen.
        std::string why = ctx.exec_update(binary, reply);
        reply.fail("update_failed", why);
    });
}

} // namespace rein::daemon::handlers
