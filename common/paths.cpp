#include "common/paths.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace rein {

std::size_t max_socket_path() {
    return sizeof(sockaddr_un::sun_path) - 1;
}

Result<Paths> resolve_paths() {
    std::string home;
    if (const char* h = std::getenv("REIN_HOME"); h && *h) {
        home = h;
    } else {
        const char* user_home = std::getenv("HOME");
        if (!user_home || !*user_home) {
            if (passwd* pw = getpwuid(getuid())) user_home = pw->pw_dir;
        }
        if (!user_home || !*user_home)
            return make_error("bad_home", "cannot find a home folder: set REIN_HOME or HOME");
        home = std::string(user_home) + "/.rein";
    }
    if (home[0] != '/') {
        char cwd[4096];
        if (!getcwd(cwd, sizeof cwd))
            return make_error("bad_home", std::string("getcwd failed: ") + std::strerror(errno));
        home = std::string(cwd) + "/" + home;
    }
    while (home.size() > 1 && home.back() == '/') home.pop_back();
    Paths p{home};
    if (p.socket().size() > max_socket_path()) {
        return make_error("bad_home", "REIN_HOME '" + home + "' is too long: its socket path '" +
                                          p.socket() + "' exceeds the " +
                                          std::to_string(max_socket_path()) +
                                          " bytes a Unix socket address holds");
    }
    return p;
}

static Status ensure_dir(const std::string& dir) {
    if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
        return make_error("bad_home", "cannot create " + dir + ": " + std::strerror(errno));
    struct stat st {};
    if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return make_error("bad_home", dir + " is not a folder");
    if (st.st_uid != geteuid())
        return make_error("bad_home",
                          dir + " belongs to another user (uid " + std::to_string(st.st_uid) + ")");
    return Ok{};
}

Status ensure_home_dir(const Paths& paths) {
    if (auto s = ensure_dir(paths.home); !s) return s;
    struct stat st {};
    stat(paths.home.c_str(), &st);
    // The home holds the control socket: nobody else may reach into it.
    if ((st.st_mode & 0077) != 0 && chmod(paths.home.c_str(), 0700) != 0)
        return make_error("bad_home",
                          "cannot make " + paths.home + " private: " + std::strerror(errno));
    return Ok{};
}

Status ensure_home(const Paths& paths) {
    if (auto s = ensure_home_dir(paths); !s) return s;
    return ensure_dir(paths.logs_dir());
}

std::string Paths::notify_socket() const {
    // FNV-1a of the home: stable across daemon restarts and updates, distinct per home.
    std::uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : home) h = (h ^ c) * 1099511628211ULL;
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    return std::string("@rein-") + hex + ".notify";
}

std::string Paths::bind_socket() const {
    std::string name = notify_socket();
    return name.substr(0, name.rfind('.')) + ".bind";
}

} // namespace rein
