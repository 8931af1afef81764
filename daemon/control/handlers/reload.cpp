#include "daemon/control/handlers/app_update.hpp"

#include "daemon/metrics/counters.hpp"
#include "daemon/reactor/clock.hpp"

#include <algorithm>
#include <set>

namespace rein::daemon::handlers {

namespace {

void reload_ids(Context& ctx, const std::vector<int>& ids, long long parallel,
                const Responder& reply) {
    std::set<std::string> apps; // each one's whole reload is one observation
    for (int id : ids)
        if (const Instance* inst = ctx.registry.find(id)) apps.insert(inst->app);
    std::int64_t began = mono_ms();
    ctx.supervisor.reload(ids, int(std::min(parallel, 4096LL)),
                          [&ctx, reply, apps, began](const std::string& error) {
                              if (!error.empty()) return reply.fail(protocol::code::failed, error);
                              for (const auto& app : apps)
                                  daemon::metrics::counters().reloads[app].observe(
                                      double(mono_ms() - began) / 1000.0);
                              nlohmann::json rows = nlohmann::json::array();
                              for (auto& [id, inst] : ctx.registry.instances())
                                  if (!inst.retired && !is_shadow(inst))
                                      rows.push_back(instance_row(ctx, inst));
                              reply.ok({{"rows", rows}});
                          });
}

} // namespace

// reload {selector | selectors | names, parallel?: N, env?}: zero-downtime rolling restart of
// cluster-mode instances, N at a time (default 1; fork mode: restart). Replies once every
// instance is replaced, or with the reason the reload stopped (the instances not yet replaced
// keep running). reload {apps: [AppSpec...]} (an ecosystem file, startOrReload): each app takes
// its current config first; new apps and instances not running are started, the running ones
// reloaded. `env` (--update-env) replaces the base environment.
void reload(Context& ctx, const nlohmann::json& req, const Responder& reply) {
    long long parallel = field_or<long long>(req, "parallel", 1);
    if (parallel < 1) return reply.fail(protocol::code::bad_request, "\"parallel\" must be >= 1");
    auto new_env = request_env(req);
    if (!new_env) return reply.fail(new_env.error().code, new_env.error().message);

    if (req.contains("apps")) {
        auto applied = apply_request(ctx, req, *new_env);
        if (!applied) return reply.fail(applied.error().code, applied.error().message);
        if (applied->running.empty()) return reply.ok({{"rows", rows_of(ctx, applied->all())}});
        return reload_ids(ctx, applied->running, parallel, reply);
    }

    auto ids = select_instances(ctx, req);
    if (!ids) return reply.fail(ids.error().code, ids.error().message);
    if (*new_env) set_base_env(ctx, *ids, **new_env);
    reload_ids(ctx, *ids, parallel, reply);
}

} // namespace rein::daemon::handlers
