#pragma once
// Shared by start and restart: turning the request's specs into apps, all or nothing.
#include "daemon/handlers/handler.hpp"

namespace rein::daemon {

/// A validated spec with its log files already open, ready to be installed.
struct PreparedApp {
    AppSpec spec;
    std::shared_ptr<AppLogs> logs;
};

/// Parses `req["apps"]` and opens each app's log files; any failure rejects the whole request
/// before anything changes.
Result<std::vector<PreparedApp>> prepare_apps(Context& ctx, const nlohmann::json& req);

/// Installs `prepared` as the app's config (creating the app when new) and grows or shrinks it
/// to spec.instances. Returns the ids of the instances it should now run; removed instances are
/// stopped in the background.
std::vector<int> install_app(Context& ctx, PreparedApp prepared);

} // namespace rein::daemon
