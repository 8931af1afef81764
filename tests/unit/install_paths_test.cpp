// Where reind finds rein-holder and librein-bind.so: the build tree, an install moved anywhere,
// an executable replaced by an upgrade, and the environment as the last resort.
#include "daemon/install_paths.hpp"

#include <cstdlib>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>

using namespace rein::daemon;
namespace fs = std::filesystem;

namespace {

struct Tree {
    fs::path root;
    Tree() {
        char tmpl[] = "/tmp/rein-paths-XXXXXX";
        root = mkdtemp(tmpl);
    }
    ~Tree() { fs::remove_all(root); }
    // A file at `rel` with the given permissions.
    std::string put(const std::string& rel, fs::perms mode) const {
        fs::path p = root / rel;
        fs::create_directories(p.parent_path());
        std::ofstream(p) << "x";
        fs::permissions(p, mode);
        return p.string();
    }
};

constexpr fs::perms k_exec = fs::perms::owner_all;
constexpr fs::perms k_read = fs::perms::owner_read | fs::perms::owner_write;

std::string installed(const Tree& t, Companion c) {
    return (t.root / "bin" / companion_install_dir(c) / companion_file(c)).lexically_normal();
}

} // namespace

TEST_CASE("an installed tree is found relative to reind's folder, wherever it was moved") {
    Tree t;
    std::string reind = t.put("bin/reind", k_exec);
    std::string holder =
        t.put(fs::path(installed(t, Companion::holder)).lexically_relative(t.root), k_exec);
    std::string lib =
        t.put(fs::path(installed(t, Companion::bind_library)).lexically_relative(t.root), k_read);
    CHECK(companion_path(Companion::holder, reind) == holder);
    CHECK(companion_path(Companion::bind_library, reind) == lib);
    // A package upgrade replaced the executable: the kernel names it "... (deleted)".
    CHECK(companion_path(Companion::holder, reind + " (deleted)") == holder);
    // The build tree: next to reind wins.
    std::string next = t.put("bin/rein-holder", k_exec);
    CHECK(companion_path(Companion::holder, reind) == next);
}

TEST_CASE("the holder must be executable, else the environment variable, else nothing") {
    Tree t;
    std::string reind = t.put("bin/reind", k_exec);
    t.put(fs::path(installed(t, Companion::holder)).lexically_relative(t.root), k_read);
    unsetenv("REIN_HOLDER");
    CHECK(companion_path(Companion::holder, reind).empty());
    std::string env = t.put("elsewhere/rein-holder", k_exec);
    setenv("REIN_HOLDER", env.c_str(), 1);
    CHECK(companion_path(Companion::holder, reind) == env);
    unsetenv("REIN_HOLDER");
    unsetenv("REIN_PRELOAD");
    CHECK(companion_path(Companion::bind_library, reind).empty());
}
