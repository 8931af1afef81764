#pragma once
// Shared by start and restart: turning the request's specs into apps, all or nothing.
#include "common/spec_check.hpp"
#include "daemon/handlers/handler.hpp"

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

} // namespace rein::daemon
