#!/usr/bin/env python3
"""rein and PM2 side by side: what a daemon upgrade in place does to the running apps. Run
through `bench/run.sh update`; uses the helpers of bench.py and writes bench/results/latest.md.

Per run, in a fresh home: "web" (the draining Node server, 2 instances in cluster mode) and
"ticker" (a fork-mode app printing "tick N" every millisecond). wrk runs for 10 s against web;
3 s in, `rein update` (or `pm2 update`) is run and timed. Afterwards: instances whose pid
changed, wrk's failed requests, whether the daemon kept its pid, and numbers missing from the
ticker's log (a restarted ticker counts from 1 again: gaps are counted within each run of N).
"""
import os
import re
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no bench/__pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

# Prints "tick N" every millisecond, unbuffered, forever.
TICKER = ["-u", "-c", "import time\nn = 0\nwhile True:\n    n += 1\n    print('tick', n)\n"
          "    time.sleep(0.001)"]
TICK = re.compile(r"tick (\d+)")


def ticker_gaps(path):
    """(numbers missing within each run of N, runs of N, lines that are not "tick N")."""
    missing, runs, other, last = 0, 0, 0, None
    for line in bench.read_lines(path):
        m = TICK.fullmatch(line)
        if not m:
            other += 1
            continue
        n = int(m.group(1))
        if last is None or n <= last:  # the first line, or the app started again
            runs += 1
            missing += n - 1
        else:
            missing += n - last - 1
        last = n
    return missing, runs, other


def start_apps(t, port):
    ticker = {"name": "ticker", "script": sys.executable, "args": TICKER}
    if isinstance(t, bench.Rein):
        t.start_file([{"name": "web", "script": bench.NODE_APP, "instances": 2,
                       "listen": f"127.0.0.1:{port}", "wait_ready": True}, ticker])
    else:
        t.env["PORT"] = str(port)  # PM2's cluster module shares the port
        t.run("start", bench.NODE_APP, "--name", "web", "-i", "2", "--wait-ready",
              "--listen-timeout", "3000")
        t.start_file([ticker])


def pids(t):
    return {(r["name"], r["id"]): r["pid"] for r in t.rows()}


def one_run(T, port):
    t = T()
    start_apps(t, port)
    bench.wait_for(lambda: bench.all_online(t, 3), 30, 0.05)
    time.sleep(0.5)
    before, daemon_before = pids(t), t.daemon_pid()
    done = {}

    def update():
        time.sleep(3)
        t0 = time.perf_counter()
        r = t.run("update", check=False)
        done["ms"] = (time.perf_counter() - t0) * 1000
        said = re.sub(r"\x1b\[[0-9;]*m", "", r.stdout + r.stderr).strip().splitlines()
        done["rc"] = r.returncode
        done["said"] = [l for l in said if "updated" in l.lower()] or said[-1:] or ["-"]
    _, errors = bench.wrk(port, 10, update)
    bench.wait_for(lambda: bench.all_online(t, 3), 30, 0.05)
    after = pids(t)
    daemon_after = t.daemon_pid()
    new = sum(1 for p in after.values() if p not in before.values())
    missing, runs, other = ticker_gaps(t.log("ticker"))
    lines = len(bench.read_lines(t.log("ticker")))
    res = dict(ms=done.get("ms", float("nan")), new=new, total=len(after), errors=errors,
               missing=missing, restarted=runs > 1, other=other,
               kept=daemon_after == daemon_before, ok=done.get("rc") == 0)
    print(f"  {T.name} port {port}: update exit {done.get('rc')} in {res['ms']:.0f} ms "
          f"({done.get('said', ['-'])[-1].strip()}); pids {sorted(before.values())} -> "
          f"{sorted(after.values())}; daemon {daemon_before} -> {daemon_after}; "
          f"wrk errors {errors}; ticker: {lines} lines, {missing} missing, {runs} run(s) of N, "
          f"{other} other line(s)", flush=True)
    t.stop()
    return res


def update():
    if not shutil.which("wrk") or not shutil.which("node"):
        bench.out("## Update: skipped (wrk or node missing)")
        return
    bench.out("## Update: the daemon upgraded in place under load (2 web instances, wrk for 10 s,"
              " update at 3 s; a ticker app logging every ms)")
    bench.out()
    bench.out("| manager | update command time, median (range) | instances with a new pid | "
              "failed requests per run | ticker lines lost | daemon pid kept |")
    bench.out("|---|---|---|---|---|---|")
    port = 18800
    for T in bench.tools():
        runs = []
        for _ in range(bench.RUNS):
            port += 1
            runs.append(one_run(T, port))
        failed = [r for r in runs if not r["ok"]]
        lost = ", ".join(str(r["missing"]) for r in runs)
        if any(r["restarted"] for r in runs):
            n = sum(r["restarted"] for r in runs)
            lost = f"restarted in {n} of {len(runs)}; gaps within a run: {lost}"
        if any(r["other"] for r in runs):
            lost += f" (lines not \"tick N\": {', '.join(str(r['other']) for r in runs)})"
        kept = sum(r["kept"] for r in runs)
        kept = "yes" if kept == len(runs) else "no" if not kept else f"{kept} of {len(runs)}"
        ms = [r["ms"] for r in runs]
        bench.out(f"| {T.name} | {bench.median(ms):,.0f} ms ({min(ms):,.0f}–{max(ms):,.0f})"
                  f"{f', {len(failed)} failed' if failed else ''} | "
                  f"{', '.join(str(r['new']) for r in runs)} (of {runs[0]['total']}) | "
                  f"{', '.join(str(r['errors']) for r in runs)} | {lost} | "
                  f"{kept} |")
    bench.out()


def main():
    os.makedirs(bench.RESULTS, exist_ok=True)
    version = subprocess.run([bench.REIN, "--version"], capture_output=True, text=True)
    bench.out(f"<!-- {time.strftime('%Y-%m-%d %H:%M')} on {os.uname().release}, "
              f"{os.cpu_count()} cores; rein: {version.stdout.strip()}; "
              f"PM2: {bench.pm2_version()} -->")
    try:
        update()
    finally:
        for c in reversed(bench.cleanups):
            try:
                c()
            except Exception:
                pass
        with open(os.path.join(bench.RESULTS, "latest.md"), "w") as f:
            f.write("\n".join(bench.report) + "\n")


if __name__ == "__main__":
    main()
