"""The climit scenario of bench.py: rein against a minimal C supervisor and client, in one run.

bench/c/mini_supervisor.c and bench/c/mini_client.c (built here with cc -O2 into bench/.cache/c;
not part of rein) are the floor a supervisor written for speed in plain C reaches: a Unix socket,
one request per connection, apps' output copied through pipes into log files, restart on exit.
Measured for both, the two taking turns so a slow spell of the machine hits both alike:
`jlist` and `ls` with 10 apps (median of 30, p90), the first command on a fresh home (starting the
daemon and getting its answer; 10 homes each), the daemon's RSS growth per app (100 apps of one
instance from one file, RSS after a settle minus the idle RSS, / 100) and those 100 apps from the
start command to all running (the apps' own start stamps; median of 3). The ratios rein/C are
printed next to the targets of issue 12.
"""
import json
import os
import shutil
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
C_SRC = os.path.join(HERE, "c")
C_BIN = os.path.join(HERE, ".cache", "c")
CLIENT = os.path.join(C_BIN, "mini_client")
# (measure, target ratio rein/C); None: shown for information.
TARGETS = {"jlist": 1.3, "ls": 1.3, "cold": 1.5, "per_app": 4, "online": 1.2}
ROUNDS = int(os.environ.get("CLIMIT_ROUNDS", "30"))


def build_c():
    os.makedirs(C_BIN, exist_ok=True)
    for name in ("mini_supervisor", "mini_client"):
        src, exe = os.path.join(C_SRC, name + ".c"), os.path.join(C_BIN, name)
        if not os.path.exists(exe) or os.path.getmtime(exe) < os.path.getmtime(src):
            subprocess.run([os.environ.get("CC", "cc"), "-O2", "-o", exe, src], check=True)


def make_mini(bench):
    class Mini:
        """The C pair behind the interface of bench.Rein (run, start_file, rows, ...)."""
        name = "C"
        exe = CLIENT

        def __init__(self):
            self.home = tempfile.mkdtemp(prefix="mb.", dir="/tmp")
            self.env = dict(os.environ, MINI_HOME=self.home)
            bench.cleanups.append(self.stop)

        def run(self, *args, check=True):
            return subprocess.run([CLIENT, *args], env=self.env, capture_output=True, text=True,
                                  check=check)

        def start_file(self, apps, name="apps.tsv"):
            path = os.path.join(self.home, name)
            with open(path, "w") as f:
                for a in apps:
                    f.write("\t".join([a["name"], a["script"], *a.get("args", [])]) + "\n")
            return self.run("start", path)

        def rows(self):
            return json.loads(self.run("jlist").stdout)

        def daemon_pid(self):
            with open(os.path.join(self.home, "pid")) as f:
                return int(f.read())

        def stop(self):
            subprocess.run([CLIENT, "kill"], env=self.env, capture_output=True, check=False)
            shutil.rmtree(self.home, ignore_errors=True)
    return Mini


def climit(bench):
    build_c()
    Rein, Mini = bench.Rein, make_mini(bench)
    Rein.exe = bench.REIN
    kinds = (Rein, Mini)
    bench.out("## At the C limit: rein against a minimal C supervisor and client (issue 12)")
    floor = bench.median([bench.timed(["/bin/true"], os.environ) for _ in range(ROUNDS)])
    bench.out(f"(process start floor: `/bin/true` takes {floor:.2f} ms here)")
    bench.out()
    res = {T: {} for T in kinds}

    # jlist and ls with 10 apps; the two take turns call by call.
    tools = {T: T() for T in kinds}
    for t in tools.values():
        t.start_file([{"name": f"app{i}", "script": bench.FIXTURE} for i in range(10)])
    for t in tools.values():
        bench.wait_for(lambda: bench.all_online(t, 10), 30)
    for cmd in ("jlist", "ls", "--version"):
        times = {T: [] for T in kinds}
        for i in range(ROUNDS + 3):
            for T, t in tools.items():
                # The C client has no --version: its usage message is the same "do nothing".
                args = [] if (T is Mini and cmd == "--version") else [cmd]
                ms = bench.timed([T.exe, *args], t.env)
                if i >= 3:  # the first calls warm the page cache
                    times[T].append(ms)
        for T in kinds:
            res[T][cmd] = bench.median(times[T])
            res[T][cmd + "90"] = bench.p90(times[T])
    for t in tools.values():
        t.stop()

    # The first command on a fresh home starts the daemon and gets its answer.
    cold = {T: [] for T in kinds}
    for _ in range(10):
        for T in kinds:
            t = T()
            cold[T].append(bench.timed([T.exe, "ping"], t.env))
            t.stop()
    for T in kinds:
        res[T]["cold"] = bench.median(cold[T])

    # 100 apps of one instance from one file: start to every app's own start stamp, and the
    # daemon's RSS growth.
    online, per = {T: [] for T in kinds}, {T: [] for T in kinds}
    for _ in range(3):
        for T in kinds:
            t = T()
            t.run("ping")
            time.sleep(0.5)  # settle: idle means idle
            idle = bench.proc_status(t.daemon_pid(), "VmRSS")
            stamps = os.path.join(t.home, "stamps")
            apps = [{"name": f"app{i}", "script": bench.FIXTURE, "args": ["stamp", stamps]}
                    for i in range(100)]
            t0 = time.time_ns()
            t.start_file(apps)
            bench.wait_for(lambda: len(bench.read_lines(stamps)) >= 100, 60)
            lines = bench.read_lines(stamps)
            if len(lines) >= 100:
                online[T].append((max(int(l.split()[1]) for l in lines) - t0) / 1e6)
            bench.wait_for(lambda: bench.all_online(t, 100), 60)
            time.sleep(1.5)
            per[T].append((bench.proc_status(t.daemon_pid(), "VmRSS") - idle) / 100)
            res[T].setdefault("idle", []).append(idle)
            t.stop()
    for T in kinds:
        res[T]["online"] = bench.median(online[T])
        res[T]["per_app"] = bench.median(per[T]) / 1024
        res[T]["idle"] = bench.median(res[T]["idle"]) / 1048576

    r, c = res[Rein], res[Mini]
    rows = [("`jlist` with 10 apps, median of 30 (p90)", "jlist", "{:.2f} ms", "jlist90"),
            ("`ls` with 10 apps, median of 30 (p90)", "ls", "{:.2f} ms", "ls90"),
            ("first command on a fresh home (starts the daemon), median of 10", "cold",
             "{:.2f} ms", None),
            ("daemon RSS growth per app (100 apps), median of 3", "per_app", "{:.1f} KiB", None),
            ("100 apps: start to all running, median of 3", "online", "{:.1f} ms", None),
            ("`rein --version` (C: the client's usage message), median of 30", "--version",
             "{:.2f} ms", "--version90"),
            ("daemon RSS, idle", "idle", "{:.2f} MiB", None)]
    bench.out("| measure | rein | C | ratio rein/C | target | met |")
    bench.out("|---|---|---|---|---|---|")
    for label, key, fmt, p in rows:
        cells = [fmt.format(d[key]) + (f" ({d[p]:.2f})" if p else "") for d in (r, c)]
        ratio = r[key] / c[key] if c[key] else float("nan")
        target = TARGETS.get(key)
        met = "-" if target is None else ("yes" if ratio <= target else "no")
        bench.out(f"| {label} | {cells[0]} | {cells[1]} | {ratio:.2f} | "
                  f"{'-' if target is None else f'{target}x'} | {met} |")
    bench.out()
