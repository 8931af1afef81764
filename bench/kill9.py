"""The kill9 scenario of bench.py: the daemon dies by SIGKILL while apps print and serve.

For rein and for PM2, RUNS times each: three apps printing numbered lines every 5 ms
(bench/printer.py) and a Node HTTP server with 2 instances (rein: the `listen` key; PM2: its
cluster mode), a client loop sending requests all along. Then `kill -9` of the daemon (reind;
PM2's God daemon), a second with no daemon, and the next `ls` (which starts a new daemon).
Measured: app processes alive at the end of that second; the apps the `ls` lists; lines lost and
doubled (each printer records the last line the kernel took, compared with the log file once it
has drained); processes running each app after the `ls`, beyond the count wanted (found by an
environment variable only this run's apps carry), and again after `start` of the same apps
when the `ls` lost some (what a user would do); failed requests from the kill until a second
after the `ls`. Every process is stopped at the end: the manager's, then any orphan, by pid.
"""
import collections
import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

PRINTER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "printer.py")
PRINTERS = ("p0", "p1", "p2")
WANTED = {"p0": 1, "p1": 1, "p2": 1, "web": 2}
LINE = re.compile(r"line (\d+) pid (\d+)$")


def state(pid):
    """The state letter of /proc/PID/stat, or None when the process is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def living(pid):
    return state(pid) not in (None, "Z")  # a zombie is dead (this PID 1 may never reap it)


def processes(tag):
    """app name -> pids of the living processes whose environment carries this run's tag."""
    found = collections.defaultdict(list)
    mine = os.getuid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.stat(f"/proc/{entry}").st_uid != mine:
                continue
            with open(f"/proc/{entry}/environ", "rb") as f:
                env = f.read().split(b"\0")
        except OSError:
            continue
        app = None
        if f"KILL9_TAG={tag}".encode() in env:
            app = next((kv[10:] for kv in env if kv.startswith(b"KILL9_APP=")), None)
        else:
            # PM2's cluster workers start with their environment as the JSON of pm2_env.
            blob = next((kv for kv in env if kv.startswith(b"pm2_env=")), b"")
            if f'"KILL9_TAG":"{tag}"'.encode() in blob:
                m = re.search(rb'"KILL9_APP":"([^"]+)"', blob)
                app = m.group(1) if m else None
        if app and living(int(entry)):
            found[app.decode()].append(int(entry))
    return found


class Load:
    """A client loop: one GET per new connection, back to back, each outcome time-stamped."""

    def __init__(self, port):
        self.port = port
        self.results = []  # (monotonic time, ok)
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while not self.done.is_set():
            ok = False
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
                c.request("GET", "/")
                ok = c.getresponse().status == 200
                c.close()
            except (OSError, http.client.HTTPException):
                pass
            self.results.append((time.monotonic(), ok))
            if not ok:
                time.sleep(0.01)  # a refused port answers at once: do not spin on it

    def stop(self):
        self.done.set()
        self.thread.join(timeout=5)

    def between(self, t0, t1):
        outcomes = [ok for t, ok in self.results if t0 <= t <= t1]
        return outcomes.count(False), len(outcomes)


def line_counts(path):
    """pid -> Counter of line numbers, from a log file's whole lines."""
    per = collections.defaultdict(collections.Counter)
    try:
        with open(path, errors="replace") as f:
            for line in f:
                m = LINE.search(line.rstrip("\n"))
                if m and line.endswith("\n"):
                    per[int(m.group(2))][int(m.group(1))] += 1
    except OSError:
        pass
    return per


def printed(home, app):
    """pid -> the last line number the kernel took from that printer process."""
    out = {}
    for name in os.listdir(home):
        if name.startswith(f"{app}.side."):
            try:
                with open(os.path.join(home, name)) as f:
                    out[int(name.rsplit(".", 1)[1])] = int(f.read().strip() or 0)
            except (OSError, ValueError):
                pass
    return out


def lines_lost_doubled(b, t):
    """Lines lost and doubled over the printers, once their logs have caught up (at most 10 s)."""
    def counts():
        return {app: (printed(t.home, app), line_counts(t.log(app))) for app in PRINTERS}

    def caught_up():
        return all(all(n in seen.get(pid, {}) for pid, n in wrote.items())
                   for wrote, seen in counts().values())
    b.wait_for(caught_up, 10, 0.05)
    lost = doubled = 0
    for wrote, seen in counts().values():
        for pid, n in wrote.items():
            got = seen.get(pid, collections.Counter())
            lost += sum(1 for i in range(1, n + 1) if got[i] == 0)
            doubled += sum(c - 1 for c in got.values() if c > 1)
    return lost, doubled


def start_apps(b, T, t, port, tag):
    python = shutil.which("python3") or sys.executable
    apps = []
    for name in PRINTERS:
        apps.append({"name": name, "script": python,
                     "args": [PRINTER, os.path.join(t.home, f"{name}.side"), "5"],
                     "env": {"KILL9_TAG": tag, "KILL9_APP": name}})
    web = {"name": "web", "script": b.HANDOFF_APP, "instances": 2, "exec_mode": "cluster",
           "env": {"KILL9_TAG": tag, "KILL9_APP": "web"}}
    if T is b.Rein:
        web["listen"] = f"127.0.0.1:{port}"  # rein binds; the instances serve on fd 3
    else:
        web["env"]["PORT"] = str(port)  # the app binds; PM2's cluster primary shares it
        web["interpreter"] = "node"
    apps.append(web)
    t.start_file(apps)
    return apps


def serving(port):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        c.request("GET", "/")
        return c.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False


def one_run(b, T, port, serial):
    tag = f"{os.getpid()}-{serial}"
    t = T()
    load = None
    try:
        apps = start_apps(b, T, t, port, tag)
        b.wait_for(lambda: b.all_online(t, 5), 30, 0.05)
        b.wait_for(lambda: serving(port), 10, 0.05)
        load = Load(port)
        time.sleep(1)  # lines and requests flowing before the kill
        before = processes(tag)
        pids = [p for ps in before.values() for p in ps]
        os.kill(t.daemon_pid(), signal.SIGKILL)
        killed = time.monotonic()
        time.sleep(1)  # the outage: nothing supervises the apps
        alive = sum(1 for p in pids if living(p))
        t.run("ls", check=False)
        listed_at = time.monotonic()
        time.sleep(1)  # what the new daemon starts, it starts now
        failed, sent = load.between(killed, listed_at + 1)
        load.stop()
        listed = {r["name"] for r in t.rows()} & set(WANTED)
        after = processes(tag)
        duplicates = surplus(after)
        lost, doubled = lines_lost_doubled(b, t)
        # What a user does who sees apps missing from the list: start them again.
        again = duplicates
        if len(listed) < len(WANTED):
            try:
                t.start_file(apps)
            except subprocess.CalledProcessError as e:
                why = (e.stderr or "").strip().replace("|", "/")
                again = f"start failed: {why[:100]}"
            else:
                b.wait_for(lambda: b.all_online(t, 5), 20, 0.05)
                time.sleep(1)
                again = surplus(processes(tag))
        return dict(alive=f"{alive}/{len(pids)}", listed=f"{len(listed)}/{len(WANTED)}",
                    lost=lost, doubled=doubled, duplicates=duplicates, again=again,
                    failed=f"{failed}/{sent}")
    finally:
        if load:
            load.stop()
        t.stop()
        reap_orphans(b, tag)


def surplus(found):
    """Processes running an app beyond the count it should have."""
    return sum(max(0, len(found.get(a, [])) - n) for a, n in WANTED.items())


def reap_orphans(b, tag):
    """SIGKILL, by pid, whatever of this run outlived its manager (orphans of a dead daemon)."""
    for _ in range(50):
        left = [p for ps in processes(tag).values() for p in ps]
        if not left:
            return
        for p in left:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        b.wait_for(lambda: not any(living(p) for p in left), 2, 0.02)


def kill9(b):
    if not shutil.which("node"):
        b.out("## kill -9 of the daemon: skipped (node missing)")
        return
    b.out("## kill -9 of the daemon: 3 apps printing every 5 ms and a 2-instance HTTP app")
    b.out()
    b.out("| manager | run | app processes alive 1 s after the kill | apps listed by the next "
          "`ls` | lines lost | lines doubled | duplicate processes after the `ls` "
          "| duplicates after `start` again (when the `ls` lost apps) "
          "| failed requests, kill to `ls` + 1 s |")
    b.out("|---|---|---|---|---|---|---|---|---|")
    port = 18900
    for i in range(b.RUNS):
        for T in b.tools():  # the managers take turns run by run
            port += 1
            r = one_run(b, T, port, f"{T.name}{i}")
            b.out(f"| {T.name} | {i + 1} | {r['alive']} | {r['listed']} | {r['lost']} | "
                  f"{r['doubled']} | {r['duplicates']} | {r['again']} | {r['failed']} |")
    b.out()
    b.out("Target for rein: every process alive, every app listed, 0 lines lost or doubled, "
          "0 duplicates, 0 failed requests.")
    b.out()
