#include "daemon/supervision/identity.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>

namespace rein::daemon {

namespace {

/// The user's supplementary groups, `gid` included.
std::vector<gid_t> groups_of(const char* name, gid_t gid) {
    int n = 32;
    std::vector<gid_t> groups;
    for (int tries = 0; tries < 8; ++tries) {
        groups.resize(std::size_t(n));
        int want = n;
        if (getgrouplist(name, gid, groups.data(), &want) >= 0) {
            groups.resize(std::size_t(want));
            return groups;
        }
        n = want > n ? want : n * 2;
    }
    return {gid};
}

} // namespace

Result<std::optional<Identity>> app_identity(const AppSpec& spec) {
    if (!spec.uid) return std::optional<Identity>();
    const uid_t uid = *spec.uid;
    if (geteuid() != 0) {
        if (uid == geteuid()) return std::optional<Identity>();
        return make_error("failed",
                          "uid " + std::to_string(uid) + " needs a daemon running as root");
    }
    if (!spec.user.empty()) {
        const passwd* named = getpwnam(spec.user.c_str());
        if (!named) return make_error("bad_request", "no user named '" + spec.user + "'");
        if (named->pw_uid != uid)
            return make_error("bad_request", "user '" + spec.user + "' is uid " +
                                                 std::to_string(named->pw_uid) + ", not " +
                                                 std::to_string(uid));
    }
    Identity id;
    id.uid = uid;
    if (const passwd* pw = getpwuid(uid)) {
        id.name = pw->pw_name;
        id.gid = spec.gid ? *spec.gid : pw->pw_gid;
        id.home = pw->pw_dir && *pw->pw_dir ? pw->pw_dir : "/";
        id.shell = pw->pw_shell ? pw->pw_shell : "";
        id.groups = groups_of(pw->pw_name, id.gid);
    } else {
        // No entry: no primary group to take, and root's would be a privilege it never had.
        if (!spec.gid)
            return make_error("bad_request", "uid " + std::to_string(uid) +
                                                 " is not in the user database: give gid too");
        id.name = std::to_string(uid);
        id.gid = *spec.gid;
        id.groups = {id.gid};
    }
    return std::optional<Identity>(std::move(id));
}

FsIdentity::FsIdentity(const Identity* id) : m_active(id != nullptr) {
    if (!m_active) return;
    int n = getgroups(0, nullptr);
    m_saved_groups.resize(std::size_t(n > 0 ? n : 0));
    if (n > 0) getgroups(n, m_saved_groups.data());
    setgroups(id->groups.size(), id->groups.data());
    setfsgid(id->gid);
    setfsuid(id->uid);
}

FsIdentity::~FsIdentity() {
    if (!m_active) return;
    setfsuid(geteuid());
    setfsgid(getegid());
    setgroups(m_saved_groups.size(), m_saved_groups.data());
}

std::string write_pid_file(const std::string& path, pid_t pid, const Identity* id) {
    FsIdentity as(id);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) return "cannot write pid file " + path + ": " + std::strerror(errno);
    std::string text = std::to_string(pid) + "\n";
    bool ok = ::write(fd, text.data(), text.size()) == ssize_t(text.size());
    ::close(fd);
    return ok ? "" : "cannot write pid file " + path;
}

std::string make_parent_dirs(const std::string& path, const Identity* id) {
    auto slash = path.rfind('/');
    if (slash == std::string::npos || slash == 0) return {};
    std::string dir = path.substr(0, slash);
    struct stat st {};
    if (::stat(dir.c_str(), &st) == 0) return {}; // there (a file there fails at the open)
    FsIdentity as(id);
    // Each level from the top: mkdir -p without following anything new the user did not make.
    for (auto at = dir.find('/', 1);; at = dir.find('/', at + 1)) {
        std::string part = dir.substr(0, at);
        if (::mkdir(part.c_str(), 0755) != 0 && errno != EEXIST)
            return "cannot create folder " + part + ": " + std::strerror(errno);
        if (at == std::string::npos) return {};
    }
}

void remove_pid_file(const std::string& path, const Identity* id) {
    FsIdentity as(id);
    ::unlink(path.c_str());
}

} // namespace rein::daemon
