/* mini_client: the client of mini_supervisor (the C reference of `bench/run.sh climit`).
 * `mini_client ping|jlist|ls|kill|start FILE` with MINI_HOME set. Like rein's CLI it starts the
 * supervisor when none answers (one launcher at a time, under HOME/launch.lock; the supervisor
 * is found in $MINI_SUPERVISOR or next to this program), sends `start` with its working
 * directory and whole environment, and prints `ls` as an aligned table. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

static int try_connect(const char* home) {
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (snprintf(addr.sun_path, sizeof addr.sun_path, "%s/sock", home) >= (int)sizeof addr.sun_path)
        return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (connect(fd, (struct sockaddr*)&addr, sizeof addr) == 0) return fd;
    close(fd);
    return -1;
}

static const char* supervisor_path(char* buf, size_t n) {
    const char* env = getenv("MINI_SUPERVISOR");
    if (env) return env;
    ssize_t len = readlink("/proc/self/exe", buf, n - 32);
    if (len <= 0) return "mini_supervisor";
    buf[len] = 0;
    char* slash = strrchr(buf, '/');
    strcpy(slash ? slash + 1 : buf, "mini_supervisor");
    return buf;
}

static int connect_or_start(const char* home) {
    int fd = try_connect(home);
    if (fd >= 0) return fd;
    mkdir(home, 0700);
    char lock_path[PATH_MAX];
    snprintf(lock_path, sizeof lock_path, "%s/launch.lock", home);
    int lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock >= 0) flock(lock, LOCK_EX);
    fd = try_connect(home);
    if (fd >= 0) return fd;
    char exe[PATH_MAX];
    const char* sup = supervisor_path(exe, sizeof exe);
    pid_t pid = fork();
    if (pid == 0) {
        execl(sup, sup, home, (char*)NULL);
        _exit(127);
    }
    int status = 0;
    while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (lock >= 0) close(lock);
    return try_connect(home);
}

static void send_all(int fd, const char* p, size_t n) {
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        p += w;
        n -= (size_t)w;
    }
}

static void send_field(int fd, const char* s) {
    send_all(fd, s, strlen(s) + 1);
}

/* The whole reply, NUL-ended; *len its size. */
static char* read_reply(int fd, size_t* len) {
    size_t cap = 16 * 1024;
    char* r = malloc(cap);
    *len = 0;
    for (;;) {
        if (*len + 1 == cap) r = realloc(r, cap *= 2);
        ssize_t n = read(fd, r + *len, cap - *len - 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        *len += (size_t)n;
    }
    r[*len] = 0;
    return r;
}

static void human_bytes(long long b, char* out, size_t n) {
    if (b >= 1 << 20)
        snprintf(out, n, "%.1fmb", b / 1048576.0);
    else
        snprintf(out, n, "%.1fkb", b / 1024.0);
}

/* ls: rows of name, pid, status, restarts, memory, uptime; printed with aligned columns. */
static void print_table(char* reply) {
    enum { cols = 6 };
    const char* head[cols] = {"name", "pid", "status", "restarts", "memory", "uptime"};
    size_t width[cols];
    for (int k = 0; k < cols; ++k) width[k] = strlen(head[k]);
    size_t rows = 0;
    for (char* p = reply; *p; ++p) rows += *p == '\n';
    char*(*cell)[cols] = calloc(rows + 1, sizeof *cell);
    char* rest = reply;
    size_t r = 0;
    for (char* line; r < rows && (line = strsep(&rest, "\n"));) {
        if (!*line) continue;
        for (int k = 0; k < cols; ++k) {
            char* v = strsep(&line, "\t");
            v = v ? v : "";
            if (k == 4) { /* memory in bytes -> 12.3mb */
                char h[32];
                human_bytes(atoll(v), h, sizeof h);
                v = strdup(h);
            } else if (k == 5) {
                char h[32];
                snprintf(h, sizeof h, "%llds", atoll(v));
                v = strdup(h);
            }
            cell[r][k] = v;
            if (strlen(v) > width[k]) width[k] = strlen(v);
        }
        ++r;
    }
    for (size_t i = 0; i <= r; ++i) {
        for (int k = 0; k < cols; ++k)
            printf("%s %-*s", k ? " |" : "|", (int)width[k], i ? cell[i - 1][k] : head[k]);
        printf(" |\n");
    }
}

int main(int argc, char** argv) {
    const char* home = getenv("MINI_HOME");
    if (argc < 2 || !home) {
        fprintf(stderr, "usage: MINI_HOME=DIR mini_client ping|jlist|ls|kill|start FILE\n");
        return 2;
    }
    const char* cmd = argv[1];
    if (!strcmp(cmd, "start") && argc < 3) {
        fprintf(stderr, "mini_client: start needs a file\n");
        return 2;
    }
    int fd = !strcmp(cmd, "kill") ? try_connect(home) : connect_or_start(home);
    if (fd < 0) {
        fprintf(stderr, "mini_client: no supervisor answers in %s\n", home);
        return 1;
    }
    send_field(fd, cmd);
    if (!strcmp(cmd, "start")) {
        char file[PATH_MAX], cwd[PATH_MAX];
        if (!realpath(argv[2], file)) {
            perror(argv[2]);
            return 1;
        }
        send_field(fd, file);
        send_field(fd, getcwd(cwd, sizeof cwd) ? cwd : "/");
        for (char** e = environ; *e; ++e) send_field(fd, *e);
    }
    shutdown(fd, SHUT_WR);
    size_t len;
    char* reply = read_reply(fd, &len);
    if (!strcmp(cmd, "ls"))
        print_table(reply);
    else
        fwrite(reply, 1, len, stdout);
    return strncmp(reply, "error", 5) == 0;
}
