#include "daemon/control/handlers/app_update.hpp"

#include "daemon/reactor/clock.hpp"
#include "daemon/supervision/identity.hpp"

#include <algorithm>
#include <set>

namespace rein::daemon {

Result<std::vector<PreparedApp>> prepare_apps(Context& ctx, const nlohmann::json& req) {
    const auto& apps = req.at("apps");
    if (!apps.is_array() || apps.empty())
        return make_error(protocol::code::bad_request, "\"apps\" must be a non-empty array");
    std::vector<PreparedApp> out;
    std::set<std::string> names;
    // An environment every app shares comes once, beside the apps (apps_request()).
    SharedEnv shared_env;
    if (req.contains("base_env")) shared_env = req.at("base_env").get<SharedEnv>();
    for (const auto& j : apps) {
        PreparedApp p;
        p.spec = j.get<AppSpec>();
        if (!j.contains("base_env")) p.spec.base_env = shared_env;
        const AppSpec& s = p.spec;
        if (auto ok = check_spec(s); !ok) return ok.error();
        auto who = app_identity(s);
        if (!who)
            return make_error(who.error().code, "app '" + s.name + "': " + who.error().message);
        if (!names.insert(s.name).second)
            return make_error(protocol::code::bad_request, "app '" + s.name + "' given twice");
        // Folders of the files the user named are made (PM2 does so) as the app's user.
        for (const auto* file : {&s.out_file, &s.error_file, &s.log_file, &s.pid_file})
            if (!file->empty())
                if (auto err = make_parent_dirs(*file, who->has_value() ? &**who : nullptr);
                    !err.empty())
                    return make_error(protocol::code::failed, "app '" + s.name + "': " + err);
        p.logs = std::make_shared<AppLogs>(s, ctx.paths.logs_dir(), &ctx.log_hub);
        if (auto err = p.logs->open(); !err.empty())
            return make_error(protocol::code::failed, "app '" + s.name + "': " + err);
        // The daemon holds the sockets: an app that keeps its addresses keeps its sockets (a
        // rebind would fail against ourselves and drop the connections waiting in the backlog).
        const App* existing = ctx.registry.find_app(s.name);
        if (existing && existing->sockets && existing->sockets->specs == s.listen) {
            p.sockets = existing->sockets;
        } else if (!s.listen.empty()) {
            auto bound = bind_listen_sockets(s.listen);
            if (!bound)
                return make_error(bound.error().code,
                                  "app '" + s.name + "': " + bound.error().message);
            p.sockets = std::move(*bound);
        }
        if (!s.watch.empty()) {
            auto watch = ctx.supervisor.make_watch(s);
            if (!watch)
                return make_error("watch_failed", "app '" + s.name + "': " + watch.error().message);
            p.watch = std::move(*watch);
        }
        out.push_back(std::move(p));
    }
    return out;
}

std::vector<int> install_app(Context& ctx, PreparedApp prepared) {
    App* app = ctx.registry.find_app(prepared.spec.name);
    if (!app) {
        app = &ctx.registry.add_app(std::move(prepared.spec), std::move(prepared.logs));
        app->sockets = std::move(prepared.sockets);
        app->watch = std::move(prepared.watch);
    } else {
        app->sockets = std::move(prepared.sockets);
        app->watch = std::move(prepared.watch);
        app->spec = std::move(prepared.spec);
        // The running instances' captures share this object: give it the new files in place.
        app->logs->flush();
        *app->logs = std::move(*prepared.logs);
    }
    ctx.supervisor.schedule_cron(app->spec.name);
    return resize_app(ctx, *app);
}

std::vector<int> resize_app(Context& ctx, App& app) {
    std::int64_t now = wall_ms();
    while (int(app.instance_ids.size()) < app.spec.instances) ctx.registry.add_instance(app, now);
    while (int(app.instance_ids.size()) > app.spec.instances) {
        int extra = app.instance_ids.back();
        // Out of the app's count now; the supervisor forgets it once it is down.
        ctx.registry.retire(extra);
        ctx.supervisor.remove(extra, nullptr);
    }
    return app.instance_ids;
}

std::vector<int> AppliedApps::all() const {
    std::vector<int> out = running;
    out.insert(out.end(), idle.begin(), idle.end());
    return out;
}

AppliedApps apply_apps(Context& ctx, std::vector<PreparedApp> prepared,
                       const std::optional<std::map<std::string, std::string>>& new_env) {
    AppliedApps out;
    for (auto& p : prepared) {
        const App* existing = ctx.registry.find_app(p.spec.name);
        std::vector<int> running;
        if (existing)
            for (int id : existing->instance_ids)
                if (const Instance* inst = ctx.registry.find(id);
                    inst && (is_running(inst->status) || inst->status == Status::waiting_restart))
                    running.push_back(id);
        // The base environment is the creator's unless --update-env says otherwise.
        if (existing) p.spec.base_env = new_env ? SharedEnv(*new_env) : existing->spec.base_env;
        const bool start_new = existing || p.spec.autostart;
        for (int id : install_app(ctx, std::move(p))) {
            if (std::find(running.begin(), running.end(), id) != running.end())
                out.running.push_back(id);
            else if (start_new)
                out.idle.push_back(id);
        }
    }
    return out;
}

Result<AppliedApps>
apply_request(Context& ctx, const nlohmann::json& req,
              const std::optional<std::map<std::string, std::string>>& new_env) {
    auto prepared = prepare_apps(ctx, req);
    if (!prepared) return prepared.error();
    AppliedApps applied = apply_apps(ctx, std::move(*prepared), new_env);
    for (int id : applied.idle) ctx.supervisor.start(id);
    return applied;
}

void set_base_env(Context& ctx, const std::vector<int>& ids,
                  const std::map<std::string, std::string>& env) {
    SharedEnv shared(env); // one copy for all of them
    for (int id : ids)
        if (const Instance* inst = ctx.registry.find(id))
            if (App* app = ctx.registry.find_app(inst->app)) app->spec.base_env = shared;
}

Result<std::optional<std::map<std::string, std::string>>> request_env(const nlohmann::json& req) {
    if (!req.contains("env")) return std::optional<std::map<std::string, std::string>>{};
    auto env = req.at("env").get<std::map<std::string, std::string>>();
    for (const auto& [k, v] : env)
        if (k.empty() || k.find_first_of(std::string("=\0", 2)) != std::string::npos ||
            v.find('\0') != std::string::npos)
            return make_error(protocol::code::bad_request,
                              "\"env\" holds a bad variable name or a NUL character");
    return std::optional<std::map<std::string, std::string>>{std::move(env)};
}

} // namespace rein::daemon
