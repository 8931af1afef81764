/* mini_supervisor: the smallest honest process supervisor, the C reference of `bench/run.sh
 * climit` (not part of rein). `mini_supervisor HOME` listens on HOME/sock, then detaches (the
 * parent exits 0 once the socket is there, as reind does) and serves one request per
 * connection, the request being NUL-separated fields ended by the client's half-close:
 *   ping                          -> "pong PID\n"
 *   start FILE CWD ENV...         -> starts every app of FILE (a line: NAME TAB SCRIPT [TAB
 * ARG]...) with the client's CWD and environment; "started N\n" jlist                         ->
 * JSON array: name, pid, status, restarts, memory (bytes) ls                            -> a line
 * per app: name TAB pid TAB status TAB restarts TAB memory TAB uptime seconds kill -> kills every
 * app (its process group) and exits Per app it keeps what a restart needs (name, argv, cwd,
 * environment, pid, status, restarts, start time), copies the app's stdout and stderr through pipes
 * into HOME/logs/NAME-out.log and NAME-err.log, and starts the app again when it exits. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct app {
    char* name;
    char** argv; /* script first */
    char* cwd;
    char** env; /* pointers into env_block */
    char* env_block;
    pid_t pid;
    const char* status;
    int restarts;
    long long started_ms;
    int pipe_fd[2]; /* read ends of stdout and stderr, -1 when closed */
    int log_fd[2];  /* NAME-out.log, NAME-err.log */
};

static struct app* apps;
static size_t n_apps, cap_apps;
static int epfd;
static char home[4096];
static char buf[64 * 1024]; /* one read buffer for every pipe */

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void write_all(int fd, const char* p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        p += w;
        n -= (size_t)w;
    }
}

/* Copies what the pipe holds into the log; closes it at EOF. */
static void drain(struct app* a, int stream) {
    int fd = a->pipe_fd[stream];
    while (fd >= 0) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0) {
            write_all(a->log_fd[stream], buf, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return;
        epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
        close(fd);
        a->pipe_fd[stream] = -1;
        return;
    }
}

static void spawn(size_t i) {
    struct app* a = &apps[i];
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) < 0) return;
    if (pipe2(err, O_CLOEXEC) < 0) {
        close(out[0]);
        close(out[1]);
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        setpgid(0, 0);
        int null = open("/dev/null", O_RDONLY);
        dup2(null, 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        if (chdir(a->cwd) < 0) _exit(126);
        execve(a->argv[0], a->argv, a->env);
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    if (pid < 0) {
        close(out[0]);
        close(err[0]);
        a->status = "errored";
        return;
    }
    setpgid(pid, pid); /* as the child does: a kill of the group right after fork finds it */
    a->pid = pid;
    a->status = "online";
    a->started_ms = now_ms();
    int rd[2] = {out[0], err[0]};
    for (int s = 0; s < 2; ++s) {
        fcntl(rd[s], F_SETFL, O_NONBLOCK);
        a->pipe_fd[s] = rd[s];
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 2 + i * 2 + (size_t)s};
        epoll_ctl(epfd, EPOLL_CTL_ADD, rd[s], &ev);
    }
}

static char* dup_range(const char* p, size_t n) {
    char* s = malloc(n + 1);
    memcpy(s, p, n);
    s[n] = 0;
    return s;
}

static int open_log(const char* name, const char* which) {
    char path[4096 + 300];
    snprintf(path, sizeof path, "%s/logs/%s-%s.log", home, name, which);
    return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

/* One line of the start file: NAME TAB SCRIPT [TAB ARG]... Returns 1 when an app was added. */
static int add_app(char* line, const char* cwd, char** env, size_t env_len, const char* env_src) {
    size_t fields = 1;
    for (char* p = line; *p; ++p) fields += *p == '\t';
    if (fields < 2 || !*line) return 0;
    char* name = strsep(&line, "\t");
    for (size_t i = 0; i < n_apps; ++i)
        if (!strcmp(apps[i].name, name)) return 0; /* already there */
    if (n_apps == cap_apps) {
        cap_apps = cap_apps ? cap_apps * 2 : 16;
        apps = realloc(apps, cap_apps * sizeof *apps);
    }
    struct app* a = &apps[n_apps];
    memset(a, 0, sizeof *a);
    a->name = strdup(name);
    a->argv = calloc(fields, sizeof(char*));
    for (size_t k = 0; k + 1 < fields; ++k) a->argv[k] = strdup(strsep(&line, "\t"));
    a->cwd = strdup(cwd);
    /* The app's own copy of the client's environment: a restart must not depend on the client. */
    a->env_block = dup_range(env_src, env_len);
    size_t n_env = 0;
    while (env[n_env]) ++n_env;
    a->env = calloc(n_env + 1, sizeof(char*));
    for (size_t k = 0; k < n_env; ++k) a->env[k] = a->env_block + (env[k] - env_src);
    a->log_fd[0] = open_log(name, "out");
    a->log_fd[1] = open_log(name, "err");
    a->pipe_fd[0] = a->pipe_fd[1] = -1;
    spawn(n_apps++);
    return 1;
}

static int read_file(const char* path, char** text) {
    FILE* f = fopen(path, "r");
    if (!f) return -1;
    size_t len = 0, cap = 4096;
    *text = malloc(cap);
    size_t n;
    while ((n = fread(*text + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (len + 1 == cap) *text = realloc(*text, cap *= 2);
    }
    fclose(f);
    (*text)[len] = 0;
    return 0;
}

/* fields: FILE CWD ENV... (n of them, each NUL-ended, contiguous from fields[0]). */
static void cmd_start(int c, char** fields, size_t n) {
    char* text;
    if (n < 2 || read_file(fields[0], &text) < 0) {
        dprintf(c, "error: cannot read %s\n", n ? fields[0] : "(no file)");
        return;
    }
    char** env = fields + 2; /* NULL-terminated by the caller */
    const char* env_src = n > 2 ? fields[2] : "";
    size_t env_len = n > 2 ? (size_t)(fields[n - 1] + strlen(fields[n - 1]) + 1 - env_src) : 0;
    int started = 0;
    char* rest = text;
    for (char* line; (line = strsep(&rest, "\n"));)
        started += add_app(line, fields[1], env, env_len, env_src);
    free(text);
    dprintf(c, "started %d\n", started);
}

static long long memory_of(pid_t pid) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/statm", (int)pid);
    FILE* f = fopen(path, "r");
    long long size = 0, rss = 0;
    if (!f) return 0;
    if (fscanf(f, "%lld %lld", &size, &rss) != 2) rss = 0;
    fclose(f);
    return rss * sysconf(_SC_PAGESIZE);
}

static void json_string(FILE* out, const char* s) {
    fputc('"', out);
    for (; *s; ++s) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(out, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(out, "\\u%04x", ch);
        else
            fputc(ch, out);
    }
    fputc('"', out);
}

static void cmd_list(int c, int json) {
    FILE* out = fdopen(dup(c), "w");
    if (!out) return;
    long long now = now_ms();
    if (json) fputc('[', out);
    for (size_t i = 0; i < n_apps; ++i) {
        struct app* a = &apps[i];
        long long mem = a->pid > 0 ? memory_of(a->pid) : 0;
        if (json) {
            fputs(i ? ",{\"name\":" : "{\"name\":", out);
            json_string(out, a->name);
            fprintf(out, ",\"pid\":%d,\"status\":\"%s\",\"restarts\":%d,\"memory\":%lld}",
                    (int)a->pid, a->status, a->restarts, mem);
        } else {
            fprintf(out, "%s\t%d\t%s\t%d\t%lld\t%lld\n", a->name, (int)a->pid, a->status,
                    a->restarts, mem, (now - a->started_ms) / 1000);
        }
    }
    if (json) fputs("]\n", out);
    fclose(out);
}

static void reap(void) {
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (size_t i = 0; i < n_apps; ++i) {
            if (apps[i].pid != pid) continue;
            drain(&apps[i], 0);
            drain(&apps[i], 1);
            for (int s = 0; s < 2; ++s) /* a grandchild may hold the pipe: stop following it */
                if (apps[i].pipe_fd[s] >= 0) {
                    epoll_ctl(epfd, EPOLL_CTL_DEL, apps[i].pipe_fd[s], NULL);
                    close(apps[i].pipe_fd[s]);
                    apps[i].pipe_fd[s] = -1;
                }
            apps[i].restarts++;
            spawn(i);
        }
    }
}

static void kill_all(void) {
    for (size_t i = 0; i < n_apps; ++i)
        if (apps[i].pid > 0) {
            kill(-apps[i].pid, SIGKILL);
            kill(apps[i].pid, SIGKILL);
        }
    while (waitpid(-1, NULL, 0) > 0) {}
}

/* Reads one request (to the client's half-close) and answers it. 1 when told to exit. */
static int serve(int c) {
    struct timeval tv = {1, 0}; /* a stalled client does not hold the supervisor */
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    size_t len = 0, cap = 64 * 1024;
    char* req = malloc(cap);
    for (;;) {
        if (len + 1 == cap) req = realloc(req, cap *= 2);
        ssize_t n = read(c, req + len, cap - len - 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        len += (size_t)n;
    }
    req[len] = 0;
    size_t n_fields = 0;
    for (size_t k = 0; k < len; ++k) n_fields += req[k] == 0;
    char** fields = calloc(n_fields + 2, sizeof(char*));
    for (size_t k = 0, f = 0; k < len && f < n_fields; k += strlen(req + k) + 1)
        fields[f++] = req + k;
    int quit = 0;
    const char* cmd = n_fields ? fields[0] : "";
    if (!strcmp(cmd, "ping"))
        dprintf(c, "pong %d\n", (int)getpid());
    else if (!strcmp(cmd, "start"))
        cmd_start(c, fields + 1, n_fields - 1);
    else if (!strcmp(cmd, "jlist"))
        cmd_list(c, 1);
    else if (!strcmp(cmd, "ls"))
        cmd_list(c, 0);
    else if (!strcmp(cmd, "kill")) {
        kill_all();
        dprintf(c, "killed\n");
        quit = 1;
    } else
        dprintf(c, "error: unknown command\n");
    free(fields);
    free(req);
    close(c);
    return quit;
}

int main(int argc, char** argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: mini_supervisor HOME\n");
        return 2;
    }
    snprintf(home, sizeof home, "%s", argv[1]);
    char path[4096 + 16];
    snprintf(path, sizeof path, "%s/logs", home);
    mkdir(home, 0700);
    mkdir(path, 0700);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (snprintf(addr.sun_path, sizeof addr.sun_path, "%s/sock", home) >=
        (int)sizeof addr.sun_path) {
        fprintf(stderr, "mini_supervisor: socket path too long\n");
        return 1;
    }
    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    unlink(addr.sun_path);
    if (bind(lfd, (struct sockaddr*)&addr, sizeof addr) < 0 || listen(lfd, 128) < 0) {
        perror("mini_supervisor: bind");
        return 1;
    }
    /* Serving from here: the parent returns to the client, the child goes on alone. */
    pid_t child = fork();
    if (child < 0) return 1;
    if (child > 0) _exit(0);
    setsid();
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    close(null);
    snprintf(path, sizeof path, "%s/pid", home);
    FILE* pf = fopen(path, "w");
    if (pf) {
        fprintf(pf, "%d\n", (int)getpid());
        fclose(pf);
    }
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigaddset(&chld, SIGPIPE);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    sigdelset(&chld, SIGPIPE);
    int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
    epfd = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0};
    epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
    ev.data.u64 = 1;
    epoll_ctl(epfd, EPOLL_CTL_ADD, sfd, &ev);
    for (;;) {
        struct epoll_event evs[64];
        int n = epoll_wait(epfd, evs, 64, -1);
        for (int k = 0; k < n; ++k) {
            unsigned long long tag = evs[k].data.u64;
            if (tag == 0) {
                int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
                if (c >= 0 && serve(c)) {
                    unlink(addr.sun_path);
                    return 0;
                }
            } else if (tag == 1) {
                struct signalfd_siginfo si;
                while (read(sfd, &si, sizeof si) == sizeof si) {}
                reap();
            } else {
                size_t i = (size_t)(tag - 2) / 2;
                if (i < n_apps) drain(&apps[i], (int)((tag - 2) % 2));
            }
        }
    }
}
