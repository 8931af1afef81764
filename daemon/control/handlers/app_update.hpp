#pragma once
// Shared by start and restart: turning the request's specs into apps, all or nothing.
#include "common/spec_check.hpp"
#include "daemon/control/handlers/handler.hpp"

#include <map>
#include <optional>

namespace rein::daemon {

/// A validated spec with its log files already open, ready to be installed.
struct PreparedApp {
    AppSpec spec;
    std::shared_ptr<AppLogs> logs;
    std::shared_ptr<ListenSet> sockets; ///< bound (or the app's own, when unchanged); may be null
    std::shared_ptr<FileWatch> watch;   ///< set up (inotify) when the spec asks; may be null
};

/// Parses `req["apps"]` and opens each app's log files; any failure rejects the whole request
/// before anything changes.
Result<std::vector<PreparedApp>> prepare_apps(Context& ctx, const nlohmann::json& req);

/// Installs `prepared` as the app's config (creating the app when new) and grows or shrinks it
/// to spec.instances. Returns the ids of the instances it should now run; removed instances are
/// stopped in the background.
std::vector<int> install_app(Context& ctx, PreparedApp prepared);

/// Grows or shrinks `app` to spec.instances: new instances are created (not started), the
/// highest ones retired and stopped in the background. Returns the app's instance ids.
std::vector<int> resize_app(Context& ctx, App& app);

/// What installing an ecosystem file's apps left to do (start, restart and reload of a file).
struct AppliedApps {
    std::vector<int> running; ///< instances of known apps that run: to restart or reload
    std::vector<int> idle;    ///< new instances and those not running: to start
    std::vector<int> all() const;
};

/// Installs each prepared app as its app's current config (creating new apps, resizing known
/// ones). A known app keeps its base environment unless `new_env` (--update-env) is given.
/// Instances of new apps with `autostart: false` are left out of `idle` (they stay stopped).
AppliedApps apply_apps(Context& ctx, std::vector<PreparedApp> prepared,
                       const std::optional<std::map<std::string, std::string>>& new_env);

/// prepare_apps + apply_apps for a request's "apps", then starts the idle instances; returns
/// what still runs (to restart or reload). Nothing changes when a spec is refused.
Result<AppliedApps> apply_request(Context& ctx, const nlohmann::json& req,
                                  const std::optional<std::map<std::string, std::string>>& new_env);

/// --update-env on a selector: the apps of `ids` take `env` as their base environment.
void set_base_env(Context& ctx, const std::vector<int>& ids,
                  const std::map<std::string, std::string>& env);

/// The request's "env" (--update-env: the caller's whole environment), checked; nullopt when
/// absent.
Result<std::optional<std::map<std::string, std::string>>> request_env(const nlohmann::json& req);

} // namespace rein::daemon
