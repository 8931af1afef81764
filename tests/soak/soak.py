#!/usr/bin/env python3
"""rein soak harness: the real daemon, started through the real CLI, under sustained abuse.

Each scenario gets its own temporary REIN_HOME (a short path under /tmp, so the socket path fits
a Unix socket address), starts reind through `rein`, bounds every loop by count and by time, and
cleans up every process it saw by pid. Figures are printed as a table per scenario; the last line
is `N passed, M failed` (a scenario that cannot run here is skipped, with the reason, and counts
as neither).

  python3 tests/soak/soak.py --build build [--scale small|full] [--only 1,4] [--keep]

Scenarios (full size; small size in parentheses):
  1 crash storm: 200 (50) instances crashing after 50-300 ms, for 60 s (10 s): daemon RSS, fds,
    zombies, errored instances and `rein ls` latency once a second.
  2 1000 (200) instances from one ecosystem file: start, ls/jlist, stop all, delete all.
  3 200 (50) concurrent `rein jlist` clients.
  4 5000 (1000) idle connections to the control socket, then `rein ping` and an unrelated app.
  5 a `logs` follower that never reads while 4 apps print as fast as they can for 10 s (5 s).
  6 log disk full (a 2 MiB tmpfs; root only): every line there once, in order, once space is
    freed.
Python 3 standard library only.
"""

import argparse
import errno
import json
import os
import resource
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

SCALES = {
    "full": dict(storm_n=200, storm_s=60, many_n=1000, clients_n=200, idle_n=5000, flood_s=10),
    "small": dict(storm_n=50, storm_s=10, many_n=200, clients_n=50, idle_n=1000, flood_s=5),
}

CLK_TCK = os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------------------------
# /proc helpers

def proc_stat(pid):
    """(state, ppid, starttime, utime+stime ticks) of a process, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: fields start after the last ')'.
    rest = data[data.rfind(b")") + 2:].split()
    return rest[0].decode(), int(rest[1]), int(rest[19]), int(rest[11]) + int(rest[12])


def alive(pid):
    st = proc_stat(pid) if pid > 0 else None
    return st is not None and st[0] != "Z"


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def fd_count(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def socket_fds(pid):
    n = 0
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:"):
                    n += 1
            except OSError:
                pass
    except OSError:
        pass
    return n


def all_stats():
    """{pid: (state, ppid, starttime, ticks)} of every process (one walk of /proc)."""
    out = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = proc_stat(int(name))
            if st:
                out[int(name)] = st
    return out


def descendants(root, stats=None):
    """{pid: starttime} of every descendant of `root`."""
    stats = stats if stats is not None else all_stats()
    kids = {}
    for pid, st in stats.items():
        kids.setdefault(st[1], []).append(pid)
    out, todo = {}, [root]
    while todo and len(out) < 100_000:
        for k in kids.get(todo.pop(), []):
            if k not in out:
                out[k] = stats[k][2]
                todo.append(k)
    return out


def zombie_pids(pid):
    return {p for p, st in all_stats().items() if st[1] == pid and st[0] == "Z"}


def zombie_children(pid):
    return len(zombie_pids(pid))


def percentile(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    v = sorted(values)
    k = max(0, min(len(v) - 1, int(-(-p * len(v) // 100)) - 1))
    return v[k]


def ms(seconds):
    return f"{seconds * 1000:.0f} ms"


def mib(kib):
    return f"{kib / 1024:.1f} MiB"


# --------------------------------------------------------------------------------------------
# One temporary home and its daemon

class Run:
    def __init__(self, code, out, err, secs):
        self.code, self.out, self.err, self.secs = code, out, err, secs


class Home:
    def __init__(self, tools, keep=False):
        self.tools = tools
        self.keep = keep
        self.dir = tempfile.mkdtemp(prefix="rs.", dir="/tmp")
        if len(self.dir + "/rein.sock") >= 108:
            raise RuntimeError(f"home path too long for a Unix socket: {self.dir}")
        self.env = dict(os.environ, REIN_HOME=self.dir, REIND=tools.reind, NO_COLOR="1")
        self.daemon = 0
        self.daemon_start = 0
        self.seen = {}  # pid -> starttime: every process of this home, killed at the end
        self.mounts = []
        self.failed = False

    def path(self, name):
        return os.path.join(self.dir, name)

    def rein(self, *args, timeout=60):
        t0 = time.monotonic()
        try:
            p = subprocess.run([self.tools.rein, *args], env=self.env, capture_output=True,
                               text=True, timeout=timeout)
            return Run(p.returncode, p.stdout, p.stderr, time.monotonic() - t0)
        except subprocess.TimeoutExpired as e:
            out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else ""
            return Run(None, out, "timed out", time.monotonic() - t0)

    def start_daemon(self):
        r = self.rein("ping", timeout=30)
        if r.code != 0:
            raise RuntimeError(f"rein ping failed: {r.err.strip()}")
        with open(self.path("reind.pid")) as f:
            self.daemon = int(f.read().strip())
        st = proc_stat(self.daemon)
        self.daemon_start = st[2] if st else 0
        self.seen[self.daemon] = self.daemon_start
        return self.daemon

    def jlist(self, timeout=60):
        r = self.rein("jlist", timeout=timeout)
        if r.code != 0:
            return None, r
        try:
            rows = json.loads(r.out)
        except ValueError:
            return None, r
        for row in rows:
            if isinstance(row.get("pid"), int):
                st = proc_stat(row["pid"])
                if st:
                    self.seen.setdefault(row["pid"], st[2])
        return rows, r

    def ecosystem(self, apps, name="eco.json"):
        path = self.path(name)
        with open(path, "w") as f:
            json.dump({"apps": apps}, f)
        return path

    def fixture_app(self, name, actions, **keys):
        app = {"name": name, "script": self.tools.fixture, "args": actions}
        app.update(keys)
        return app

    def remember_processes(self):
        if self.daemon and alive(self.daemon):
            self.seen.update(descendants(self.daemon))

    def daemon_alive(self):
        st = proc_stat(self.daemon) if self.daemon else None
        return st is not None and st[0] != "Z" and st[2] == self.daemon_start

    def cleanup(self):
        self.remember_processes()
        if self.daemon_alive():
            self.rein("kill", timeout=60)
        # Whatever is left, by pid (and only if it is still the process we saw).
        for pid, start in self.seen.items():
            st = proc_stat(pid)
            if st and st[2] == start and st[0] != "Z":
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        deadline = time.monotonic() + 10
        while self.daemon_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        for m in self.mounts:
            subprocess.run(["umount", "-l", m], capture_output=True, timeout=30)
        if self.keep or self.failed:
            return self.dir
        shutil.rmtree(self.dir, ignore_errors=True)
        return None


class Outcome:
    def __init__(self, number, title):
        self.number, self.title = number, title
        self.figures = []  # (name, value)
        self.problems = []
        self.skipped = None  # reason

    def fig(self, name, value):
        self.figures.append((name, str(value)))

    def check(self, ok, problem):
        if not ok:
            self.problems.append(problem)
        return ok

    @property
    def passed(self):
        return self.skipped is None and not self.problems

    def print(self):
        verdict = "SKIPPED" if self.skipped else ("PASS" if self.passed else "FAIL")
        print(f"\n== {self.number}. {self.title}: {verdict}")
        rows = list(self.figures)
        if self.skipped:
            rows.append(("skipped", self.skipped))
        width = max([len(n) for n, _ in rows] + [6])
        print(f"  {'figure'.ljust(width)} | value")
        print(f"  {'-' * width}-+-{'-' * 30}")
        for n, v in rows:
            print(f"  {n.ljust(width)} | {v}")
        for p in self.problems:
            print(f"  FAILED: {p}")
        sys.stdout.flush()


def finish(h, o):
    """Cleans up the scenario's home; a failed scenario's home is kept for the post-mortem."""
    h.failed = o.skipped is None and not o.passed
    kept = h.cleanup()
    if kept:
        o.fig("home kept", kept)


def daemon_log_errors(h):
    try:
        with open(h.path("reind.log"), errors="replace") as f:
            return sum(1 for line in f if "[error]" in line or "[critical]" in line)
    except OSError:
        return 0


def wait_for(pred, timeout, interval=0.2):
    """Polls pred() until it is true or `timeout` seconds pass; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(interval)


def statuses(rows):
    out = {}
    for r in rows or []:
        out[r["status"]] = out.get(r["status"], 0) + 1
    return out


# --------------------------------------------------------------------------------------------
# 1. crash storm

def crash_storm(tools, scale, o, keep):
    n, secs = scale["storm_n"], scale["storm_s"]
    o.fig("instances x duration", f"{n} x {secs} s, runs of 50-300 ms")
    h = Home(tools, keep)
    try:
        d = h.start_daemon()
        eco = h.ecosystem([h.fixture_app("storm", ["exitrandom", "50", "300"], instances=n,
                                         max_restarts=1_000_000, min_uptime=10)])
        r = h.rein("start", eco, timeout=120)
        if not o.check(r.code == 0, f"start failed: {r.err.strip()}"):
            return
        samples = []
        t0 = time.monotonic()
        for i in range(secs + 5):  # one sample a second, bounded by count and time
            if time.monotonic() - t0 >= secs:
                break
            s = {"t": time.monotonic() - t0, "rss": rss_kib(d), "fds": fd_count(d),
                 "zombies": zombie_children(d)}
            ls = h.rein("ls", timeout=30)
            s["ls"], s["ls_ok"] = ls.secs, ls.code == 0
            rows, _ = h.jlist(timeout=30)
            s["errored"] = statuses(rows).get("errored", 0) if rows is not None else -1
            s["restarts"] = sum(r["restarts"] for r in rows) if rows else 0
            samples.append(s)
            if i % 10 == 0:
                h.remember_processes()
            left = t0 + i + 1 - time.monotonic()
            if left > 0:
                time.sleep(left)
        if not o.check(len(samples) >= 3, "too few samples"):
            return
        warm_s = max(2.0, secs * 0.2)
        warm = [s for s in samples if s["t"] <= warm_s] or samples[:1]
        tail = [s for s in samples if s["t"] >= secs * 0.8] or samples[-1:]
        fds_warm, fds_tail = max(s["fds"] for s in warm), max(s["fds"] for s in tail)
        fds_max = max(s["fds"] for s in samples)
        z_warm, z_tail = max(s["zombies"] for s in warm), max(s["zombies"] for s in tail)
        z_max = max(s["zombies"] for s in samples)
        rss_warm, rss_final = warm[-1]["rss"], samples[-1]["rss"]
        rss_max = max(s["rss"] for s in samples)
        ls = [s["ls"] for s in samples]
        restarts = samples[-1]["restarts"]
        errored = max(s["errored"] for s in samples)
        o.fig("samples", len(samples))
        o.fig("restarts (total, per second)",
              f"{restarts}, {restarts / max(samples[-1]['t'], 1):.0f}/s")
        o.fig("daemon fds warm-up / final / max", f"{fds_warm} / {fds_tail} / {fds_max}")
        o.fig("zombies warm-up / final / max", f"{z_warm} / {z_tail} / {z_max}")
        o.fig("daemon RSS warm-up / final / max",
              f"{mib(rss_warm)} / {mib(rss_final)} / {mib(rss_max)}")
        o.fig("ls p50 / p99 / max", f"{ms(percentile(ls, 50))} / {ms(percentile(ls, 99))} / "
                                     f"{ms(max(ls))}")
        o.fig("errored instances (max seen)", errored)
        o.check(errored == 0, f"{errored} instances errored")
        o.check(all(s["ls_ok"] for s in samples), "a `rein ls` failed")
        fd_slack = max(16, n // 10)
        o.check(fds_tail <= fds_warm + fd_slack,
                f"daemon fds grew: {fds_warm} after warm-up, {fds_tail} at the end")
        o.check(fds_max <= 2 * n + 64, f"daemon fds reached {fds_max} (2 pipes per instance "
                                       f"would be {2 * n})")
        # A count taken mid-storm is as high as the loop is late (a loaded machine doubles it):
        # what leaks is a child never reaped, so each zombie seen now must be gone soon after,
        # while the storm goes on.
        seen = zombie_pids(d)
        reaped = wait_for(lambda: not (seen & zombie_pids(d)), 5)
        o.check(reaped, f"zombies not reaped within 5 s: {sorted(seen & zombie_pids(d))}")
        o.check(rss_final <= rss_warm + 2048,
                f"daemon RSS grew {mib(rss_final - rss_warm)} after warm-up")
        o.check(percentile(ls, 99) < 1.0, f"ls p99 {ms(percentile(ls, 99))} (limit 1 s)")
        # Everything stops, and nothing is left unreaped.
        r = h.rein("stop", "all", timeout=120)
        o.fig("stop all", ms(r.secs))
        o.check(r.code == 0, f"stop all failed: {r.err.strip()}")
        left = wait_for(lambda: zombie_children(d) == 0, 5)
        o.fig("zombies after stop", zombie_children(d))
        o.check(left, "zombies left after stop all")
        o.fig("errors in reind.log", daemon_log_errors(h))
        o.check(h.daemon_alive(), "the daemon died")
    finally:
        finish(h, o)


# --------------------------------------------------------------------------------------------
# 2. many instances

def many_instances(tools, scale, o, keep):
    n = scale["many_n"]
    per_app = 10
    apps = n // per_app
    o.fig("instances", f"{n} ({apps} apps x {per_app})")
    h = Home(tools, keep)
    try:
        d = h.start_daemon()
        eco = h.ecosystem([h.fixture_app(f"app{i}", ["sleep", "1"], instances=per_app)
                           for i in range(apps)])
        t0 = time.monotonic()
        r = h.rein("start", eco, timeout=300)
        o.fig("rein start (reply)", ms(r.secs))
        if not o.check(r.code == 0, f"start failed: {r.err.strip()}"):
            return
        counts = {}

        def all_in(status):
            nonlocal counts
            rows, _ = h.jlist(timeout=60)
            counts = statuses(rows)
            return rows is not None and len(rows) == n and counts.get(status, 0) == n

        online = wait_for(lambda: all_in("online"), 300, 0.5)
        o.fig("all online after", ms(time.monotonic() - t0))
        o.check(online, f"not all online: {counts}")
        h.remember_processes()
        ls = [h.rein("ls", timeout=60) for _ in range(3)]
        jl = [h.rein("jlist", timeout=60) for _ in range(3)]
        o.fig("ls (3 runs) median / max",
              f"{ms(statistics.median(x.secs for x in ls))} / {ms(max(x.secs for x in ls))}")
        o.fig("jlist (3 runs) median / max",
              f"{ms(statistics.median(x.secs for x in jl))} / {ms(max(x.secs for x in jl))}")
        o.fig("jlist size", f"{len(jl[0].out) // 1024} KiB")
        o.check(all(x.code == 0 for x in ls + jl), "an ls or jlist failed")
        o.fig("daemon RSS / fds, all online", f"{mib(rss_kib(d))} / {fd_count(d)}")
        # What the once-a-second sampling of every instance costs the daemon when idle.
        st0, c0 = proc_stat(d), time.monotonic()
        time.sleep(5)
        st1, c1 = proc_stat(d), time.monotonic()
        if st0 and st1:
            cpu = (st1[3] - st0[3]) / CLK_TCK / (c1 - c0) * 100
            o.fig("daemon CPU, idle with all online", f"{cpu:.1f}% of a core")
        t1 = time.monotonic()
        r = h.rein("stop", "all", timeout=300)
        o.fig("rein stop all (reply)", ms(r.secs))
        o.check(r.code == 0, f"stop all failed: {r.err.strip()}")
        stopped = wait_for(lambda: all_in("stopped"), 120, 0.5)
        o.fig("all stopped after", ms(time.monotonic() - t1))
        o.check(stopped, f"not all stopped: {counts}")
        r = h.rein("delete", "all", timeout=300)
        o.fig("rein delete all", ms(r.secs))
        o.check(r.code == 0, f"delete all failed: {r.err.strip()}")
        rows, _ = h.jlist()
        o.check(rows == [], f"{len(rows or [])} rows left after delete all")
        ping = h.rein("ping", timeout=10)
        o.check(ping.code == 0 and h.daemon_alive(), "the daemon does not answer")
        o.fig("daemon RSS / fds after delete", f"{mib(rss_kib(d))} / {fd_count(d)}")
        o.fig("errors in reind.log", daemon_log_errors(h))
    finally:
        finish(h, o)


# --------------------------------------------------------------------------------------------
# 3. concurrent clients

def concurrent_clients(tools, scale, o, keep):
    n = scale["clients_n"]
    rows_n = 20
    o.fig("clients", f"{n} x `rein jlist` at once, {rows_n} instances listed")
    h = Home(tools, keep)
    procs = []
    try:
        h.start_daemon()
        eco = h.ecosystem([h.fixture_app("listed", ["sleep", "1"], instances=rows_n)])
        if not o.check(h.rein("start", eco, timeout=60).code == 0, "start failed"):
            return
        h.remember_processes()
        outdir = h.path("clients")
        os.mkdir(outdir)
        t0 = time.monotonic()
        for i in range(n):
            out = open(os.path.join(outdir, f"{i}.out"), "w")
            p = subprocess.Popen([tools.rein, "jlist"], env=h.env, stdout=out,
                                 stderr=subprocess.STDOUT)
            out.close()
            procs.append([p, time.monotonic(), None])
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and any(x[2] is None for x in procs):
            for x in procs:
                if x[2] is None and x[0].poll() is not None:
                    x[2] = time.monotonic()
            time.sleep(0.002)
        wall = time.monotonic() - t0
        done = [x for x in procs if x[2] is not None]
        lat = [x[2] - x[1] for x in done]
        ok = 0
        for i, x in enumerate(procs):
            if x[2] is None or x[0].returncode != 0:
                continue
            try:
                with open(os.path.join(outdir, f"{i}.out")) as f:
                    if len(json.load(f)) == rows_n:
                        ok += 1
            except ValueError:
                pass
        o.fig("succeeded", f"{ok} of {n}")
        if lat:
            o.fig("latency p50 / p99 / max",
                  f"{ms(percentile(lat, 50))} / {ms(percentile(lat, 99))} / {ms(max(lat))}")
        o.fig("wall time, all clients", ms(wall))
        o.check(ok == n, f"{n - ok} clients failed or gave a wrong answer")
        if ok != n:
            for i, x in enumerate(procs):
                if x[2] is not None and x[0].returncode != 0:
                    with open(os.path.join(outdir, f"{i}.out")) as f:
                        o.fig("first failure", f.read().strip()[:200])
                    break
        o.check(h.daemon_alive(), "the daemon died")
        o.fig("errors in reind.log", daemon_log_errors(h))
    finally:
        for x in procs:
            if x[0].poll() is None:
                x[0].kill()
            x[0].wait()
        finish(h, o)


# --------------------------------------------------------------------------------------------
# 4. idle connections

def idle_connections(tools, scale, o, keep):
    n = scale["idle_n"]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < n + 100:
        n = max(100, hard - 100)
    o.fig("idle connections opened by the script", n)
    h = Home(tools, keep)
    socks = []
    try:
        d = h.start_daemon()
        base_sockets = socket_fds(d)
        eco = h.ecosystem([h.fixture_app("unrelated", ["exitrandom", "100", "300"],
                                         max_restarts=1_000_000, min_uptime=10)])
        if not o.check(h.rein("start", eco, timeout=60).code == 0, "start failed"):
            return
        t0 = time.monotonic()
        failed_connect = 0
        deadline = t0 + 60
        for _ in range(n):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.setblocking(False)
            while True:
                try:
                    s.connect(h.path("rein.sock"))
                    socks.append(s)
                    break
                except BlockingIOError:
                    # The listen backlog is full: the daemon has not accepted enough yet.
                    if time.monotonic() < deadline:
                        time.sleep(0.001)
                        continue
                except OSError:
                    pass
                failed_connect += 1
                s.close()
                break
        o.fig("connected", f"{len(socks)} in {ms(time.monotonic() - t0)}"
                           f" ({failed_connect} connects failed)")
        # Let the daemon take what it will, then see what it did with each one.
        time.sleep(1)
        held = socket_fds(d) - base_sockets
        busy = closed = 0
        poller = select.poll()
        by_fd = {s.fileno(): s for s in socks}
        for fd in by_fd:
            poller.register(fd, select.POLLIN)
        for fd, _ in poller.poll(0):
            try:
                data = by_fd[fd].recv(65536)
            except OSError:
                data = b""
            if b'"busy"' in data:
                busy += 1
            else:
                closed += 1
        o.fig("held open by the daemon", held)
        o.fig("refused with `busy` / closed by the daemon", f"{busy} / {closed}")
        o.fig("daemon RSS / fds", f"{mib(rss_kib(d))} / {fd_count(d)}")
        pings = [h.rein("ping", timeout=10) for _ in range(3)]
        o.fig("ping (3 runs) max", ms(max(p.secs for p in pings)))
        o.check(all(p.code == 0 and p.secs < 2 for p in pings),
                "ping did not answer within 2 s: " +
                ", ".join(f"{p.code} {ms(p.secs)} {p.err.strip()[:80]}" for p in pings))
        rows, _ = h.jlist()
        app = (rows or [{}])[0]
        o.fig("unrelated app", f"{app.get('status')} after {app.get('restarts')} restarts")
        o.check(rows is not None and app.get("status") != "errored",
                "the unrelated app errored (or jlist failed)")
        for s in socks:
            s.close()
        socks = []
        ping = h.rein("ping", timeout=10)
        o.fig("ping after closing them", ms(ping.secs))
        o.check(ping.code == 0 and h.daemon_alive(), "the daemon does not answer")
        o.fig("errors in reind.log", daemon_log_errors(h))
    finally:
        for s in socks:
            s.close()
        finish(h, o)


# --------------------------------------------------------------------------------------------
# 5. a follower that never reads

def expected_lines(n, word=b"line"):
    """b"<word> 1\n<word> 2\n ... <word> n\n" (built in C: map(str) and join)."""
    if n <= 0:
        return b""
    w = word.decode() + " "
    return (w + ("\n" + w).join(map(str, range(1, n + 1))) + "\n").encode()


def line_count(path):
    n = 0
    try:
        with open(path, "rb") as f:
            while True:
                chunk = f.read(1 << 20)
                if not chunk:
                    return n
                n += chunk.count(b"\n")
    except OSError:
        return 0


def numbered_ok(data, word):
    """(lines, ok): `data` is "<word> 1" .. "<word> K", each once and in order, the last one
    possibly cut short (the app was killed in the middle of a buffered write)."""
    k = data.count(b"\n")
    if k == 0:
        return 0, False
    head = expected_lines(k - 1, word)
    if not data.startswith(head):
        return k, False
    last = data[len(head):]
    return k, len(last) > 1 and last.endswith(b"\n") and (b"%s %d" % (word, k)).startswith(
        last[:-1])


def stuck_follower(tools, scale, o, keep):
    secs = scale["flood_s"]
    apps = 4
    o.fig("apps", f"{apps} printing numbered lines as fast as they can for {secs} s")
    h = Home(tools, keep)
    follower = None
    try:
        d = h.start_daemon()
        go = h.path("go")
        eco = h.ecosystem([h.fixture_app(f"flood{i}", ["waitfile", go, "print", "1000000000"])
                           for i in range(apps)])
        if not o.check(h.rein("start", eco, timeout=60).code == 0, "start failed"):
            return
        h.remember_processes()
        rss0 = rss_kib(d)
        follower = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        follower.settimeout(5)
        follower.connect(h.path("rein.sock"))
        # Follow every app, then never read: the daemon must skip it ahead, not buffer for it.
        follower.sendall(b'{"id": 1, "cmd": "logs", "lines": 0, "stream": true}\n')
        open(go, "w").close()  # every app starts printing now
        t0 = time.monotonic()
        rss_max, pings = rss0, []
        for _ in range(secs * 4):  # bounded by count and by time
            if time.monotonic() - t0 >= secs:
                break
            rss_max = max(rss_max, rss_kib(d))
            pings.append(h.rein("ping", timeout=10))
            time.sleep(0.25)
        r = h.rein("stop", "all", timeout=60)
        took = time.monotonic() - t0
        o.check(r.code == 0, f"stop all failed: {r.err.strip()}")
        rss_max = max(rss_max, rss_kib(d))
        files = [h.path(f"logs/flood{i}-out.log") for i in range(apps)]
        counts = [line_count(f) for f in files]
        o.fig("lines in the files", " ".join(str(c) for c in counts))
        o.fig("lines per second (all apps)", f"{sum(counts) / took:.0f}")
        o.fig("daemon RSS before / max", f"{mib(rss0)} / {mib(rss_max)}")
        o.fig("ping max / failures",
              f"{ms(max(p.secs for p in pings))} / {sum(p.code != 0 for p in pings)}")
        # Each file holds line 1 .. line K, every one once and in order, up to what the app
        # wrote before the stop (the daemon drains the pipe after the process is gone).
        exact = 0
        for f in files:
            with open(f, "rb") as fh:
                exact += numbered_ok(fh.read(), b"line")[1]
        o.fig("files holding line 1..K exactly, in order", f"{exact} of {apps}")
        o.check(exact == apps, "lines missing, doubled or out of order")
        o.check(min(counts) > 0, "an app printed nothing")
        o.check(rss_max <= rss0 + 32 * 1024, f"daemon RSS grew by {mib(rss_max - rss0)}")
        o.check(all(p.code == 0 and p.secs < 2 for p in pings),
                "a ping failed or took over 2 s")
        # What the daemon queued for the follower meanwhile.
        follower.setblocking(False)
        got = 0
        end = time.monotonic() + 5
        while time.monotonic() < end and got < (256 << 20):
            try:
                chunk = follower.recv(1 << 20)
            except BlockingIOError:
                break
            if not chunk:
                break
            got += len(chunk)
        o.fig("queued for the follower (read afterwards)", f"{got // 1024} KiB")
        ping = h.rein("ping", timeout=10)
        o.check(ping.code == 0 and h.daemon_alive(), "the daemon does not answer")
        o.fig("errors in reind.log", daemon_log_errors(h))
    finally:
        if follower:
            follower.close()
        finish(h, o)


# --------------------------------------------------------------------------------------------
# 6. log disk full

def disk_full(tools, scale, o, keep):
    n = 100_000  # "line 1" .. "line 100000": 1.2 MB, more than the room left on the disk
    if os.geteuid() != 0:
        o.skipped = "needs root to mount a tmpfs"
        return
    h = Home(tools, keep)
    try:
        disk = h.path("disk")
        os.mkdir(disk)
        m = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", disk],
                           capture_output=True, text=True, timeout=30)
        if m.returncode != 0:
            o.skipped = f"cannot mount a tmpfs here ({m.stderr.strip()[:100]})"
            return
        h.mounts.append(disk)
        o.fig("disk", "2 MiB tmpfs; app prints 100000 numbered lines (1.2 MB) to it")
        h.start_daemon()
        go = h.path("go")
        out = os.path.join(disk, "numbers-out.log")
        eco = h.ecosystem([h.fixture_app("numbers", ["waitfile", go, "print", str(n)],
                                         out_file=out)])
        if not o.check(h.rein("start", eco, timeout=60).code == 0, "start failed"):
            return
        h.remember_processes()
        # Fill the disk, then give back 256 KiB: the app's output fills the rest.
        ballast = os.path.join(disk, "ballast")
        with open(ballast, "wb", buffering=0) as f:
            try:
                for _ in range(64):  # 4 MiB: more than the disk holds
                    f.write(b"\0" * 65536)
            except OSError as e:
                if e.errno != errno.ENOSPC:
                    raise
        size = os.path.getsize(ballast)
        os.truncate(ballast, max(0, size - 256 * 1024))
        open(go, "w").close()
        # While full: the file stops growing (the app should be blocked, not losing lines).
        sizes = []
        for _ in range(6):
            time.sleep(0.5)
            sizes.append(os.path.getsize(out) if os.path.exists(out) else 0)
        o.fig("out file while the disk is full (0.5 s apart)",
              " ".join(f"{s // 1024}K" for s in sizes))
        ping = h.rein("ping", timeout=10)
        o.fig("ping while full", f"{ms(ping.secs)}" if ping.code == 0 else "failed")
        o.check(ping.code == 0, "the daemon does not answer while the disk is full")
        os.unlink(ballast)
        wait_for(lambda: line_count(out) >= n, 20, 0.25)
        time.sleep(0.5)  # anything wrongly written twice would show up now
        with open(out, "rb") as f:
            data = f.read()
        lines = data.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        numbers = []
        for line in lines:
            try:
                numbers.append(int(line.split(b" ")[1]))
            except (IndexError, ValueError):
                numbers.append(-1)
        distinct = set(numbers)
        missing = sum(1 for k in range(1, n + 1) if k not in distinct)
        doubled = len(numbers) - len(distinct)
        in_order = all(a < b for a, b in zip(numbers, numbers[1:]))
        o.fig("lines in the file", len(lines))
        o.fig("missing / doubled / in order", f"{missing} / {doubled} / {in_order}")
        o.fig("errors in reind.log", daemon_log_errors(h))
        o.check(data == expected_lines(n),
                f"not every line exactly once and in order ({missing} missing, {doubled} "
                f"doubled, in order: {in_order})")
        o.check(h.daemon_alive(), "the daemon died")
    finally:
        finish(h, o)


# --------------------------------------------------------------------------------------------

SCENARIOS = [
    (1, "crash storm", crash_storm),
    (2, "many instances from one ecosystem file", many_instances),
    (3, "concurrent CLI clients", concurrent_clients),
    (4, "idle connections", idle_connections),
    (5, "a log follower that never reads", stuck_follower),
    (6, "log disk full", disk_full),
]


class Tools:
    def __init__(self, args):
        b = args.build
        self.rein = os.path.abspath(args.rein or os.path.join(b, "rein"))
        self.reind = os.path.abspath(args.reind or os.path.join(b, "reind"))
        self.fixture = os.path.abspath(args.fixture or os.path.join(b, "tests", "rein-fixture"))
        for p in (self.rein, self.reind, self.fixture):
            if not os.access(p, os.X_OK):
                sys.exit(f"soak: {p} is not an executable (build first: make build)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build", help="build folder with rein, reind, tests/")
    ap.add_argument("--rein")
    ap.add_argument("--reind")
    ap.add_argument("--fixture")
    ap.add_argument("--scale", choices=sorted(SCALES), default="full")
    ap.add_argument("--only", help="comma-separated scenario numbers")
    ap.add_argument("--keep", action="store_true", help="keep every home (else only failed)")
    args = ap.parse_args()
    tools = Tools(args)
    scale = SCALES[args.scale]
    only = {int(x) for x in args.only.split(",")} if args.only else None
    print(f"rein soak, scale {args.scale}: {tools.rein}")
    outcomes = []
    t_all = time.monotonic()
    for number, title, run in SCENARIOS:
        if only and number not in only:
            continue
        o = Outcome(number, title)
        t0 = time.monotonic()
        try:
            run(tools, scale, o, args.keep)
        except Exception as e:  # a broken scenario is a failed one, and the others still run
            o.problems.append(f"{type(e).__name__}: {e}")
        o.fig("scenario time", f"{time.monotonic() - t0:.1f} s")
        o.print()
        outcomes.append(o)
    passed = sum(o.passed for o in outcomes)
    failed = sum(1 for o in outcomes if o.skipped is None and not o.passed)
    print(f"\n== summary ({time.monotonic() - t_all:.0f} s)")
    for o in outcomes:
        verdict = "skipped" if o.skipped else ("pass" if o.passed else "FAIL")
        print(f"  {o.number}. {o.title.ljust(42)} {verdict}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
