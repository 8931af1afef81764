#include "daemon/supervision/registry.hpp"

#include "common/protocol.hpp"

#include <algorithm>
#include <charconv>
#include <regex>
#include <set>

namespace rein::daemon {

const char* to_string(Status s) {
    switch (s) {
    case Status::launching:
        return "launching";
    case Status::online:
        return "online";
    case Status::stopping:
        return "stopping";
    case Status::stopped:
        return "stopped";
    case Status::errored:
        return "errored";
    case Status::waiting_restart:
        return "waiting_restart";
    }
    return "unknown";
}

App* Registry::find_app(const std::string& name) {
    auto it = m_apps.find(name);
    return it == m_apps.end() ? nullptr : &it->second;
}

Instance* Registry::find(int id) {
    auto it = m_instances.find(id);
    return it == m_instances.end() ? nullptr : &it->second;
}

Instance* Registry::find_by_pid(pid_t pid) {
    auto it = m_by_pid.find(pid);
    return it == m_by_pid.end() ? nullptr : find(it->second);
}

App& Registry::add_app(AppSpec spec, std::shared_ptr<AppLogs> logs) {
    std::string name = spec.name;
    // Apps read back one by one (adoption, rein update, resurrect) share an environment again
    // when it equals the one of the app added before them.
    if (m_last_env.shares(spec.base_env) || !(m_last_env == spec.base_env))
        m_last_env = spec.base_env;
    else
        spec.base_env = m_last_env;
    App& app = m_apps[name];
    app.spec = std::move(spec);
    app.logs = std::move(logs);
    changed();
    return app;
}

Instance& Registry::add_instance(App& app, std::int64_t now_wall) {
    int id = m_next_id++;
    Instance& inst = m_instances[id];
    inst.id = id;
    inst.app = app.spec.name;
    inst.index = int(app.instance_ids.size());
    inst.created_at_wall = now_wall;
    app.instance_ids.push_back(id);
    changed();
    return inst;
}

Instance& Registry::add_replacement(App& app, int old_id, std::int64_t now_wall) {
    const Instance* old = find(old_id);
    int id = m_next_id++;
    Instance& inst = m_instances[id];
    inst.id = id;
    inst.app = app.spec.name;
    inst.index = old ? old->index : int(app.instance_ids.size());
    inst.created_at_wall = old ? old->created_at_wall : now_wall;
    auto at = std::find(app.instance_ids.begin(), app.instance_ids.end(), old_id);
    app.instance_ids.insert(at == app.instance_ids.end() ? at : at + 1, id);
    changed();
    return inst;
}

void Registry::swap_ids(int a, int b) {
    Instance* x = find(a);
    Instance* y = find(b);
    if (!x || !y || a == b) return;
    std::swap(*x, *y);
    x->id = a;
    y->id = b;
    // Both ids stay in their app's list, in place; only the processes behind them move.
    if (x->pid) m_by_pid[x->pid] = a;
    if (y->pid) m_by_pid[y->pid] = b;
    changed();
}

void Registry::retire(int id) {
    Instance* inst = find(id);
    if (!inst || inst->retired) return;
    inst->retired = true;
    if (App* app = find_app(inst->app)) {
        std::erase(app->instance_ids, id);
        app->retiring++;
    }
    changed();
}

void Registry::erase(int id) {
    auto it = m_instances.find(id);
    if (it == m_instances.end()) return;
    if (it->second.pid) m_by_pid.erase(it->second.pid);
    if (App* app = find_app(it->second.app)) {
        if (it->second.retired)
            app->retiring--;
        else
            std::erase(app->instance_ids, id);
        if (app->instance_ids.empty() && app->retiring == 0) m_apps.erase(it->second.app);
    }
    m_instances.erase(it);
    changed();
}

Instance& Registry::adopt(Instance inst) {
    int id = inst.id;
    pid_t pid = inst.pid;
    inst.pid = 0;
    Instance& placed = m_instances[id] = std::move(inst);
    set_pid(placed, pid);
    set_next_id(id + 1);
    return placed;
}

void Registry::set_pid(Instance& inst, pid_t pid) {
    if (inst.pid) m_by_pid.erase(inst.pid);
    inst.pid = pid;
    if (pid) m_by_pid[pid] = inst.id;
    changed();
}

Result<std::vector<int>> Registry::select(const std::string& selector) const {
    std::vector<int> ids;
    if (selector.empty()) return make_error(protocol::code::not_found, "empty selector");
    if (selector == "all") {
        for (const auto& [id, inst] : m_instances) ids.push_back(id);
        if (ids.empty()) return make_error(protocol::code::not_found, "no process is managed");
        return ids;
    }
    int id = 0;
    auto [end, ec] = std::from_chars(selector.data(), selector.data() + selector.size(), id);
    if (ec == std::errc() && end == selector.data() + selector.size()) {
        if (m_instances.count(id)) return std::vector<int>{id};
        return make_error(protocol::code::not_found, "no process with id " + selector);
    }
    if (auto it = m_apps.find(selector); it != m_apps.end()) return it->second.instance_ids;
    if (selector.size() >= 2 && selector.front() == '/' && selector.back() == '/') {
        // PM2's `/regex/`: app names it matches anywhere. ECMAScript grammar, as in PM2.
        std::regex re;
        try {
            re = std::regex(selector.substr(1, selector.size() - 2), std::regex::ECMAScript);
        } catch (const std::regex_error& e) {
            return make_error(protocol::code::bad_request,
                              "bad regular expression " + selector + ": " + e.what());
        }
        for (const auto& [name, app] : m_apps)
            if (std::regex_search(name, re))
                ids.insert(ids.end(), app.instance_ids.begin(), app.instance_ids.end());
        if (ids.empty())
            return make_error(protocol::code::not_found, "no process name matches " + selector);
        std::sort(ids.begin(), ids.end());
        return ids;
    }
    // A path selects the apps running that file (the CLI sends it absolute).
    const bool is_path = selector.front() == '/';
    for (const auto& [name, app] : m_apps)
        if (is_path ? app.spec.script == selector : app.spec.namespace_name == selector)
            ids.insert(ids.end(), app.instance_ids.begin(), app.instance_ids.end());
    if (ids.empty())
        return make_error(protocol::code::not_found,
                          is_path ? "no process runs " + selector
                                  : "no process or namespace named '" + selector + "'");
    std::sort(ids.begin(), ids.end());
    return ids;
}

Result<std::vector<int>> Registry::select_many(const std::vector<std::string>& selectors) const {
    std::set<int> ids;
    for (const auto& sel : selectors) {
        auto some = select(sel);
        if (!some) return some.error();
        ids.insert(some->begin(), some->end());
    }
    if (ids.empty()) return make_error(protocol::code::bad_request, "no selector given");
    return std::vector<int>(ids.begin(), ids.end());
}

Result<std::vector<int>> Registry::select_apps(const std::vector<std::string>& names) const {
    std::vector<int> ids;
    for (const auto& name : names) {
        auto it = m_apps.find(name);
        if (it == m_apps.end())
            return make_error(protocol::code::not_found, "no process named '" + name + "'");
        ids.insert(ids.end(), it->second.instance_ids.begin(), it->second.instance_ids.end());
    }
    std::sort(ids.begin(), ids.end());
    return ids;
}

} // namespace rein::daemon
