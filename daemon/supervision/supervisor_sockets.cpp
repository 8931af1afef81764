// The lifetime of an app's sockets: held while any instance will accept (connections wait in
// the backlog across restarts and reloads), closed once none will, bound again on start.
#include "daemon/supervision/supervisor.hpp"

#include <spdlog/spdlog.h>

namespace rein::daemon {

std::string Supervisor::reopen_sockets(App& app) {
    if (app.sockets || app.spec.listen.empty()) return {};
    auto bound = bind_listen_sockets(app.spec.listen);
    if (!bound) return bound.error().message;
    app.sockets = std::move(*bound);
    spdlog::info("{}: listen sockets bound again", app.spec.name);
    return {};
}

void Supervisor::close_sockets_when_idle(const std::string& name) {
    m_reactor.after(0, [this, name] {
        App* app = m_registry.find_app(name);
        if (!app || (!app->sockets && !app->handed)) return;
        for (int id : app->instance_ids) {
            const Instance* inst = m_registry.find(id);
            if (inst && (is_running(inst->status) || inst->status == Status::waiting_restart))
                return;
        }
        app->sockets.reset(); // Unix socket files go with them
        app->handed.reset();
        m_registry.commit_now();
        spdlog::info("{}: no instance serves: its sockets are closed until it starts again", name);
    });
}

} // namespace rein::daemon
