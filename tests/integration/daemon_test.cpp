// The daemon itself: autostart, ping, kill, its files and their modes, a hostile socket peer.
#include "harness.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

using namespace rein::test;

namespace {

mode_t mode_of(const std::string& path) {
    struct stat st {};
    REQUIRE(stat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

} // namespace

TEST_CASE("the first command starts the daemon, which answers ping") {
    Home h;
    Run r = h.rein({"ping"});
    CHECK(r.code == 0);
    CHECK(r.out.find("reind " REIN_VERSION) != std::string::npos);
    pid_t d = h.daemon_pid();
    CHECK(alive(d));
    CHECK(mode_of(h.dir()) == 0700);
    CHECK(mode_of(h.path("rein.sock")) == 0600);
    // reind.log is made just after the first answer (it is not worth the first command's time).
    CHECK(wait_until([&] { return h.read("reind.log").find("serving") != std::string::npos; }));
    // A second command reuses the same daemon.
    CHECK(h.rein({"ls"}).code == 0);
    CHECK(h.daemon_pid() == d);
}

TEST_CASE("kill stops every app and ends the daemon") {
    Home h;
    std::string eco = h.write("eco.yaml", "apps:\n"
                                          "  - name: a\n    script: " +
                                              fixture() +
                                              "\n"
                                              "  - name: b\n    script: " +
                                              fixture() +
                                              "\n"
                                              "    instances: 2\n");
    REQUIRE(h.rein({"start", eco}).code == 0);
    REQUIRE(h.wait_status("a", "online"));
    REQUIRE(h.wait_status("b", "online", 2));
    std::vector<pid_t> pids;
    for (const auto& row : h.jlist()) pids.push_back(row["pid"].get<pid_t>());
    pid_t d = h.daemon_pid();
    Run r = h.rein({"kill"});
    CHECK(r.code == 0);
    CHECK_FALSE(alive(d));
    for (pid_t p : pids) CHECK_FALSE(alive(p));
    CHECK(access(h.path("rein.sock").c_str(), F_OK) != 0);
    // kill without a daemon is not an error.
    CHECK(h.rein({"kill"}).code == 0);
}

TEST_CASE("garbage, wrong types and oversized requests leave the daemon serving") {
    Home h;
    REQUIRE(h.rein({"ping"}).code == 0);
    pid_t d = h.daemon_pid();

    int fd = h.connect_raw();
    timeval tv{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    send_all(fd, "this is not json\n");
    CHECK(read_line(fd).find("\"ok\":false") != std::string::npos);
    send_all(fd, "[1,2,3]\n");
    CHECK(read_line(fd).find("bad_request") != std::string::npos);
    send_all(fd, "{\"id\":1,\"cmd\":42}\n");
    CHECK(read_line(fd).find("bad_request") != std::string::npos);
    send_all(fd, "{\"id\":2,\"cmd\":\"stop\",\"selector\":[true]}\n");
    CHECK(read_line(fd).find("bad_request") != std::string::npos);
    send_all(fd, "{\"id\":3,\"cmd\":\"nope\"}\n");
    CHECK(read_line(fd).find("unknown_command") != std::string::npos);
    send_all(fd, "{\"id\":4,\"cmd\":\"start\",\"apps\":[{\"name\":7}]}\n");
    CHECK(read_line(fd).find("\"ok\":false") != std::string::npos);
    // The same connection still carries requests.
    send_all(fd, "{\"id\":5,\"cmd\":\"ping\"}\n");
    CHECK(read_line(fd).find("\"ok\":true") != std::string::npos);
    close(fd);

    // Over 1 MiB without a newline: an error reply or a closed connection, nothing more.
    fd = h.connect_raw();
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    send_all(fd, std::string(2 * 1024 * 1024, 'x'));
    std::string reply = read_line(fd);
    CHECK((reply.empty() || reply.find("too_large") != std::string::npos));
    close(fd);

    // Binary junk with NULs, then a half request and a hang-up.
    fd = h.connect_raw();
    send_all(fd, std::string("\0\xff\xfe{\"id\":\n", 9));
    send_all(fd, "{\"id\":9,\"cmd\":\"pi");
    close(fd);

    Run r = h.rein({"ping"});
    CHECK(r.code == 0);
    CHECK(h.daemon_pid() == d);
    CHECK(alive(d));
}

TEST_CASE("a REIN_HOME too long for a socket path is a clear error") {
    Home h;
    std::string long_home = h.dir() + "/" + std::string(120, 'h');
    Run r = h.rein({"ping"}, {"REIN_HOME=" + long_home});
    CHECK(r.code == 1);
    CHECK(r.err.find("socket") != std::string::npos);
}

TEST_CASE("usage errors exit 2, failures exit 1") {
    Home h;
    CHECK(h.rein({}).code == 2);
    CHECK(h.rein({"frobnicate"}).code == 2);
    CHECK(h.rein({"stop"}).code == 2);
    CHECK(h.rein({"start", "x", "--instances"}).code == 2);
    Run r = h.rein({"stop", "nosuchapp"});
    CHECK(r.code == 1);
    CHECK(r.err.find("nosuchapp") != std::string::npos);
    CHECK(h.rein({"--help"}).code == 0);
}

// rein builds only the named command's parser (start-up speed): every name and alias must
// still reach it, and the help with no command yet must still list them all.
TEST_CASE("each command name and alias reaches its command, and the help lists them all") {
    Home h;
    Run help = h.rein({"--help"});
    CHECK(help.code == 0);
    for (const char* name :
         {"start", "jlist", "import", "ecosystem, init", "startOrGracefulReload"})
        CHECK(help.out.find(name) != std::string::npos);
    for (auto [word, name] : {std::pair{"ls", "rein list"},
                              {"del", "rein delete"},
                              {"startOrGracefulReload", "rein startOrReload"}}) {
        Run sub = h.rein({"--no-color", word, "--help"});
        CHECK(sub.code == 0);
        CHECK(sub.out.find(name) != std::string::npos);
    }
    Run before = h.rein({"--help", "jlist"}); // help first, then the command: its own help
    CHECK(before.code == 0);
    CHECK(before.out.find("rein jlist") != std::string::npos);
    Run version = h.rein({"--version"});
    CHECK(version.code == 0);
    CHECK(version.out.rfind("rein ", 0) == 0);
}
