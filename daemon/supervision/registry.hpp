#pragma once
// All apps and instances the daemon knows, and selector resolution over them.
#include "common/result.hpp"
#include "daemon/supervision/instance.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace rein::daemon {

class Registry {
  public:
    App* find_app(const std::string& name);
    Instance* find(int id);
    Instance* find_by_pid(pid_t pid);

    /// Adds an app (its name must be new) with no instances yet.
    App& add_app(AppSpec spec, std::shared_ptr<AppLogs> logs);
    /// Creates the next instance of `app`: a fresh id (never reused) and index.
    Instance& add_instance(App& app, std::int64_t now_wall);
    /// Creates an instance that will replace `old_id` (reload): a fresh id, the same index and
    /// place in the app, the same created_at. `old_id` should be retired once it is ready.
    Instance& add_replacement(App& app, int old_id, std::int64_t now_wall);
    /// Exchanges the records at ids `a` and `b` (each keeps its id): a reload's successor takes
    /// the id of the instance it replaces, as PM2's pm_id stays. Neither may be retired.
    void swap_ids(int a, int b);
    /// Takes an instance out of its app's count (it is being stopped for good); it stays listed
    /// until erase().
    void retire(int id);
    /// Forgets an instance; the app goes too once it has none left.
    void erase(int id);

    void set_pid(Instance& inst, pid_t pid);

    /// Puts back an instance of an earlier daemon image (rein update) with its own id; its app
    /// must be there and already list it.
    Instance& adopt(Instance inst);
    /// The id the next instance gets; carried across rein update so ids are never reused.
    int next_id() const { return m_next_id; }
    void set_next_id(int id) { m_next_id = std::max(m_next_id, id); }
    /// The serial the next spawn gets (Instance::run); never reused, carried like next_id.
    std::uint64_t next_run() const { return m_next_run; }
    void set_next_run(std::uint64_t run) { m_next_run = std::max(m_next_run, run); }
    /// A fresh run serial.
    std::uint64_t take_run() { return m_next_run++; }

    /// Called after each change of apps or instances (the persisted state is rewritten at the
    /// end of the loop turn); unset: nothing is persisted.
    std::function<void()> on_change;
    /// Tells on_change that something changed (the supervisor's transitions call it too).
    void changed() {
        if (on_change) on_change();
    }
    /// Writes the state now (on_commit, else as changed()): sockets closed must leave the
    /// holder before anything binds their addresses again.
    std::function<void()> on_commit;
    void commit_now() {
        if (on_commit)
            on_commit();
        else
            changed();
    }

    /// Instance ids for a selector: `all`, an id, an app name, a namespace, `/regex/` (apps
    /// whose name it matches anywhere) or an absolute script path (apps running that file).
    /// Error code "not_found" when nothing matches, "bad_request" for a malformed regex.
    Result<std::vector<int>> select(const std::string& selector) const;
    /// The union of several selectors (`rein stop a 3 /^api/`), in id order, each id once;
    /// fails on the first selector that matches nothing.
    Result<std::vector<int>> select_many(const std::vector<std::string>& selectors) const;
    /// Instance ids of the named apps; names not present are reported as not_found.
    Result<std::vector<int>> select_apps(const std::vector<std::string>& names) const;

    const std::map<int, Instance>& instances() const { return m_instances; }
    std::map<int, Instance>& instances() { return m_instances; }
    const std::map<std::string, App>& apps() const { return m_apps; }
    std::map<std::string, App>& apps() { return m_apps; }

  private:
    std::map<int, Instance> m_instances;
    std::map<std::string, App> m_apps;
    SharedEnv m_last_env; ///< the environment of the app added last (shared by equal ones)
    std::unordered_map<pid_t, int> m_by_pid;
    int m_next_id = 0;
    std::uint64_t m_next_run = 1;
};

} // namespace rein::daemon
