/* librein-bind.so: preloaded (LD_PRELOAD) into the instances of a cluster-mode app, so that an
 * unmodified server that binds its own port shares one listening socket with its sibling
 * instances. bind() of a TCP port or a Unix socket path asks the daemon, which binds and listens
 * once per app and sends the socket back; the library puts it in place of the app's descriptor.
 * Anything the daemon does not take (no daemon, another kind of socket, port 0) goes to the real
 * bind(). Only system calls after start-up: safe in multi-threaded apps, between fork and exec
 * and in signal handlers; no allocation, no locks. See docs/cluster.md. */
#define _GNU_SOURCE
#include "bind_protocol.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

typedef int (*bind_fn)(int, const struct sockaddr*, socklen_t);
typedef int (*listen_fn)(int, int);

/* The daemon's socket, read once from the environment before main (the app may change its
 * environment later; its children read their own copy when they load the library). */
static struct sockaddr_un g_broker;
static socklen_t g_broker_len;

/* Descriptors that hold a handed-off socket, one bit each, for listen(). */
#define HANDED_MAX 65536
static unsigned char g_handed[HANDED_MAX / 8];

static void mark_handed(int fd) {
    if (fd >= 0 && fd < HANDED_MAX)
        __atomic_or_fetch(&g_handed[fd / 8], (unsigned char)(1u << (fd % 8)), __ATOMIC_RELAXED);
}

static int is_handed(int fd) {
    return fd >= 0 && fd < HANDED_MAX &&
           (__atomic_load_n(&g_handed[fd / 8], __ATOMIC_RELAXED) & (1u << (fd % 8)));
}

/* The next definition of `name` (libc's), looked up once. */
static void* next_symbol(void** slot, const char* name) {
    void* f = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (!f) {
        f = dlsym(RTLD_NEXT, name);
        __atomic_store_n(slot, f, __ATOMIC_RELEASE);
    }
    return f;
}

static void* g_bind;
static void* g_listen;
static bind_fn real_bind(void) {
    return (bind_fn)next_symbol(&g_bind, "bind");
}
static listen_fn real_listen(void) {
    return (listen_fn)next_symbol(&g_listen, "listen");
}

__attribute__((constructor)) static void rein_bind_init(void) {
    /* dlsym may allocate: done here, before the app runs, not in a signal handler later. */
    real_bind();
    real_listen();
    const char* name = getenv(REIN_BIND_ENV);
    if (!name || name[0] != '@') return; /* only an abstract name: no file to race for */
    size_t n = strlen(name);
    if (n >= sizeof g_broker.sun_path) return;
    g_broker.sun_family = AF_UNIX;
    memcpy(g_broker.sun_path, name, n);
    g_broker.sun_path[0] = '\0';
    g_broker_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
}

static int option_set(int fd, int level, int name) {
    int v = 0;
    socklen_t len = sizeof v;
    return getsockopt(fd, level, name, &v, &len) == 0 && v != 0;
}

/* Receives the reply and the descriptor it may carry (*got, else -1). */
static int receive_reply(int conn, struct rein_bind_reply* reply, int* got) {
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    struct iovec iov = {reply, sizeof *reply};
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;
    *got = -1;
    ssize_t n;
    do n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); n >= 0 && c; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
            c->cmsg_len == CMSG_LEN(sizeof(int)))
            memcpy(got, CMSG_DATA(c), sizeof(int));
    return n == (ssize_t)sizeof *reply && reply->magic == REIN_BIND_MAGIC ? 0 : -1;
}

/* Asks the daemon. Returns 0 when `fd` now holds the daemon's socket, an errno value for bind()
 * to fail with, or REIN_BIND_DECLINE for the real bind(). */
static int ask_daemon(int fd, const struct sockaddr* addr, socklen_t len) {
    uint32_t flags = 0;
    if (option_set(fd, SOL_SOCKET, SO_REUSEADDR)) flags |= REIN_BIND_REUSEADDR;
    if (option_set(fd, SOL_SOCKET, SO_REUSEPORT)) flags |= REIN_BIND_REUSEPORT;
    if (addr->sa_family == AF_INET6 && option_set(fd, IPPROTO_IPV6, IPV6_V6ONLY))
        flags |= REIN_BIND_V6ONLY;
    struct rein_bind_request req;
    if (rein_bind_encode(&req, addr, len, flags) != 0) return REIN_BIND_DECLINE;

    int conn = -1, got = -1;
    struct rein_bind_reply reply;
    /* No daemon answers while `rein update` swaps its image (the broker socket is bound again
     * a few milliseconds later) or while a killed daemon is not yet replaced: ask again every
     * 10 ms for up to 2 s before the real bind(), which would find the port held. A daemon
     * that took the request but did not answer within its time-out is not asked again. */
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    int asked = 0;
    for (int attempt = 0; !asked; ++attempt) {
        if (attempt > 0) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            if ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 > 2000)
                break;
            struct timespec pause = {0, 10 * 1000 * 1000};
            nanosleep(&pause, NULL);
        }
        if (conn >= 0) close(conn);
        if (got >= 0) close(got);
        got = -1;
        conn = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (conn < 0) return REIN_BIND_DECLINE;
        /* A daemon that does not answer within seconds is not waited for forever. */
        struct timeval limit = {5, 0};
        setsockopt(conn, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
        setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
        if (connect(conn, (const struct sockaddr*)&g_broker, g_broker_len) != 0) {
            if (errno == ECONNREFUSED || errno == EINTR) continue;
            break;
        }
        /* Closed without an answer: the image that took the request was replaced. */
        asked = send(conn, &req, sizeof req, MSG_NOSIGNAL) == (ssize_t)sizeof req &&
                receive_reply(conn, &reply, &got) == 0;
    }
    int result = REIN_BIND_DECLINE;
    if (asked) {
        if (reply.error != 0)
            result = reply.error;
        else if (got >= 0) {
            /* The app's own O_NONBLOCK and close-on-exec, on the socket it now holds. */
            int status = fcntl(fd, F_GETFL);
            int fdflags = fcntl(fd, F_GETFD);
            int theirs = fcntl(got, F_GETFL);
            if (status >= 0 && theirs >= 0)
                fcntl(got, F_SETFL, (theirs & ~O_NONBLOCK) | (status & O_NONBLOCK));
            if (dup3(got, fd, (fdflags >= 0 && (fdflags & FD_CLOEXEC)) ? O_CLOEXEC : 0) == fd) {
                mark_handed(fd);
                result = 0;
            }
        }
    }
    if (got >= 0) close(got);
    close(conn);
    return result;
}

EXPORT int bind(int fd, const struct sockaddr* addr, socklen_t len) {
    int saved = errno;
    if (g_broker_len && rein_bind_wanted(addr, len)) {
        int type = 0, domain = 0;
        socklen_t tl = sizeof type, dl = sizeof domain;
        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) == 0 && type == SOCK_STREAM &&
            getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &dl) == 0 && domain == addr->sa_family) {
            int r = ask_daemon(fd, addr, len);
            if (r == 0) {
                errno = saved;
                return 0;
            }
            if (r > 0) {
                errno = r;
                return -1;
            }
        }
        errno = saved;
    }
    bind_fn f = real_bind();
    if (!f) return (int)syscall(SYS_bind, fd, addr, len);
    return f(fd, addr, len);
}

EXPORT int listen(int fd, int backlog) {
    /* The handed socket already listens with the daemon's backlog, where connections wait
     * while no instance accepts: the app's smaller one (Python's 5) is not applied. */
    if (is_handed(fd) && backlog <= REIN_BIND_BACKLOG && option_set(fd, SOL_SOCKET, SO_ACCEPTCONN))
        return 0;
    listen_fn f = real_listen();
    if (!f) return (int)syscall(SYS_listen, fd, backlog);
    return f(fd, backlog);
}
