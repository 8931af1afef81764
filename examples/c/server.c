/* A small HTTP server for rein's cluster mode, in plain C: it serves on the socket rein hands
 * it (LISTEN_FDS, fd 3), answers "pid N", says READY=1 on $NOTIFY_SOCKET, and drains gracefully
 * on SIGINT/SIGTERM: it stops accepting (rein keeps the listening socket open, so the other
 * instances take new connections), answers what it is asked on its open connections with
 * "Connection: close", and exits once they are done. Without rein it listens on $PORT or 8080.
 * GET only (request bodies are not read); one poll() loop, no threads. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 1024
#define BUF_SIZE 8192
#define DRAIN_IDLE_MS 1000 /* an idle keep-alive connection gets this long to ask once more */

struct conn {
    int fd;
    char buf[BUF_SIZE];
    size_t len;
};

static volatile sig_atomic_t draining;
static void on_stop(int sig) {
    (void)sig;
    draining = 1;
}

static long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* The socket from rein (systemd's protocol), or one of our own. */
static int listen_socket(void) {
    const char* fds = getenv("LISTEN_FDS");
    const char* pid = getenv("LISTEN_PID");
    if (fds && atoi(fds) >= 1 && (!pid || atoi(pid) == (int)getpid())) return 3;
    int fd = socket(AF_INET6, SOCK_STREAM, 0), one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = in6addr_any};
    a.sin6_port = htons((uint16_t)(getenv("PORT") ? atoi(getenv("PORT")) : 8080));
    if (bind(fd, (struct sockaddr*)&a, sizeof a) != 0 || listen(fd, 1024) != 0) {
        perror("listen");
        exit(1);
    }
    return fd;
}

static void notify_ready(void) {
    const char* path = getenv("NOTIFY_SOCKET");
    if (!path || strlen(path) >= sizeof(((struct sockaddr_un*)0)->sun_path)) return;
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strcpy(a.sun_path, path);
    socklen_t len = sizeof a;
    if (path[0] == '@') { /* an abstract socket (rein's is one): the name starts with a NUL */
        a.sun_path[0] = '\0';
        len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
    }
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sendto(fd, "READY=1", 7, 0, (struct sockaddr*)&a, len);
    close(fd);
}

static int send_all(int fd, const char* p, size_t n) {
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Answers every complete request in the buffer. Returns 0 to keep the connection, -1 to close. */
static int serve(struct conn* c) {
    for (;;) {
        char* end = memmem(c->buf, c->len, "\r\n\r\n", 4);
        if (!end) return c->len == BUF_SIZE ? -1 : 0; /* a header this big: not ours to serve */
        size_t req_len = (size_t)(end - c->buf) + 4;
        int close_after = draining || memmem(c->buf, req_len, "Connection: close", 17) ||
                          memmem(c->buf, req_len, "HTTP/1.0", 8);
        char body[64], head[256];
        int blen = snprintf(body, sizeof body, "pid %d\n", (int)getpid());
        int hlen = snprintf(head, sizeof head,
                            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                            "Content-Length: %d\r\n%s\r\n",
                            blen, close_after ? "Connection: close\r\n" : "");
        if (send_all(c->fd, head, (size_t)hlen) || send_all(c->fd, body, (size_t)blen)) return -1;
        memmove(c->buf, c->buf + req_len, c->len - req_len);
        c->len -= req_len;
        if (close_after) return -1;
    }
}

int main(void) {
    /* The stop signals are blocked except inside ppoll(), so one arriving between the check of
     * `draining` and the wait still wakes the wait. */
    struct sigaction sa = {.sa_handler = on_stop};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    sigset_t stops, waiting;
    sigemptyset(&stops);
    sigaddset(&stops, SIGINT);
    sigaddset(&stops, SIGTERM);
    sigprocmask(SIG_BLOCK, &stops, &waiting);

    int lfd = listen_socket();
    fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK);
    static struct conn conns[MAX_CONNS];
    size_t n = 0;
    notify_ready();

    long drain_deadline = 0;
    for (;;) {
        if (draining && lfd >= 0) {
            close(lfd); /* stop accepting: rein's copy stays open for the other instances */
            lfd = -1;
            drain_deadline = now_ms() + DRAIN_IDLE_MS;
        }
        if (lfd < 0 && (n == 0 || now_ms() >= drain_deadline)) break;
        struct pollfd p[MAX_CONNS + 1];
        size_t np = 0;
        for (size_t i = 0; i < n; ++i) p[np++] = (struct pollfd){conns[i].fd, POLLIN, 0};
        if (lfd >= 0 && n < MAX_CONNS) p[np++] = (struct pollfd){lfd, POLLIN, 0};
        struct timespec tick = {0, 100 * 1000000L};
        int r = ppoll(p, np, lfd >= 0 ? NULL : &tick, &waiting);
        if (r < 0) continue; /* EINTR: the loop head notices draining */
        for (size_t i = n; i-- > 0;) {
            if (!p[i].revents) continue;
            struct conn* c = &conns[i];
            ssize_t got = read(c->fd, c->buf + c->len, BUF_SIZE - c->len);
            if (got > 0) c->len += (size_t)got;
            if (got <= 0 || serve(c) < 0) {
                close(c->fd);
                conns[i] = conns[--n];
            }
        }
        if (lfd >= 0 && np > n && (p[np - 1].revents & POLLIN)) {
            int fd;
            while (n < MAX_CONNS && (fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
                conns[n].fd = fd;
                conns[n].len = 0;
                ++n;
            }
        }
    }
    for (size_t i = 0; i < n; ++i) close(conns[i].fd); /* idle past the grace period */
    return 0;
}
