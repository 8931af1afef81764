// A root daemon running apps as another user (issue 9, finding 1): files it creates for them, the
// identity they get, and readiness from behind the 0700 home. Needs root and the `nobody` user;
// skipped otherwise.
#include "harness.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace rein::test;

namespace {

/// A folder the app user owns (as an app's log folder would be), with a copy of the fixture the
/// user can run wherever the build tree is, and a root-only secret beside it.
struct UserDir {
    std::string dir, fixture, secret;
    uid_t uid = 0;
    gid_t gid = 0;
    UserDir() {
        const passwd* pw = getpwnam("nobody");
        REQUIRE(pw);
        uid = pw->pw_uid;
        gid = pw->pw_gid;
        char tmpl[] = "/tmp/ru.XXXXXX";
        REQUIRE(mkdtemp(tmpl));
        dir = tmpl;
        chmod(dir.c_str(), 0755);
        REQUIRE(chown(dir.c_str(), uid, gid) == 0);
        fixture = dir + "/fixture";
        std::filesystem::copy_file(rein::test::fixture(), fixture);
        chmod(fixture.c_str(), 0755);
        secret = dir + ".secret";
        std::ofstream(secret) << "secret\n";
        chmod(secret.c_str(), 0600);
    }
    ~UserDir() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
        std::filesystem::remove(secret, ec);
    }
    std::string app(const std::string& name, const std::vector<std::string>& actions,
                    const std::vector<std::string>& extra) const {
        std::string s = "  - name: " + name + "\n    script: " + fixture + "\n";
        s += "    args: " + nlohmann::json(actions).dump() + "\n";
        for (const auto& line : extra) s += "    " + line + "\n";
        return s;
    }
};

bool can_run() {
    return geteuid() == 0 && getpwnam("nobody") != nullptr;
}

std::string status_line(pid_t pid, const std::string& key) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind(key + ":", 0) == 0) return line;
    return "";
}

} // namespace

TEST_CASE("a link planted in an app's log folder cannot make root write elsewhere") {
    if (!can_run()) return;
    Home h;
    UserDir u;
    std::string out = u.dir + "/out.log";
    REQUIRE(h.rein({"start", h.ecosystem({u.app("u", {"every", "20"},
                                                {"uid: nobody", "out_file: " + out})})})
                .code == 0);
    REQUIRE(h.wait_status("u", "online"));
    Background follow(h, {"logs", "u", "--lines", "0"});
    // The app's user replaces its log with a link to a root-only file, then logrotate's
    // postrotate asks for the files to be reopened.
    std::filesystem::remove(out);
    std::filesystem::create_symlink(u.secret, out);
    h.rein({"reloadLogs"});
    // Lines keep coming (to the old file): the daemon went on, and root wrote none to the secret.
    std::size_t seen = 0;
    CHECK(follow.read_until([&](const std::string& t) { return (seen = t.size()) > 0; }));
    CHECK(follow.read_until([&](const std::string& t) { return t.size() > seen + 20; }));
    CHECK(slurp(u.secret) == "secret\n");
}

TEST_CASE("a pid file link does not make root overwrite its target") {
    if (!can_run()) return;
    Home h;
    UserDir u;
    std::string pid_file = u.dir + "/app.pid";
    std::filesystem::create_symlink(u.secret, pid_file);
    REQUIRE(
        h.rein({"start", h.ecosystem({u.app("u", {}, {"uid: nobody", "pid_file: " + pid_file})})})
            .code == 0);
    REQUIRE(h.wait_status("u", "online"));
    CHECK(slurp(u.secret) == "secret\n");
    CHECK(wait_until([&] { return has(h.read("reind.log"), "cannot write pid file"); }));
}

TEST_CASE("a numeric uid runs with that user's group, groups and home, not root's") {
    if (!can_run()) return;
    Home h;
    UserDir u;
    std::string env = u.dir + "/env";
    REQUIRE(h.rein({"start",
                    h.ecosystem({u.app("u", {"env", env}, {"uid: " + std::to_string(u.uid)})})})
                .code == 0);
    REQUIRE(h.wait_status("u", "online"));
    REQUIRE(wait_until([&] { return !slurp(env).empty(); }));
    pid_t pid = h.rows("u")[0]["pid"].get<pid_t>();
    std::string gid = std::to_string(u.gid);
    CHECK(status_line(pid, "Gid") == "Gid:\t" + gid + "\t" + gid + "\t" + gid + "\t" + gid);
    CHECK(status_line(pid, "Groups") == "Groups:\t" + gid + " ");
    std::string text = slurp(env);
    CHECK(has(text, "\nHOME=" + std::string(getpwnam("nobody")->pw_dir) + "\n"));
    CHECK(has(text, "\nUSER=nobody\n"));
    CHECK(has(text, "\nLOGNAME=nobody\n"));
}

TEST_CASE("a uid outside the user database needs a gid, an unknown user is refused") {
    if (!can_run()) return;
    Home h;
    Run r = h.rein({"start", h.ecosystem({fixture_app("u", {}, {"uid: 54321"})})});
    CHECK(r.code == 1);
    CHECK(has(r.err, "give gid too"));
    int fd = h.connect_raw();
    nlohmann::json spec = {{"name", "u"},
                           {"script", fixture()},
                           {"cwd", h.dir()},
                           {"uid", 65534},
                           {"user", "nosuchuser"}};
    send_all(fd, nlohmann::json({{"id", 1}, {"cmd", "start"}, {"apps", {spec}}}).dump() + "\n");
    CHECK(has(read_line(fd), "no user named 'nosuchuser'"));
    close(fd);
    CHECK(h.jlist().empty());
}

TEST_CASE("an app running as another user can say READY=1") {
    if (!can_run()) return;
    Home h;
    UserDir u;
    REQUIRE(
        h.rein({"start",
                h.ecosystem({u.app("u", {"notify", "READY=1"},
                                   {"uid: nobody", "wait_ready: true", "listen_timeout: 60s"})})})
            .code == 0);
    CHECK(h.wait_status("u", "online"));
}
