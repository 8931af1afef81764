// rein-holder and FdStore together: the real holder binary, started through the daemon's code.
// A destroyed FdStore stands for a daemon that died (no BYE); a second one for the next daemon.
#include "daemon/continuity/fd_store.hpp"
#include "daemon/install_paths.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using rein::Paths;
using rein::UniqueFd;
using rein::daemon::FdStore;
using rein::daemon::Reactor;

namespace {

bool wait_for(const std::function<bool()>& pred, int timeout_ms = 10000) {
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!pred()) {
        if (std::chrono::steady_clock::now() > end) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

// Exists and is no zombie (a dead holder stays one until this process reaps it).
bool alive(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (pid <= 0 || !std::getline(stat, line)) return false;
    auto paren = line.rfind(')');
    return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] != 'Z';
}

bool exists(const std::string& path) {
    struct stat st {};
    return lstat(path.c_str(), &st) == 0;
}

struct Pipe {
    UniqueFd r, w;
    Pipe() {
        int p[2];
        REQUIRE(pipe2(p, O_CLOEXEC) == 0);
        r.reset(p[0]);
        w.reset(p[1]);
    }
};

std::pair<dev_t, ino_t> identity(int fd) {
    struct stat st {};
    REQUIRE(fstat(fd, &st) == 0);
    return {st.st_dev, st.st_ino};
}

// A temporary home; its holders are killed and reaped at the end, whatever the test did.
struct Home {
    Paths paths;
    std::vector<pid_t> holders;
    Home() {
        char tmpl[] = "/tmp/rh.XXXXXX";
        REQUIRE(mkdtemp(tmpl));
        paths.home = tmpl;
        setenv("REIN_HOLDER", REIN_HOLDER_BIN, 1); // the test binary is not next to it
    }
    ~Home() {
        holder();
        for (pid_t p : holders) {
            kill(p, SIGKILL);
            waitpid(p, nullptr, 0);
        }
        std::error_code ec;
        std::filesystem::remove_all(paths.home, ec);
    }
    // The pid in holder.pid (0 when none), remembered for the clean-up.
    pid_t holder() {
        std::ifstream f(paths.holder_pid_file());
        pid_t pid = 0;
        f >> pid;
        if (pid > 0 && std::find(holders.begin(), holders.end(), pid) == holders.end())
            holders.push_back(pid);
        return pid;
    }
};

// A raw client of the holder, for what the daemon never sends.
UniqueFd raw_connect(const std::string& path) {
    UniqueFd fd(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    REQUIRE(connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    timeval tv{5, 0};
    setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

void raw_send(int conn, const std::string& msg, std::vector<int> fds = {}) {
    iovec iov{const_cast<char*>(msg.data()), msg.size()};
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    std::vector<char> ctl(CMSG_SPACE(fds.size() * sizeof(int)));
    if (!fds.empty()) {
        mh.msg_control = ctl.data();
        mh.msg_controllen = ctl.size();
        cmsghdr* c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(fds.size() * sizeof(int));
        std::memcpy(CMSG_DATA(c), fds.data(), fds.size() * sizeof(int));
    }
    REQUIRE(sendmsg(conn, &mh, MSG_NOSIGNAL) == ssize_t(msg.size()));
}

// The keys a GET answers with, then its END line.
std::vector<std::string> raw_get(int conn) {
    raw_send(conn, "GET");
    std::vector<std::string> keys;
    for (int i = 0; i < 100000; ++i) {
        char buf[2048];
        ssize_t n = recv(conn, buf, sizeof buf, 0); // its descriptors are closed by the kernel
        if (n <= 0) break;
        keys.emplace_back(buf, std::size_t(n));
        if (keys.back().rfind("END", 0) == 0) break;
    }
    return keys;
}

// A home whose holder keeps two pipes for a connected store.
struct Holding : Home {
    Reactor reactor;
    Pipe a, b;
    std::map<std::string, int> entries{{"out/1", a.r.get()}, {"chan/1", b.r.get()}};
    FdStore store{reactor, paths};
    pid_t pid = 0;
    Holding() {
        REQUIRE(store.open());
        REQUIRE(store.sync(entries));
        pid = holder();
        REQUIRE(alive(pid));
    }
};

} // namespace

TEST_CASE("holder: a pipe outlives its reader's death and the next store reads every byte") {
    Home home;
    Reactor reactor;
    Pipe pipe;
    {
        FdStore store(reactor, home.paths);
        auto got = store.open();
        REQUIRE(got);
        CHECK(got->empty());
        REQUIRE(store.sync({{"out/1", pipe.r.get()}}));
    } // the daemon dies: no BYE
    pipe.r.reset();
    std::string expected;
    for (int i = 0; i < 100; ++i) expected += "line " + std::to_string(i) + "\n";
    pid_t writer = fork();
    REQUIRE(writer >= 0);
    if (writer == 0) {
        signal(SIGPIPE, SIG_DFL); // without a reader the first write kills it
        for (int i = 0; i < 100; ++i) {
            std::string line = "line " + std::to_string(i) + "\n";
            if (write(pipe.w.get(), line.data(), line.size()) != ssize_t(line.size())) _exit(1);
        }
        _exit(0);
    }
    pipe.w.reset();
    int status = 0;
    REQUIRE(waitpid(writer, &status, 0) == writer);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);

    FdStore next(reactor, home.paths);
    auto got = next.open();
    REQUIRE(got);
    REQUIRE(got->count("out/1") == 1);
    std::string read_back;
    char buf[4096];
    ssize_t n;
    while ((n = read(got->at("out/1").get(), buf, sizeof buf)) > 0) read_back.append(buf, n);
    CHECK(read_back == expected); // EOF came: the holder keeps no write end
}

TEST_CASE("holder: exits when its client goes while it holds nothing") {
    Home home;
    Reactor reactor;
    pid_t pid;
    {
        FdStore store(reactor, home.paths);
        REQUIRE(store.open());
        pid = home.holder();
        REQUIRE(alive(pid));
    }
    CHECK(wait_for([&] { return !alive(pid); }));
    CHECK_FALSE(exists(home.paths.holder_socket()));
    CHECK_FALSE(exists(home.paths.holder_pid_file()));
}

TEST_CASE("holder: a daemon starting where none runs waits for none, starts one to hold") {
    Home home;
    Reactor reactor;
    Pipe pipe;
    FdStore store(reactor, home.paths);
    auto got = store.open_if_running();
    REQUIRE(got);
    CHECK(got->empty());
    CHECK(store.sync({})); // nothing to hold: no holder yet
    CHECK_FALSE(exists(home.paths.holder_socket()));
    CHECK(home.holder() == 0);
    REQUIRE(store.sync({{"out/1", pipe.r.get()}}));
    CHECK(store.connected());
    CHECK(alive(home.holder()));

    FdStore next(reactor, home.paths); // a daemon that died had one running: it is asked
    auto kept = next.open_if_running();
    REQUIRE(kept);
    REQUIRE(kept->count("out/1") == 1);
    CHECK(identity(kept->at("out/1").get()) == identity(pipe.r.get()));
}

TEST_CASE("holder: one started soon is the one the first sync gives its descriptors") {
    Home home;
    Reactor reactor;
    Pipe pipe;
    FdStore store(reactor, home.paths);
    REQUIRE(store.open_if_running());
    store.start_soon();
    CHECK_FALSE(store.connected()); // not waited for
    REQUIRE(wait_for([&] { return home.holder() > 0; }));
    pid_t pid = home.holder();
    store.start_soon(); // one listens: no second one
    REQUIRE(store.sync({{"out/1", pipe.r.get()}}));
    CHECK(home.holder() == pid);
    CHECK(alive(pid));
    FdStore next(reactor, home.paths);
    auto kept = next.open_if_running();
    REQUIRE(kept);
    CHECK(kept->count("out/1") == 1);
}

TEST_CASE_FIXTURE(Holding, "holder: BYE removes holder.sock, holder.pid and the process") {
    store.shutdown();
    CHECK_FALSE(store.connected());
    CHECK_FALSE(exists(paths.holder_socket())); // gone by the time shutdown returns
    CHECK_FALSE(exists(paths.holder_pid_file()));
    CHECK(wait_for([&] { return !alive(pid); }));
}

TEST_CASE_FIXTURE(Holding, "holder: leaves within 10 s once holder.sock is no longer its socket") {
    REQUIRE(unlink(paths.holder_socket().c_str()) == 0);
    CHECK(wait_for([&] { return !alive(pid); }, 10000));
}

TEST_CASE_FIXTURE(
    Holding, "holder: a killed holder is started again by the next sync and given everything") {
    bool lost = false;
    store.on_lost([&] {
        lost = true;
        reactor.stop();
    });
    REQUIRE(kill(pid, SIGKILL) == 0);
    reactor.after(10000, [&] { reactor.stop(); });
    reactor.run();
    CHECK(lost);
    CHECK_FALSE(store.connected());
    REQUIRE(store.sync(entries));
    CHECK(store.connected());
    pid_t second = holder();
    CHECK(second != pid);
    CHECK(alive(second));

    FdStore next(reactor, paths); // the next daemon
    auto got = next.open();
    REQUIRE(got);
    REQUIRE(got->size() == 2);
    CHECK(identity(got->at("out/1").get()) == identity(a.r.get()));
    CHECK(identity(got->at("chan/1").get()) == identity(b.r.get()));
}

TEST_CASE_FIXTURE(Holding,
                  "holder: garbage, a PUT without a descriptor and a reader that never reads") {
    UniqueFd raw = raw_connect(paths.holder_socket()); // replaces the store's connection
    int fd = a.r.get();
    raw_send(raw.get(), "");
    raw_send(raw.get(), std::string("\0\xff garbage\n", 11));
    raw_send(raw.get(), "PUT out/2");                           // no descriptor
    raw_send(raw.get(), "PUT out/3", {fd, fd});                 // two
    raw_send(raw.get(), "PUT ", {fd});                          // no key
    raw_send(raw.get(), "PUT bad\nkey", {fd});                  // a newline in it
    raw_send(raw.get(), "PUT " + std::string(1001, 'k'), {fd}); // too long a key
    raw_send(raw.get(), std::string(70000, 'x'), {fd});         // longer than any message
    raw_send(raw.get(), "DEL out/1", {fd});                     // DEL carries nothing
    raw_send(raw.get(), "GET extra");
    raw_send(raw.get(), "END 3");
    auto keys = raw_get(raw.get());
    std::sort(keys.begin(), keys.begin() + std::ptrdiff_t(keys.size() - 1)); // END comes last
    CHECK(keys == std::vector<std::string>{"FD chan/1", "FD out/1", "END 2"});
    CHECK(alive(pid));

    // A client that asks for everything and reads no more than the first answer (which says
    // every PUT before it was taken): the holder does not wait for it and serves the next.
    // Long keys: the answers are then far more than a socket buffer holds.
    std::string padding(900, 'p');
    for (int i = 0; i < 2000; ++i)
        raw_send(raw.get(), "PUT hand/" + padding + "/" + std::to_string(i), {fd});
    raw_send(raw.get(), "GET");
    char first[64];
    REQUIRE(recv(raw.get(), first, sizeof first, 0) > 0);
    FdStore next(reactor, paths);
    auto got = next.open();
    REQUIRE(got);
    CHECK(got->size() == 2002);
    CHECK(holder() == pid);
}

TEST_CASE("holder: a sync that changes nothing sends nothing, even after a new daemon") {
    Home home;
    Reactor reactor;
    Pipe a, b, c;
    std::map<std::string, int> entries{{"out/1", a.r.get()}, {"err/1", b.r.get()}};
    {
        FdStore store(reactor, home.paths);
        REQUIRE(store.open());
        REQUIRE(store.sync(entries));
        auto sent = store.messages_sent();
        REQUIRE(store.sync(entries));
        CHECK(store.messages_sent() == sent);
    }
    FdStore next(reactor, home.paths);
    auto got = next.open();
    REQUIRE(got);
    auto sent = next.messages_sent();
    // The same descriptors as the old daemon's (what rein update carries): nothing to send.
    REQUIRE(next.sync(entries));
    CHECK(next.messages_sent() == sent);
    // The duplicates it got back are the same pipes too.
    REQUIRE(next.sync({{"out/1", got->at("out/1").get()}, {"err/1", got->at("err/1").get()}}));
    CHECK(next.messages_sent() == sent);
    // One changed (another pipe under the key), one gone: one PUT and one DEL.
    REQUIRE(next.sync({{"out/1", c.r.get()}}));
    CHECK(next.messages_sent() == sent + 2);
    FdStore third(reactor, home.paths);
    auto last = third.open();
    REQUIRE(last);
    REQUIRE(last->size() == 1);
    CHECK(identity(last->at("out/1").get()) == identity(c.r.get()));
}

TEST_CASE("holder: none to be had is one sentence, and a sync says false") {
    Home home;
    Reactor reactor;
    Pipe pipe;
    FdStore store(reactor, home.paths);
    unsetenv("REIN_HOLDER");
    auto none = store.open();
    REQUIRE_FALSE(none);
    CHECK(none.error().message == std::string("rein-holder is neither next to reind, nor in ") +
                                      companion_install_dir(Companion::holder) +
                                      " from it, nor at $REIN_HOLDER");
    setenv("REIN_HOLDER", "/bin/false", 1); // starts, and answers nothing
    auto mute = store.open();
    REQUIRE_FALSE(mute);
    CHECK(mute.error().message ==
          "rein-holder started but does not answer on " + home.paths.holder_socket());
    CHECK_FALSE(store.sync({{"out/1", pipe.r.get()}}));
    CHECK_FALSE(store.connected());
}

TEST_CASE_FIXTURE(Holding, "holder: a client of another user is refused, the daemon stays") {
    if (geteuid() != 0) {
        MESSAGE("skipped: only root can connect as another user here");
        return;
    }
    // Open the way (the home is the only barrier otherwise), so that the holder must refuse.
    REQUIRE(chmod(paths.home.c_str(), 0755) == 0);
    REQUIRE(chmod(paths.holder_socket().c_str(), 0777) == 0);
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        if (setgid(65534) != 0 || setuid(65534) != 0) _exit(2);
        UniqueFd fd(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, paths.holder_socket().c_str(), sizeof addr.sun_path - 1);
        if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) _exit(3);
        timeval tv{5, 0};
        setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        char buf[64];
        bool sent = send(fd.get(), "GET", 3, MSG_NOSIGNAL) == 3;
        _exit(sent && recv(fd.get(), buf, sizeof buf, 0) > 0 ? 1 : 0); // answered: refused not
    }
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    // The daemon's connection was not replaced: a new key goes through it.
    auto sent = store.messages_sent();
    entries["listen/web/0"] = a.r.get();
    REQUIRE(store.sync(entries));
    CHECK(store.messages_sent() == sent + 1);
    CHECK(holder() == pid);
    store.shutdown(); // what the holder read after the refusal came from the daemon, in order
    CHECK_FALSE(exists(paths.holder_socket()));
}
