#include "daemon/control/handlers/handler.hpp"
#include "daemon/metrics/counters.hpp"

#include <spdlog/spdlog.h>

namespace rein::daemon {

const std::vector<HandlerEntry>& handler_table() {
    static const std::vector<HandlerEntry> table = {
        {"ping", handlers::ping},
        {"start", handlers::start},
        {"stop", handlers::stop},
        {"restart", handlers::restart},
        {"delete", handlers::remove},
        {"list", handlers::list},
        {"describe", handlers::describe},
        {"reset", handlers::reset},
        {"signal", handlers::signal},
        {"kill", handlers::kill},
        {"logs", handlers::logs},
        {"flush", handlers::flush},
        {"reloadLogs", handlers::reload_logs},
        {"reload", handlers::reload},
        {"scale", handlers::scale},
        {"monit", handlers::monit},
        {"save", handlers::save},
        {"resurrect", handlers::resurrect},
        {"update", handlers::update},
        {"env", handlers::env},
        {"cleardump", handlers::cleardump},
        {"metrics", handlers::metrics},
    };
    return table;
}

void dispatch(Context& ctx, const nlohmann::json& req, const Responder& reply) {
    const std::string& cmd = req["cmd"].get_ref<const std::string&>();
    for (const auto& entry : handler_table()) {
        if (entry.name != cmd) continue;
        ++metrics::counters().requests[cmd];
        try {
            entry.handler(ctx, req, reply);
        } catch (const nlohmann::json::exception& e) {
            reply.fail(protocol::code::bad_request, std::string("malformed request: ") + e.what());
        } catch (const std::exception& e) {
            spdlog::error("handler {} failed: {}", cmd, e.what());
            reply.fail(protocol::code::failed, e.what());
        }
        return;
    }
    ++metrics::counters().requests["unknown"];
    reply.fail(protocol::code::unknown_command, "unknown command '" + cmd + "'");
}

Result<std::vector<int>> select_instances(Context& ctx, const nlohmann::json& req) {
    if (req.contains("names")) {
        return ctx.registry.select_apps(req.at("names").get<std::vector<std::string>>());
    }
    if (req.contains("selectors"))
        return ctx.registry.select_many(req.at("selectors").get<std::vector<std::string>>());
    if (!req.contains("selector"))
        return make_error(protocol::code::bad_request, "missing \"selector\"");
    const auto& sel = req.at("selector");
    if (sel.is_number_integer()) return ctx.registry.select(std::to_string(sel.get<long long>()));
    return ctx.registry.select(sel.get<std::string>());
}

nlohmann::json rows_of(Context& ctx, const std::vector<int>& ids) {
    nlohmann::json rows = nlohmann::json::array();
    for (int id : ids)
        if (Instance* inst = ctx.registry.find(id); inst && !is_shadow(*inst))
            rows.push_back(instance_row(ctx, *inst));
    return rows;
}

} // namespace rein::daemon
