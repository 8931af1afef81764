#pragma once
// Who an app runs as, and acting as that user on its behalf. A root daemon creates log and pid
// files for apps that run as another uid; it does so with the app user's own file permissions
// (setfsuid), so a link the app plants in its folders cannot make root write elsewhere.
#include "common/app_spec.hpp"
#include "common/result.hpp"

#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace rein::daemon {

/// The user an app runs as, resolved from the user database by the daemon itself.
struct Identity {
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups; ///< supplementary groups (the user's, from the group database)
    std::string name;          ///< USER and LOGNAME
    std::string home = "/";    ///< HOME
    std::string shell;         ///< SHELL; empty when the user database gives none
};

/// The identity an app with `spec.uid` runs as; nothing when it runs as the daemon's own user.
/// A uid with no user-database entry needs an explicit gid (never root's group by default); a
/// `user` name must exist and match the uid.
Result<std::optional<Identity>> app_identity(const AppSpec& spec);

/// While alive, the daemon's file-system access (open, rename, unlink) is checked as `id`'s:
/// fs uid and gid, and supplementary groups. Nothing changes when `id` is null. The daemon is
/// single-threaded, so nothing else runs meanwhile.
class FsIdentity {
  public:
    explicit FsIdentity(const Identity* id);
    ~FsIdentity();
    FsIdentity(const FsIdentity&) = delete;
    FsIdentity& operator=(const FsIdentity&) = delete;

  private:
    bool m_active = false;
    std::vector<gid_t> m_saved_groups;
};

/// Writes `pid` to the pid file at `path` as `id` (or as the daemon when null), never through
/// a symbolic link. Returns an error sentence, empty on success.
std::string write_pid_file(const std::string& path, pid_t pid, const Identity* id);
/// Creates the missing folders above `path` (mode 0755) as `id` (or as the daemon when null),
/// as PM2 does for log and pid files. Returns an error sentence, empty on success.
std::string make_parent_dirs(const std::string& path, const Identity* id);
/// Removes the pid file as `id`.
void remove_pid_file(const std::string& path, const Identity* id);

} // namespace rein::daemon
