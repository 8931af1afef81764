// rein --host ssh://...: every command through a real sshd on 127.0.0.1 (the remote rein is
// this build's, its REIN_HOME set by the server), several hosts merged, and rein proxy itself.
#include "harness.hpp"
#include "http.hpp"
#include "sshd_fixture.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <set>
#include <sys/stat.h>
#include <sys/wait.h>

using namespace rein::test;

namespace {

#define REQUIRE_SSHD()                                                                             \
    if (!sshd_available()) {                                                                       \
        MESSAGE("/usr/sbin/sshd is not installed (Debian: openssh-server): skipped");              \
        return;                                                                                    \
    }

std::vector<int> instance_pids(const Home& h, const std::string& name) {
    std::vector<int> out;
    for (const auto& r : h.rows(name)) out.push_back(r.value("pid", 0));
    return out;
}

int occurrences(const std::string& text, const std::string& part) {
    int n = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
    return n;
}

} // namespace

TEST_CASE("over ssh: ls, start from an ecosystem file, logs --nostream and reload") {
    REQUIRE_SSHD();
    Home h;
    Sshd sshd(h.dir());
    const auto env = sshd.env();
    Run ls = h.rein({"--host", sshd.url(), "ls"}, env);
    CHECK(ls.code == 0);
    CHECK(has(ls.out, "│ id │ name │"));
    CHECK(ls.err == "");

    // The file is read here; its paths (the fixture's) are the host's, the same machine here.
    std::string eco =
        h.ecosystem({fixture_app("web", {"print", "7"}, {"instances: 2", "exec_mode: cluster"})});
    Run start = h.rein({"start", eco, "--host", sshd.url()}, env);
    REQUIRE(start.code == 0);
    CHECK(has(start.out, "web"));
    // The app runs under the host's daemon: the home sshd gave the remote rein.
    REQUIRE(h.wait_status("web", "online", 2));
    REQUIRE(wait_until([&] { return has(h.read("logs/web-out.log"), "line 7\n"); }));

    Run logs = h.rein({"--host", sshd.url(), "logs", "web", "--lines", "5", "--nostream"}, env);
    CHECK(logs.code == 0);
    CHECK(has(logs.out, "web | line 7\n"));
    CHECK(has(logs.out, h.path("logs/web-out.log")));

    const auto before = instance_pids(h, "web");
    Run reload = h.rein({"--host", sshd.url(), "reload", "web"}, env);
    CHECK(reload.code == 0);
    REQUIRE(h.wait_status("web", "online", 2));
    for (int pid : instance_pids(h, "web"))
        CHECK(std::find(before.begin(), before.end(), pid) == before.end());
}

TEST_CASE("over ssh: a logs follow sees a new line, and REIN_HOST is --host") {
    REQUIRE_SSHD();
    Home h;
    Sshd sshd(h.dir());
    std::string go = h.path("go");
    REQUIRE(h.rein({"start", h.ecosystem({fixture_app(
                                 "quiet", {"print", "2", "waitfile", go, "eprint", "later"})})})
                .code == 0);
    REQUIRE(wait_until([&] { return has(h.read("logs/quiet-out.log"), "line 2\n"); }));

    auto env = sshd.env();
    env.push_back("REIN_HOST=" + sshd.url());
    Background follow(h, {"logs", "quiet", "--lines", "1"}, env);
    REQUIRE(follow.read_until([](const std::string& t) { return has(t, "quiet | line 2\n"); }));
    h.write("go", "");
    CHECK(follow.read_until([](const std::string& t) { return has(t, "0|quiet | later\n"); }));

    Run by_env = h.rein({"jlist"}, env);
    Run by_flag = h.rein({"jlist", "--host", sshd.url()}, sshd.env());
    REQUIRE(by_env.code == 0);
    REQUIRE(by_flag.code == 0);
    auto a = nlohmann::json::parse(by_env.out), b = nlohmann::json::parse(by_flag.out);
    REQUIRE(a.size() == 1);
    CHECK(a[0]["name"] == "quiet");
    CHECK(a[0]["pid"] == b[0]["pid"]);
}

TEST_CASE("over ssh: the ecosystem file is read here, its paths are the host's, checked there") {
    REQUIRE_SSHD();
    Home h;
    Sshd sshd(h.dir());
    std::string eco = h.write("ghost.yaml", "apps:\n  - name: ghost\n    script: app.js\n"
                                            "    cwd: " +
                                                h.path("absent") + "\n");
    // Locally the loader itself refuses it, pointing into the file.
    Run here = h.rein({"start", eco});
    CHECK(here.code == 1);
    CHECK(has(here.err, "ghost.yaml:4:10: cwd '" + h.path("absent") + "' does not exist"));
    // Over ssh the loader leaves the paths to the host: its daemon is the one that refuses.
    Run there = h.rein({"--host", sshd.url(), "start", eco}, sshd.env());
    CHECK(there.code == 1);
    CHECK(there.err == "rein: app 'ghost': cwd '" + h.path("absent") + "' is not a directory\n");
    // A bare command name stays a name, found on the host's PATH.
    Run bare =
        h.rein({"--host", sshd.url(), "start", "sleep", "--name", "nap", "--", "100"}, sshd.env());
    CHECK(bare.code == 0);
    REQUIRE(h.wait_status("nap", "online"));
    CHECK(h.rows("nap").at(0).value("script", "") == "sleep");
}

TEST_CASE("over ssh: the host's apps get the host's environment, never the caller's") {
    REQUIRE_SSHD();
    Home h;
    Sshd sshd(h.dir());
    auto env = sshd.env();
    env.push_back("REIN_CALLER_ONLY=here");
    std::string eco = h.ecosystem({fixture_app("envy", {})});
    REQUIRE(h.rein({"--host", sshd.url(), "start", eco}, env).code == 0);
    REQUIRE(h.wait_status("envy", "online"));
    const std::string id = std::to_string(h.rows("envy").at(0).value("id", -1));
    // The host's session has SSH_CONNECTION (sshd sets it); this machine's caller has its mark.
    Run first = h.rein({"env", id});
    CHECK(has(first.out, "SSH_CONNECTION"));
    CHECK_FALSE(has(first.out, "REIN_CALLER_ONLY"));
    // restart --update-env takes the host's environment again, not the caller's.
    REQUIRE(h.rein({"--host", sshd.url(), "restart", "envy", "--update-env"}, env).code == 0);
    REQUIRE(h.wait_status("envy", "online"));
    Run again = h.rein({"env", id});
    CHECK(has(again.out, "SSH_CONNECTION"));
    CHECK_FALSE(has(again.out, "REIN_CALLER_ONLY"));
}

TEST_CASE("two hosts: one ls with a host column, one jlist with a host field") {
    REQUIRE_SSHD();
    Home h1, h2;
    Sshd s1(h1.dir()), s2(h2.dir());
    REQUIRE(h1.rein({"start", h1.ecosystem({fixture_app("alpha", {})})}).code == 0);
    REQUIRE(h2.rein({"start", h2.ecosystem({fixture_app("beta", {}, {"instances: 2"})})}).code ==
            0);
    // Each server accepts its own client key: one REIN_SSH for both picks the config by port.
    std::string wrapper = h1.write(
        "ssh2", "#!/bin/sh\ncase \" $* \" in *\" " + std::to_string(s2.port()) + " \"*) exec " +
                    s2.ssh_wrapper() + " \"$@\";; esac\nexec " + s1.ssh_wrapper() + " \"$@\"\n");
    REQUIRE(chmod(wrapper.c_str(), 0755) == 0);
    const std::vector<std::string> env = {"REIN_SSH=" + wrapper};

    Run ls = h1.rein({"--host", s1.url(), "--host", s2.url(), "ls"}, env);
    CHECK(ls.code == 0);
    CHECK(ls.err == "");
    CHECK(has(ls.out, "│ host "));
    CHECK(occurrences(ls.out, s1.label()) == 1);
    CHECK(occurrences(ls.out, s2.label()) == 2);
    CHECK(has(ls.out, "alpha"));
    CHECK(has(ls.out, "beta"));

    std::string hosts = h1.write("hosts", "# the fleet\n" + s1.url() + "\n\n" + s2.url() + "\n");
    Run jlist = h1.rein({"jlist", "--hosts-file", hosts}, env);
    REQUIRE(jlist.code == 0);
    auto rows = nlohmann::json::parse(jlist.out);
    REQUIRE(rows.is_array());
    REQUIRE(rows.size() == 3);
    std::multiset<std::string> seen;
    for (const auto& r : rows) seen.insert(r.value("host", "") + " " + r.value("name", ""));
    CHECK(seen == std::multiset<std::string>{s1.label() + " alpha", s2.label() + " beta",
                                             s2.label() + " beta"});

    // A rolling reload goes host by host, and stops at the first host that fails: here the
    // second host has no app "alpha", and the third (the first again) is not reached.
    const auto alpha_before = instance_pids(h1, "alpha");
    Run roll = h1.rein({"reload", "alpha", "--host", s1.url(), "--host", s2.url(), "--host",
                        "ssh://127.0.0.1:" + std::to_string(free_port())},
                       env);
    CHECK(roll.code == 1);
    CHECK(has(roll.err, "rein: failed on " + s2.label() + " (exit 1); not run on 127.0.0.1:"));
    CHECK(instance_pids(h1, "alpha") != alpha_before); // the first host was reloaded
    CHECK(h2.rows("beta").at(0).value("restarts", -1) == 0);

    Run monit = h1.rein({"monit", "--host", s1.url(), "--host", s2.url()}, env);
    CHECK(monit.code == 2);
    CHECK(monit.err == "rein: monit shows one host; give one --host\n");
}

TEST_CASE("a dead host: one clear error naming it, exit 1, and a bad URL exit 2") {
    REQUIRE_SSHD();
    Home h;
    Sshd sshd(h.dir()); // for its client config only
    const std::string dead = "127.0.0.1:" + std::to_string(free_port());
    Run ls = h.rein({"--host", "ssh://" + dead, "ls"}, sshd.env());
    CHECK(ls.code == 1);
    CHECK(ls.out == "");
    CHECK(occurrences(ls.err, "rein: ") == 1);
    CHECK(has(ls.err, "rein: ssh to " + dead +
                          " ended with exit status 255 before the daemon "
                          "there answered\n"));

    Run bad = h.rein({"--host", "http://web1", "ls"});
    CHECK(bad.code == 2);
    CHECK(bad.err == "rein: bad host 'http://web1': the scheme 'http' is not ssh (expected "
                     "ssh://[user@]host[:port])\n");
    Run local = h.rein({"--host", sshd.url(), "startup"}, sshd.env());
    CHECK(local.code == 2);
    CHECK(has(local.err, "'startup' works on this machine only, not over --host"));
}

TEST_CASE("rein proxy: the daemon's replies on stdout, nothing else, and it ends at end of input") {
    Home h;
    std::string cmd = "printf '{\"id\":1,\"cmd\":\"ping\"}\\n' | REIN_HOME=" + h.dir() + " " +
                      REIN_BIN + " proxy > " + h.path("out") + " 2> " + h.path("err");
    REQUIRE(std::system(cmd.c_str()) == 0);
    std::string out = h.read("out");
    CHECK(occurrences(out, "\n") == 1);
    auto reply = nlohmann::json::parse(out);
    CHECK(reply["id"] == 1);
    CHECK(reply["ok"] == true);
    CHECK(h.read("err") == "");

    std::string none = "REIN_HOME=" + h.dir() + "/nobody " + REIN_BIN +
                       " proxy --no-start < /dev/null > " + h.path("out2") + " 2>&1";
    int status = std::system(none.c_str());
    CHECK(WEXITSTATUS(status) == 3);
    CHECK(has(h.read("out2"), "no daemon answers"));
}
