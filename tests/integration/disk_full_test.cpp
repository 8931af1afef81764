// A full log disk (issue 9, finding 4): the app blocks instead of losing lines, the problem shows
// in jlist and reind.log, and once there is room every line lands exactly once, in order. Needs
// root to mount a small tmpfs; skipped otherwise.
#include "harness.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <sys/mount.h>
#include <unistd.h>

using namespace rein::test;

namespace {

struct Tmpfs {
    std::string dir;
    bool mounted = false;
    explicit Tmpfs(const std::string& path) : dir(path) {
        mkdir(dir.c_str(), 0755);
        mounted = mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=1m") == 0;
    }
    ~Tmpfs() {
        if (mounted) umount2(dir.c_str(), MNT_DETACH);
        rmdir(dir.c_str());
    }
};

} // namespace

TEST_CASE("a full log disk blocks the app, every line lands once there is room again") {
    Home h;
    Tmpfs disk(h.path("disk"));
    if (!disk.mounted) return; // not root, or no mount permission here
    // Fill the disk but for a few KiB, so the app's first lines fit and the rest do not.
    {
        std::ofstream filler(disk.dir + "/filler");
        filler << std::string(1024 * 1024 - 16 * 1024, 'f');
    }
    const int lines = 60000; // about 650 KiB of "line N"
    std::string out = disk.dir + "/out.log";
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app("w", {"print", std::to_string(lines)},
                                                      {"out_file: " + out})})})
                .code == 0);
    // The disk is full: the daemon says so where users look.
    CHECK(wait_until([&] {
        auto rows = h.rows("w");
        return !rows.empty() && rows[0]["log_error"].is_string() &&
               has(rows[0]["log_error"].get<std::string>(), "No space left");
    }));
    CHECK(has(h.read("reind.log"), "cannot write log file " + out));
    unlink((disk.dir + "/filler").c_str());
    // Room again: every line, once, in order.
    CHECK(wait_until([&] { return has(slurp(out), "line " + std::to_string(lines) + "\n"); }));
    std::istringstream in(slurp(out));
    int expect = 1;
    bool in_order = true;
    for (std::string line; std::getline(in, line); ++expect)
        in_order = in_order && line == "line " + std::to_string(expect);
    CHECK(in_order);
    CHECK(expect - 1 == lines);
    CHECK(wait_until([&] { return h.rows("w")[0]["log_error"].is_null(); }));
}
