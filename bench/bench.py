#!/usr/bin/env python3
"""rein and PM2 side by side on this machine. Run through bench/run.sh (which builds rein and
installs PM2 into bench/.cache); `bench.py SCENARIO...` with scenarios core, logs, cluster,
handoff, resources, kill9, climit, metrics (default: all). Prints Markdown tables and writes them
to bench/results/.

Every loop is bounded in count and time; every daemon and app started is stopped at the end.
Times are wall-clock medians; each command's time includes starting its process (a `/bin/true`
run is measured as the floor of that).
"""
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD", os.path.join(ROOT, "build"))
REIN = os.path.join(BUILD, "rein")
FIXTURE = os.path.join(BUILD, "tests", "rein-fixture")
PM2 = os.path.join(ROOT, "bench", ".cache", "pm2", "node_modules", ".bin", "pm2")
RESULTS = os.path.join(ROOT, "bench", "results")
RUNS = int(os.environ.get("RUNS", "5"))
HAVE_PM2 = os.path.exists(PM2)

cleanups = []
report = []


def out(line=""):
    print(line, flush=True)
    report.append(line)


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def p90(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * 0.9))] if xs else float("nan")


def wait_for(pred, timeout, interval=0.01):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(interval)
    return pred()


def timed(cmd, env):
    t = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return (time.perf_counter() - t) * 1000


def proc_status(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def read_lines(path):
    try:
        with open(path) as f:
            return f.read().splitlines()
    except OSError:
        return []


class Rein:
    name = "rein"

    def __init__(self):
        self.home = tempfile.mkdtemp(prefix="rb.", dir="/tmp")
        self.env = dict(os.environ, REIN_HOME=self.home)
        cleanups.append(self.stop)

    def run(self, *args, check=True):
        return subprocess.run([REIN, *args], env=self.env, capture_output=True, text=True,
                              check=check)

    def start_file(self, apps, name="eco.json"):
        path = os.path.join(self.home, name)
        with open(path, "w") as f:
            json.dump({"apps": apps}, f)
        return self.run("start", path)

    def rows(self):
        return json.loads(self.run("jlist").stdout)

    def daemon_pid(self):
        with open(os.path.join(self.home, "reind.pid")) as f:
            return int(f.read())

    def log(self, app):
        return os.path.join(self.home, "logs", f"{app}-out.log")

    def stop(self):
        subprocess.run([REIN, "kill"], env=self.env, capture_output=True, check=False)
        shutil.rmtree(self.home, ignore_errors=True)


class Pm2:
    name = "PM2"

    def __init__(self):
        self.home = tempfile.mkdtemp(prefix="pb.", dir="/tmp")
        self.env = dict(os.environ, PM2_HOME=self.home)
        cleanups.append(self.stop)

    def run(self, *args, check=True):
        return subprocess.run([PM2, *args], env=self.env, capture_output=True, text=True,
                              check=check)

    def start_file(self, apps, name="eco.config.js"):
        for a in apps:
            a.setdefault("interpreter", "none")
        path = os.path.join(self.home, name)
        with open(path, "w") as f:
            f.write("module.exports = " + json.dumps({"apps": apps}) + ";\n")
        return self.run("start", path)

    def rows(self):
        raw = json.loads(self.run("jlist").stdout or "[]")
        return [{"id": r["pm_id"], "name": r["name"], "pid": r.get("pid") or None,
                 "status": r["pm2_env"]["status"], "restarts": r["pm2_env"]["restart_time"]}
                for r in raw]

    def daemon_pid(self):
        with open(os.path.join(self.home, "pm2.pid")) as f:
            return int(f.read())

    def log(self, app):
        return os.path.join(self.home, "logs", f"{app}-out.log")

    def stop(self):
        subprocess.run([PM2, "kill"], env=self.env, capture_output=True, check=False)
        shutil.rmtree(self.home, ignore_errors=True)


def tools():
    return [Rein, Pm2] if HAVE_PM2 else [Rein]


def all_online(tool, n):
    rows = tool.rows()
    return len(rows) >= n and all(r["status"] == "online" for r in rows)


# --- core: CLI latency, daemon start, memory, 100 instances online, crash-to-restart ----------

def core():
    out("## Core: CLI latency, daemon memory, start and restart speed")
    floor = median([timed(["/bin/true"], os.environ) for _ in range(30)])
    out(f"(process start floor: `/bin/true` takes {floor:.2f} ms here)")
    out()
    out("| measure | rein | PM2 | rein target |")
    out("|---|---|---|---|")
    res = {}
    for T in tools():
        first = []
        for _ in range(10 if T is Rein else 3):
            t = T()
            first.append(timed([REIN, "ping"] if T is Rein else [PM2, "ping"], t.env))
            t.stop()
        t = T()
        t.run("ping")
        time.sleep(0.5)  # settle: idle means idle
        idle = proc_status(t.daemon_pid(), "VmRSS")
        t.start_file([{"name": f"app{i}", "script": FIXTURE} for i in range(10)])
        wait_for(lambda: all_online(t, 10), 30)
        jl = [timed([REIN, "jlist"] if T is Rein else [PM2, "jlist"], t.env) for _ in range(30)]
        ls = [timed([REIN, "ls"] if T is Rein else [PM2, "ls"], t.env) for _ in range(30)]
        t.stop()

        # 100 instances: from the start command to every instance's own start stamp.
        online = []
        rss100 = 0
        for _ in range(3):
            t = T()
            t.run("ping")
            stamps = os.path.join(t.home, "stamps")
            spec = {"name": "many", "script": FIXTURE, "args": ["stamp", stamps],
                    "instances": 100, "exec_mode": "fork"}
            t0 = time.time_ns()
            t.start_file([spec])
            wait_for(lambda: len(read_lines(stamps)) >= 100, 60)
            lines = read_lines(stamps)
            if len(lines) >= 100:
                online.append((max(int(l.split()[1]) for l in lines) - t0) / 1e6)
            wait_for(lambda: all_online(t, 100), 60)
            time.sleep(1.5)
            rss100 = proc_status(t.daemon_pid(), "VmRSS")
            t.stop()

        # Crash-to-restart: an app that exits at once, restarted with no delay.
        t = T()
        stamps = os.path.join(t.home, "crash")
        spec = {"name": "crash", "script": FIXTURE, "args": ["stamp", stamps, "exit", "1"],
                "restart_delay": 0, "min_uptime": 0, "max_restarts": 1000, "autorestart": True}
        t.start_file([spec])
        wait_for(lambda: len(read_lines(stamps)) >= 31, 120)
        ns = sorted(int(l.split()[1]) for l in read_lines(stamps))
        t.stop()
        gaps = [(b - a) / 1e6 for a, b in zip(ns, ns[1:])][:30]
        res[T.name] = dict(first=median(first), jlist=median(jl), jlist90=p90(jl), ls=median(ls),
                           idle=idle, per=(rss100 - idle) / 100, online=median(online),
                           restart=median(gaps), restart90=p90(gaps))
    r, p = res["rein"], res.get("PM2", {})

    def cell(d, key, fmt):
        return fmt.format(d[key]) if key in d else "n/a"
    out(f"| `jlist` with 10 apps, median of 30 (p90) | {r['jlist']:.2f} ms ({r['jlist90']:.2f}) | "
        f"{cell(p, 'jlist', '{:.0f} ms')} | < 3 ms |")
    out(f"| `ls` with 10 apps, median of 30 | {r['ls']:.2f} ms | {cell(p, 'ls', '{:.0f} ms')} | |")
    out(f"| first command, starting the daemon (median) | {r['first']:.2f} ms | "
        f"{cell(p, 'first', '{:.0f} ms')} | < 15 ms |")
    out(f"| daemon RSS, idle | {r['idle'] / 1048576:.2f} MiB | "
        f"{(p['idle'] / 1048576 if p else float('nan')):.1f} MiB | < 3 MiB |")
    out(f"| daemon RSS growth per instance (100 instances) | {r['per'] / 1024:.1f} KiB | "
        f"{(p['per'] / 1024 if p else float('nan')):.0f} KiB | < 16 KiB |")
    out(f"| 100 instances: start to all running, median of 3 | {r['online']:.1f} ms | "
        f"{cell(p, 'online', '{:.0f} ms')} | < 100 ms |")
    out(f"| crash to running again, median of 30 (p90) | {r['restart']:.2f} ms "
        f"({r['restart90']:.2f}) | {cell(p, 'restart', '{:.1f} ms')} | < 2 ms |")
    out()


# --- logs: a flood of lines, and lines before SIGKILL --------------------------------------

def check_lines(path, n):
    lines = read_lines(path)
    want = [f"line {i}" for i in range(1, n + 1)]
    present = set(lines) & set(want)
    return n - len(present), lines == want


FLOOD_BYTES = sum(len(f"line {i}\n") for i in range(1, 1_000_001))


def logs():
    out("## Logs: 1,000,000 lines as fast as possible, and 100,000 lines then SIGKILL")
    out()
    n = 1_000_000
    rows = []
    # The limit: the app writing straight to a file.
    # Throughput is measured from the app's own start stamp to the last line in the file, so
    # neither the start command nor the manager's start-up counts, only the log path. The
    # writers take turns run by run, so a slow spell of the machine hits all of them alike.

    def direct_run():
        d = tempfile.mkdtemp(prefix="lb.", dir="/tmp")
        path, stamp = os.path.join(d, "out.log"), os.path.join(d, "stamp")
        with open(path, "w") as f:
            subprocess.run([FIXTURE, "stamp", stamp, "print", str(n), "exit", "0"], stdout=f,
                           check=False)
        done = time.time_ns()
        began = int(read_lines(stamp)[0].split()[1])
        shutil.rmtree(d, ignore_errors=True)
        return n / ((done - began) / 1e9)

    def flood_run(T):
        t = T()
        t.run("ping")
        stamp = os.path.join(t.home, "stamp")
        spec = {"name": "flood", "script": FIXTURE,
                "args": ["stamp", stamp, "print", str(n), "exit", "0"], "autorestart": False}
        log = t.log("flood")
        t.start_file([spec])
        # Done when the file holds every byte, or (lines lost) when the app has exited and
        # the file has stopped growing for a second.
        last = [0, time.perf_counter()]

        def complete():
            size = os.path.getsize(log) if os.path.exists(log) else 0
            if size >= FLOOD_BYTES:
                return True
            if size != last[0]:
                last[:] = [size, time.perf_counter()]
                return False
            return time.perf_counter() - last[1] > 1 and \
                any(r["status"] == "stopped" for r in t.rows())
        wait_for(complete, 120, 0.0005)
        elapsed = (time.time_ns() - int(read_lines(stamp)[0].split()[1])) / 1e9
        lost, ordered = check_lines(log, n)
        peak = proc_status(t.daemon_pid(), "VmHWM")
        t.stop()
        return lost, ordered, n / elapsed, peak

    direct = []
    floods = {T: [] for T in tools()}
    for _ in range(RUNS):
        direct.append(direct_run())
        for T in floods:
            floods[T].append(flood_run(T))
    limit = median(direct)
    rows.append(("straight to a file (the limit)", 0, "-", limit, "-", "-"))
    for T, runs in floods.items():
        kill_lost = []
        for _ in range(RUNS):
            t = T()
            spec = {"name": "doomed", "script": FIXTURE,
                    "args": ["print", "100000", "raise", "KILL"], "autorestart": False}
            t.start_file([spec])
            wait_for(lambda: any(r["status"] in ("stopped", "errored") for r in t.rows()), 30,
                     0.05)
            time.sleep(0.5)
            kill_lost.append(check_lines(t.log("doomed"), 100_000)[0])
            t.stop()
        rows.append((T.name, max(r[0] for r in runs), all(r[1] for r in runs),
                     median([r[2] for r in runs]), max(kill_lost),
                     max(r[3] for r in runs) / 1048576))
    out(f"| writer | lines lost, worst of {RUNS} | all in order | lines/s, median "
        f"| % of the limit | lost before SIGKILL, worst of {RUNS} | daemon peak RSS |")
    out("|---|---|---|---|---|---|---|")
    for name, lost, ordered, rate, kl, peak in rows:
        pct = f"{100 * rate / limit:.0f}%" if name != rows[0][0] else "100%"
        peak_s = f"{peak:.1f} MiB" if isinstance(peak, float) else peak
        out(f"| {name} | {lost} | {ordered} | {rate:,.0f} | {pct} | {kl} | {peak_s} |")
    out()
    out("Targets for rein: 0 lines lost in every run, at least 90% of the limit, daemon peak "
        "RSS under 8 MiB.")
    out()


# --- cluster: wrk during reloads and restarts ---------------------------------------------

NODE_APP = os.path.join(ROOT, "examples", "node", "server.js")


def wrk(port, seconds, during=None):
    proc = subprocess.Popen(["wrk", "-t2", "-c50", f"-d{seconds}s", f"http://127.0.0.1:{port}/"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    cleanups.append(lambda: proc.kill())
    if during:
        during()
    text = proc.communicate(timeout=seconds + 30)[0]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    errors = 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        errors += sum(int(x) for x in m.groups())
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if m:
        errors += int(m.group(1))
    return rps, errors


def cluster():
    if not shutil.which("wrk") or not shutil.which("node"):
        out("## Cluster: skipped (wrk or node missing)")
        return
    out("## Cluster: the draining Node example, 2 instances, wrk for 10 s with two reloads")
    out()
    port = 18700
    # The bare app: one process, no manager.
    env = dict(os.environ, PORT=str(port))
    bare = subprocess.Popen(["node", NODE_APP], env=env)
    cleanups.append(lambda: bare.kill())
    time.sleep(1)
    bare_rps = median([wrk(port, 10)[0] for _ in range(2)])
    bare.send_signal(signal.SIGINT)
    bare.wait(timeout=10)
    out("| manager | action | failed requests per run | requests/s, median | vs bare app |")
    out("|---|---|---|---|---|")
    out(f"| none (one bare process) | - | - | {bare_rps:,.0f} | 100% |")
    for T in tools():
        for action in ("reload", "restart"):
            fails, rates = [], []
            for _ in range(RUNS):
                port += 1
                t = T()
                if T is Rein:
                    t.start_file([{"name": "web", "script": NODE_APP, "instances": 2,
                                   "listen": f"127.0.0.1:{port}", "wait_ready": True}])
                else:
                    t.env["PORT"] = str(port)  # PM2's cluster module shares the port
                    t.run("start", NODE_APP, "--name", "web", "-i", "2", "--wait-ready",
                          "--listen-timeout", "3000")
                wait_for(lambda: all_online(t, 2), 30, 0.05)
                time.sleep(0.5)

                def twice():
                    for _ in range(2):
                        time.sleep(3)
                        t.run(action, "web", check=False)
                rps, errors = wrk(port, 10, twice)
                fails.append(errors)
                rates.append(rps)
                t.stop()
            out(f"| {T.name} | {action} | {', '.join(map(str, fails))} | {median(rates):,.0f} "
                f"| {100 * median(rates) / bare_rps:.0f}% |")
    out()
    out("Targets for rein: 0 failed requests in every run; requests/s within 5% of the bare app.")
    out()


# --- handoff: a Node server that binds its own port, in cluster mode ---------------------

# HANDOFF_APP=path runs another server in its place (e.g. one with no SIGINT handler).
HANDOFF_APP = os.environ.get("HANDOFF_APP", os.path.join(ROOT, "bench", "node_server.js"))
HANDOFF_MODES = ("rein, bind hand-off", "rein, `listen` (fd 3)", "PM2, cluster mode")


def handoff_start(mode, port):
    """A fresh manager running HANDOFF_APP as "web", 2 instances on `port`, all online."""
    if mode.startswith("PM2"):
        t = Pm2()
        t.env["PORT"] = str(port)  # the app binds it; PM2's cluster primary shares it
        t.run("start", HANDOFF_APP, "--name", "web", "-i", "2")
    else:
        t = Rein()
        spec = {"name": "web", "script": HANDOFF_APP, "instances": 2, "exec_mode": "cluster"}
        if "listen" in mode:
            spec["listen"] = f"127.0.0.1:{port}"  # rein binds; the app takes fd 3
        else:
            spec["env"] = {"PORT": str(port)}  # the app binds; rein hands it the shared socket
        t.start_file([spec])
    wait_for(lambda: all_online(t, 2), 30, 0.05)
    # Serving, not only running: the app binds a moment after it starts.
    wait_for(lambda: subprocess.run(["curl", "-sf", "-o", "/dev/null", f"http://127.0.0.1:{port}/"],
                                    check=False).returncode == 0, 10, 0.05)
    return t


def handoff():
    if not shutil.which("wrk") or not shutil.which("node") or not HAVE_PM2:
        out("## Handoff: skipped (wrk, node or PM2 missing)")
        return
    out("## Handoff: an unmodified Node server binding its own port, 2 instances, wrk for 10 s")
    out()
    modes = HANDOFF_MODES if os.environ.get("HANDOFF_MODES") is None else \
        [m for m in HANDOFF_MODES if any(w in m for w in os.environ["HANDOFF_MODES"].split(","))]
    port = 18800
    res = {}
    for action in ("none", "reload", "restart"):
        # The managers take turns run by run, so a slow spell of the machine hits all alike.
        for _ in range(RUNS):
            for mode in modes:
                port += 1
                t = handoff_start(mode, port)

                def twice():
                    for _ in range(2):
                        time.sleep(3)
                        t.run(action, "web", check=False)
                rps, errors = wrk(port, 10, twice if action != "none" else None)
                t.stop()
                res.setdefault((mode, action), []).append((errors, rps))
    base = {a: median([r for _, r in res[(HANDOFF_MODES[1], a)]])
            for a in ("none", "reload", "restart") if (HANDOFF_MODES[1], a) in res}
    out(f"| manager | during the 10 s | failed requests, each of {RUNS} runs | requests/s, median "
        "(range) | vs rein `listen` |")
    out("|---|---|---|---|---|")
    for action in ("none", "reload", "restart"):
        for mode in modes:
            runs = res[(mode, action)]
            rates = [r for _, r in runs]
            rate = median(rates)
            vs = f"{100 * rate / base[action]:.1f}%" if action in base else "n/a"
            what = "nothing" if action == "none" else f"two {action}s"
            out(f"| {mode} | {what} | {', '.join(str(e) for e, _ in runs)} | {rate:,.0f} "
                f"({min(rates):,.0f}–{max(rates):,.0f}) | {vs} |")
    out()
    out("Targets for rein's hand-off: 0 failed requests in every run; requests/s within 3% of "
        "the same server given the socket through `listen`.")
    out()


# --- resources: the memory limit, and the daemon's own CPU -------------------------------

def resources():
    out("## Resources: reaction to max_memory_restart, and daemon CPU with idle instances")
    out()
    out("| measure | rein | PM2 | rein target |")
    out("|---|---|---|---|")
    react = {}
    for T in tools():
        times = []
        for _ in range(3):
            t = T()
            stamps = os.path.join(t.home, "stamps")
            spec = {"name": "hog", "script": FIXTURE,
                    "args": ["stamp", stamps, "grow", "100", stamps],
                    "max_memory_restart": "100M"}
            t.start_file([spec])

            def restarted():
                lines = read_lines(stamps)
                return sum(1 for l in lines if "crossed" not in l) >= 2
            wait_for(restarted, 90, 0.05)
            lines = read_lines(stamps)
            t.stop()
            cross = [int(l.split()[2]) for l in lines if "crossed" in l]
            starts = [int(l.split()[1]) for l in lines if "crossed" not in l]
            if cross and len(starts) >= 2:
                times.append((starts[1] - cross[0]) / 1e6)
        react[T.name] = median(times)
    out(f"| 20 MB/s past 100M: crossing to new instance running, median of 3 | "
        f"{react['rein']:.0f} ms | {react.get('PM2', float('nan')):.0f} ms | < 1000 ms |")
    hz = os.sysconf("SC_CLK_TCK")
    for n, kinds in ((200, tools()), (500, [Rein])):
        cpu = {}
        for T in kinds:
            t = T()
            t.run("ping")
            t.start_file([{"name": "idle", "script": FIXTURE, "instances": n, "exec_mode": "fork"}])
            wait_for(lambda: all_online(t, n), 120, 0.2)
            time.sleep(2)
            pid = t.daemon_pid()
            c0, w0 = cpu_ticks(pid), time.time()
            time.sleep(30)
            cpu[T.name] = 100 * (cpu_ticks(pid) - c0) / hz / (time.time() - w0)
            t.stop()
        target = "< 1%" if n == 200 else "< 2% (sampling every second)"
        pm2 = f"{cpu['PM2']:.2f}%" if "PM2" in cpu else ("n/a" if n == 200 else "not run")
        out(f"| daemon CPU with {n} idle instances, over 30 s | {cpu['rein']:.2f}% of a core | "
            f"{pm2} | {target} |")
    out()


# --- kill9: the daemon killed while apps print and serve (bench/kill9.py) -----------------

def kill9():
    import kill9 as scenario  # bench/ is on the path: this file's directory
    scenario.kill9(sys.modules[__name__])


# --- climit: rein against a minimal C supervisor and client (bench/climit.py) -------------

def climit():
    import climit as scenario  # bench/ is on the path: this file's directory
    scenario.climit(sys.modules[__name__])


# --- metrics: /metrics with 500 instances, scraped and not (bench/metrics.py) -------------

def metrics():
    import metrics as scenario  # bench/ is on the path: this file's directory
    scenario.metrics(sys.modules[__name__])


def pm2_version():
    # From its package.json: `pm2 --version` would start a daemon in ~/.pm2.
    try:
        with open(os.path.join(ROOT, "bench", ".cache", "pm2", "node_modules", "pm2",
                               "package.json")) as f:
            return json.load(f)["version"]
    except OSError:
        return "missing"


def main():
    scenarios = sys.argv[1:] or ["core", "logs", "cluster", "handoff", "resources", "kill9",
                                 "climit", "metrics"]
    os.makedirs(RESULTS, exist_ok=True)
    out(f"<!-- {time.strftime('%Y-%m-%d %H:%M')} on {os.uname().release}, {os.cpu_count()} cores;"
        f" rein: {subprocess.run([REIN, '--version'], capture_output=True, text=True).stdout.strip()};"
        f" PM2: {pm2_version()} -->")
    try:
        for s in scenarios:
            {"core": core, "logs": logs, "cluster": cluster, "handoff": handoff,
             "resources": resources, "kill9": kill9, "climit": climit,
             "metrics": metrics}[s]()
    finally:
        for c in reversed(cleanups):
            try:
                c()
            except Exception:
                pass
        with open(os.path.join(RESULTS, "latest.md"), "w") as f:
            f.write("\n".join(report) + "\n")


if __name__ == "__main__":
    main()
