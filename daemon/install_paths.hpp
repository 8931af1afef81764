#pragma once
// Where reind finds the two programs it hands work to, rein-holder and librein-bind.so. In the
// build tree they sit next to reind; `make install` and the .deb put them in libexec/ and lib/
// (docs/install.md), found through the path from the bin folder to theirs that the build
// computed for the layout it installs. Relative, so a tree moved elsewhere (DESTDIR, a copied
// /opt/rein) still works. The environment variable is the last resort.
#include <string>

namespace rein::daemon {

/// A file that reind needs beside itself.
enum class Companion {
    holder,       ///< rein-holder (executable; $REIN_HOLDER)
    bind_library, ///< librein-bind.so (readable; $REIN_PRELOAD)
};

/// Its file name ("rein-holder").
const char* companion_file(Companion which);

/// The folder, relative to the folder of reind, where an install puts it ("../libexec/rein").
const char* companion_install_dir(Companion which);

/// Its path for a reind whose executable is `reind_exe`: next to it, else in
/// companion_install_dir() from its folder, else the environment variable; "" when none is
/// usable (not executable resp. not readable).
std::string companion_path(Companion which, const std::string& reind_exe);

/// The same for this process's own executable.
std::string companion_path(Companion which);

} // namespace rein::daemon
