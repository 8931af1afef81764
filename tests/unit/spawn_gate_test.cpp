// The spawn gate: a child runs its program only once the daemon wrote the gate's byte; when the
// daemon is gone first (every write end closed) it leaves without running anything.
#include "daemon/supervision/child.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <fcntl.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

using namespace rein::daemon;

namespace {

// Spawns `touch <marker>` behind a gate; `open_gate` says whether its byte is written before
// the write end closes. Returns the child's wait status.
int gated_touch(const std::string& marker, bool open_gate) {
    int p[2];
    REQUIRE(pipe2(p, O_CLOEXEC) == 0);
    SpawnRequest req;
    req.argv = {"touch", marker};
    req.env = {"PATH=/usr/bin:/bin"};
    req.cwd = "/";
    req.gate_fd = p[0];
    auto pid = spawn_process(req);
    close(p[0]);
    REQUIRE(pid);
    if (open_gate) REQUIRE(write(p[1], "g", 1) == 1);
    close(p[1]);
    int status = -1;
    REQUIRE(waitpid(*pid, &status, 0) == *pid);
    return status;
}

} // namespace

TEST_CASE("a gated child execs only after the gate's byte, never on EOF") {
    char dir[] = "/tmp/gate.XXXXXX";
    REQUIRE(mkdtemp(dir));
    std::string closed = std::string(dir) + "/closed", opened = std::string(dir) + "/opened";
    int status = gated_touch(closed, false);
    CHECK(WIFEXITED(status));
    CHECK(access(closed.c_str(), F_OK) != 0); // touch never ran
    status = gated_touch(opened, true);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(access(opened.c_str(), F_OK) == 0);
    unlink(opened.c_str());
    rmdir(dir);
}
