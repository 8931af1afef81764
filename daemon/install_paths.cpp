#include "daemon/install_paths.hpp"

#include "common/files.hpp"
#include "rein_install_dirs.hpp" // written by cmake/install.cmake for the configured layout

#include <cstdlib>
#include <filesystem>
#include <unistd.h>

namespace rein::daemon {

namespace {

struct Spec {
    const char* file;
    const char* install_dir;
    const char* env;
    int access_mode;
};

Spec spec_of(Companion which) {
    if (which == Companion::holder)
        return {"rein-holder", REIN_INSTALL_HOLDER_DIR, "REIN_HOLDER", X_OK};
    return {"librein-bind.so", REIN_INSTALL_BIND_LIBRARY_DIR, "REIN_PRELOAD", R_OK};
}

} // namespace

const char* companion_file(Companion which) {
    return spec_of(which).file;
}

const char* companion_install_dir(Companion which) {
    return spec_of(which).install_dir;
}

std::string companion_path(Companion which, const std::string& reind_exe) {
    Spec s = spec_of(which);
    // The folder holds even for an executable replaced by a package upgrade, which the kernel
    // names "/usr/bin/reind (deleted)": the new companions are where the old ones were.
    std::size_t slash = reind_exe.rfind('/');
    if (slash != std::string::npos) {
        std::string dir = reind_exe.substr(0, slash + 1);
        for (std::string candidate : {dir + s.file, dir + s.install_dir + "/" + s.file})
            if (access(candidate.c_str(), s.access_mode) == 0)
                return std::filesystem::path(candidate).lexically_normal().string();
    }
    const char* env = std::getenv(s.env);
    if (env && *env && access(env, s.access_mode) == 0) return env;
    return {};
}

std::string companion_path(Companion which) {
    return companion_path(which, executable_path());
}

} // namespace rein::daemon
