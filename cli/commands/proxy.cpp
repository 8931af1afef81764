// rein proxy: stdin/stdout joined to the daemon's socket. `rein --host ssh://...` runs it on the
// remote host through ssh; its stdout carries the protocol, so it prints nothing else there.
#include "cli/command.hpp"
#include "common/files.hpp"
#include "common/protocol.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace rein::cli {

namespace {

// One direction of the copy: what was read from `from` and not yet written to `to`.
struct Direction {
    Direction(int from_fd, int to_fd, bool socket) : from(from_fd), to(to_fd), to_socket(socket) {}
    int from, to;
    bool to_socket; // a socket is half-closed at the end; a pipe or terminal is closed
    std::string pending;
    bool eof = false, done = false;

    // Ends this direction: the reader on the other side sees the end of the stream.
    void finish() {
        if (done) return;
        done = true;
        if (to_socket)
            shutdown(to, SHUT_WR);
        else
            close(to);
    }
    void read_some() {
        char buf[64 * 1024];
        ssize_t n = read(from, buf, sizeof buf);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
        if (n <= 0) {
            eof = true;
        } else {
            pending.append(buf, std::size_t(n));
        }
        if (eof && pending.empty()) finish();
    }
    void write_some() {
        ssize_t n = to_socket ? send(to, pending.data(), pending.size(), MSG_NOSIGNAL)
                              : write(to, pending.data(), pending.size());
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
        if (n < 0) { // the reader went away: nothing more can reach it
            pending.clear();
            eof = true;
        } else {
            pending.erase(0, std::size_t(n));
        }
        if (eof && pending.empty()) finish();
    }
};

void set_nonblocking(int fd) {
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

// Copies both ways until both directions ended. The daemon closing its connection (a hang-up
// on the socket) ends both: it reads nothing more either.
int pump(int sock) {
    signal(SIGPIPE, SIG_IGN);
    for (int fd : {STDIN_FILENO, STDOUT_FILENO, sock}) set_nonblocking(fd);
    Direction up{STDIN_FILENO, sock, true}, down{sock, STDOUT_FILENO, false};
    while (!up.done || !down.done) {
        pollfd p[3] = {{-1, 0, 0}, {-1, 0, 0}, {-1, 0, 0}};
        if (!up.done) {
            if (up.pending.empty() && !up.eof) p[0] = {STDIN_FILENO, POLLIN, 0};
            if (!up.pending.empty()) p[2] = {sock, POLLOUT, 0};
        }
        if (!down.done) {
            if (down.pending.empty() && !down.eof) p[2].fd = sock, p[2].events |= POLLIN;
            if (!down.pending.empty()) p[1] = {STDOUT_FILENO, POLLOUT, 0};
        }
        if (poll(p, 3, -1) < 0) {
            if (errno == EINTR) continue;
            return k_exit_failed;
        }
        if (p[0].revents) up.read_some();
        if (p[2].revents & (POLLIN | POLLHUP | POLLERR)) down.read_some();
        if (p[2].revents & POLLOUT) up.write_some();
        if (p[1].revents) down.write_some();
        // Hung up entirely (not a half-close): the daemon will read nothing more.
        if ((p[2].revents & POLLHUP) && down.done) {
            up.pending.clear();
            up.eof = true;
            up.finish();
        }
    }
    return k_exit_ok;
}

} // namespace

// rein proxy [--no-start] [--env]
Runner setup_proxy(CLI::App& sub) {
    auto no_start = std::make_shared<bool>(false);
    auto env = std::make_shared<bool>(false);
    sub.add_flag("--env", *env,
                 "first write this process's environment as one line {\"env\":{...}} (rein "
                 "--host starts the host's apps with the host's environment, not the caller's)");
    sub.add_flag("--no-start", *no_start,
                 "only join a running daemon: exit 3 when none runs (rein --host uses it for "
                 "ping --no-start, kill and update)");
    return [no_start, env](Context& ctx) {
        std::optional<Client> client;
        if (*no_start) {
            auto running = Client::connect(ctx.paths);
            if (!running && running.error().code == "no_daemon") {
                report(running.error());
                return k_proxy_no_daemon;
            }
            if (!running) return report(running.error());
            client = std::move(*running);
        } else if (client = ctx.connect(); !client) {
            return k_exit_failed;
        }
        // Before the pump, while stdout still blocks.
        if (*env && !write_all(STDOUT_FILENO, protocol::to_line({{"env", current_env()}})))
            return k_exit_failed;
        return pump(client->fd());
    };
}

} // namespace rein::cli
