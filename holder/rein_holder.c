/* rein-holder: keeps duplicates of the descriptors apps depend on (the read ends of their output
 * pipes, Node IPC channels, listening sockets) while no daemon runs, so that an app's write never
 * meets a pipe without a reader and a listening socket keeps its backlog; the next daemon takes
 * them back. One per REIN_HOME, started by the daemon with the listening holder.sock at fd 3:
 *     rein-holder <holder.pid path>
 * Protocol (AF_UNIX SOCK_SEQPACKET, one message per datagram), see docs/continuity.md:
 *     PUT <key> + one fd   keep it (replacing an earlier one)     DEL <key>  close and forget
 *     GET                  answered by FD <key> + fd per entry, then END <n>
 *     BYE                  close everything, remove holder.sock and holder.pid, exit 0
 * One client at a time (a newer connection replaces the older); never blocks on it. Plain C,
 * libc only: it lives for as long as apps do, so it stays small. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define LISTEN_FD 3
#define KEY_MAX 1000
#define MSG_MAX (KEY_MAX + 16)
#define FDS_MAX 16     /* descriptors accepted in one message (all but a PUT's closed) */
#define CHECK_MS 5000  /* how often holder.sock is checked to still be ours */
#define STALL_MS 10000 /* a client that reads none of GET's answers that long is dropped */
#define BATCH 64       /* messages handled per turn, so that signals are served too */

struct entry {
    char* key;
    unsigned hash;
    int fd;
};

static struct entry* g_entries;
static size_t g_count, g_cap;
static int g_client = -1;
static size_t g_get_pos; /* next entry GET answers with, while g_getting */
static int g_getting;
static long long g_accept_after; /* no accept before then (ms): the last one failed */
static long long g_progress;     /* when the client last took an answer (ms) */
static char g_sock_path[sizeof(((struct sockaddr_un*)0)->sun_path) + 1];
static struct stat g_sock_st;
static const char* g_pid_path;

static long long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static unsigned hash_of(const char* s, size_t n) {
    unsigned h = 2166136261u;
    for (size_t i = 0; i < n; ++i) h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static struct entry* find(const char* key, size_t n, unsigned h) {
    for (size_t i = 0; i < g_count; ++i)
        if (g_entries[i].hash == h && strlen(g_entries[i].key) == n &&
            memcmp(g_entries[i].key, key, n) == 0)
            return &g_entries[i];
    return NULL;
}

/* Takes ownership of fd in every case (closed when it cannot be kept). */
static void put(const char* key, size_t n, int fd) {
    unsigned h = hash_of(key, n);
    struct entry* e = find(key, n, h);
    if (e) {
        close(e->fd);
        e->fd = fd;
        return;
    }
    if (g_count == g_cap) {
        size_t cap = g_cap ? g_cap * 2 : 64;
        struct entry* grown = realloc(g_entries, cap * sizeof *grown);
        if (!grown) return (void)close(fd);
        g_entries = grown;
        g_cap = cap;
    }
    char* copy = strndup(key, n);
    if (!copy) return (void)close(fd);
    g_entries[g_count++] = (struct entry){copy, h, fd};
}

static void del(const char* key, size_t n) {
    struct entry* e = find(key, n, hash_of(key, n));
    if (!e) return;
    close(e->fd);
    free(e->key);
    *e = g_entries[--g_count]; /* order does not matter; a GET under way restarts nothing */
    if (g_getting && g_get_pos > g_count) g_get_pos = g_count;
}

static void drop_client(void) {
    if (g_client >= 0) close(g_client);
    g_client = -1;
    g_getting = 0;
}

/* Is the file at holder.sock still the socket this holder was given? */
static int sock_is_ours(void) {
    struct stat st;
    return stat(g_sock_path, &st) == 0 && st.st_ino == g_sock_st.st_ino &&
           st.st_dev == g_sock_st.st_dev;
}

static void remove_files(void) {
    if (sock_is_ours()) unlink(g_sock_path);
    char buf[32] = {0};
    FILE* f = fopen(g_pid_path, "re");
    if (!f) return;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    if (atol(buf) == (long)getpid()) unlink(g_pid_path);
}

static void leave(int remove, int code) {
    for (size_t i = 0; i < g_count; ++i) close(g_entries[i].fd), free(g_entries[i].key);
    free(g_entries);
    if (remove) remove_files();
    exit(code);
}

/* Sends what GET still owes without waiting: stops at a full socket (poll says when to go on). */
static void answer_get(void) {
    char msg[MSG_MAX];
    while (g_getting) {
        int fd = -1, len;
        if (g_get_pos < g_count) {
            len = snprintf(msg, sizeof msg, "FD %s", g_entries[g_get_pos].key);
            fd = g_entries[g_get_pos].fd;
        } else {
            len = snprintf(msg, sizeof msg, "END %zu", g_count);
        }
        struct iovec iov = {msg, (size_t)len};
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
        union {
            char buf[CMSG_SPACE(sizeof(int))];
            struct cmsghdr align;
        } ctl;
        if (fd >= 0) {
            mh.msg_control = ctl.buf;
            mh.msg_controllen = sizeof ctl.buf;
            struct cmsghdr* c = CMSG_FIRSTHDR(&mh);
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_RIGHTS;
            c->cmsg_len = CMSG_LEN(sizeof(int));
            memcpy(CMSG_DATA(c), &fd, sizeof fd);
        }
        if (sendmsg(g_client, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
            if (errno == EAGAIN || errno == EINTR) return;
            return drop_client();
        }
        g_progress = now_ms();
        if (fd < 0)
            g_getting = 0;
        else
            ++g_get_pos;
    }
}

static int valid_key(const char* key, size_t n) {
    if (n == 0 || n > KEY_MAX) return 0;
    for (size_t i = 0; i < n; ++i)
        if ((unsigned char)key[i] < 0x20 || key[i] == 0x7f) return 0;
    return 1;
}

static void handle(const char* msg, size_t n, int* fds, int nfds) {
    if (n > 4 && memcmp(msg, "PUT ", 4) == 0 && nfds == 1 && valid_key(msg + 4, n - 4)) {
        put(msg + 4, n - 4, fds[0]);
        return;
    }
    for (int i = 0; i < nfds; ++i) close(fds[i]); /* nothing else carries descriptors */
    if (nfds > 0) return;
    if (n > 4 && memcmp(msg, "DEL ", 4) == 0 && valid_key(msg + 4, n - 4)) {
        del(msg + 4, n - 4);
    } else if (n == 3 && memcmp(msg, "GET", 3) == 0) {
        g_getting = 1;
        g_get_pos = 0;
        g_progress = now_ms();
        answer_get();
    } else if (n == 3 && memcmp(msg, "BYE", 3) == 0) {
        leave(1, 0); /* the client's end closes at the exit, once the files are gone */
    }
}

/* Reads up to BATCH messages; the client is dropped when it went away. */
static void serve_client(void) {
    for (int turn = 0; turn < BATCH && g_client >= 0 && !g_getting; ++turn) {
        char msg[MSG_MAX + 1];
        union {
            char buf[CMSG_SPACE(FDS_MAX * sizeof(int))];
            struct cmsghdr align;
        } ctl;
        struct iovec iov = {msg, sizeof msg};
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
        mh.msg_control = ctl.buf;
        mh.msg_controllen = sizeof ctl.buf;
        ssize_t n = recvmsg(g_client, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
        int fds[FDS_MAX], nfds = 0;
        for (struct cmsghdr* c = CMSG_FIRSTHDR(&mh); n >= 0 && c; c = CMSG_NXTHDR(&mh, c)) {
            if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
            size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t i = 0; i < k && nfds < FDS_MAX; ++i)
                memcpy(&fds[nfds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
        }
        if (n < 0) return drop_client();
        if (n == 0 && nfds == 0) {
            /* End of stream, or an empty datagram from a live client: only the former hangs up. */
            struct pollfd p = {g_client, POLLRDHUP, 0};
            if (poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)))
                return drop_client();
            continue;
        }
        if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) n = 0; /* too long: not ours, ignore it */
        handle(msg, (size_t)n, fds, nfds);
    }
}

static void accept_client(void) {
    int c = accept4(LISTEN_FD, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (c < 0) {
        /* Out of descriptors, say: the connection stays queued, and polling for it again at
         * once would spin. */
        if (errno != EAGAIN && errno != EINTR) g_accept_after = now_ms() + 1000;
        return;
    }
    struct ucred peer;
    socklen_t len = sizeof peer;
    if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0 ||
        (peer.uid != getuid() && peer.uid != 0)) {
        close(c);
        return;
    }
    drop_client(); /* only the daemon holding the home lock connects: the newest one is it */
    g_client = c;
}

static int setup(const char* pid_path) {
    struct sockaddr_un addr;
    socklen_t len = sizeof addr;
    memset(&addr, 0, sizeof addr);
    if (getsockname(LISTEN_FD, (struct sockaddr*)&addr, &len) != 0 || addr.sun_family != AF_UNIX)
        return fprintf(stderr, "rein-holder: fd 3 is not a Unix socket\n"), -1;
    memcpy(g_sock_path, addr.sun_path, sizeof addr.sun_path);
    if (stat(g_sock_path, &g_sock_st) != 0)
        return fprintf(stderr, "rein-holder: %s: %s\n", g_sock_path, strerror(errno)), -1;
    g_pid_path = pid_path;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    signal(SIGHUP, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    if (chdir("/") != 0) return -1;
    /* holder.pid whole or not at all: written beside, then renamed. */
    char tmp[4200];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", pid_path) >= (int)sizeof tmp) return -1;
    FILE* f = fopen(tmp, "we");
    if (!f) return fprintf(stderr, "rein-holder: %s: %s\n", tmp, strerror(errno)), -1;
    fprintf(f, "%ld\n", (long)getpid());
    if (fclose(f) != 0 || rename(tmp, pid_path) != 0) return unlink(tmp), -1;
    return 0;
}

int main(int argc, char** argv) {
    if (argc != 2) {
        fprintf(stderr,
                "usage: rein-holder <holder.pid path> (started by reind, socket at fd 3)\n");
        return 2;
    }
    if (setup(argv[1]) != 0) return 1;
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigprocmask(SIG_BLOCK, &term, NULL);
    int sig = signalfd(-1, &term, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sig < 0) return 1;
    long long next_check = now_ms() + CHECK_MS;
    long long idle_since = now_ms(); /* no client and nothing held since then */
    for (;;) {
        struct pollfd p[3] = {{sig, POLLIN, 0}, {LISTEN_FD, POLLIN, 0}, {g_client, 0, 0}};
        if (now_ms() < g_accept_after) p[1].fd = -1; /* poll skips it */
        p[2].events = g_getting ? POLLOUT : POLLIN;
        long long now = now_ms();
        long long wait = next_check - now;
        if (g_getting && g_progress + STALL_MS - now < wait) wait = g_progress + STALL_MS - now;
        if (p[1].fd < 0 && g_accept_after - now < wait) wait = g_accept_after - now;
        if (poll(p, g_client >= 0 ? 3 : 2, wait < 0 ? 0 : (int)wait) < 0 && errno != EINTR)
            leave(1, 1);
        if (p[0].revents) leave(1, 0); /* SIGTERM */
        /* The old client first: what a daemon sent before it died still counts. */
        if (g_client >= 0 && p[2].revents) {
            if (g_getting) answer_get();
            if (!g_getting)
                serve_client();
            else if (p[2].revents & (POLLHUP | POLLERR))
                drop_client();
        }
        if (p[1].revents & POLLIN) accept_client();
        now = now_ms();
        if (g_getting && now - g_progress >= STALL_MS) drop_client(); /* it reads nothing */
        if (g_client >= 0 || g_count > 0) idle_since = now;
        /* Nothing held and no client for a whole period: nobody needs this holder any more.
         * Not at once when a client goes away: a daemon that only looked whether one listens
         * (and closed) may be connecting again right behind it. */
        if (g_client < 0 && g_count == 0 && now - idle_since >= CHECK_MS) leave(1, 0);
        if (now >= next_check) {
            next_check = now + CHECK_MS;
            if (!sock_is_ours()) leave(0, 0); /* the home is gone or another holder took over */
        }
    }
}
