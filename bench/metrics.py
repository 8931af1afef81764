"""The metrics scenario of bench.py: reind's /metrics with 500 instances (issue 13).

One app of 500 instances of the sleeping fixture, reind started with REIN_METRICS=127.0.0.1:0
(the port read from `rein ping`). Measured:
  - the time to answer GET /metrics, from connect to the last byte of the body (a new connection
    each time, as Prometheus' scrapes with Connection: close), 100 scrapes 50 ms apart: median
    and p99; the body's size and series, and the build time reind reports
    (rein_metrics_scrape_duration_seconds);
  - the daemon's CPU (utime+stime of /proc/PID/stat) over METRICS_SECONDS (default 60) not
    scraped, then over as long scraped once a second (on a fixed schedule, as Prometheus does).
Targets: under 10 ms to answer, under 1% of a core while scraped.

PM2 has no Prometheus endpoint of its own: third-party exporters (pm2-prometheus-exporter and
others) ask PM2's daemon for its process list (what `pm2 jlist` prints) on each scrape. Where
PM2 is installed the same 500 instances run under it and `pm2 jlist` is timed (median of 10) and
PM2's daemon CPU measured while asked once a second, beside `rein jlist` and the scrape.
"""
import os
import re
import socket
import time

SECONDS = int(os.environ.get("METRICS_SECONDS", "60"))
INSTANCES = 500
SCRAPES = 100


def scrape(port):
    """GET /metrics on a new connection; (milliseconds, body)."""
    t = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
        chunks = []
        while True:
            b = s.recv(65536)
            if not b:
                break
            chunks.append(b)
    ms = (time.perf_counter() - t) * 1000
    raw = b"".join(chunks)
    if not raw.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"/metrics answered {raw[:40]!r}")
    return ms, raw.split(b"\r\n\r\n", 1)[1].decode()


def cpu_share(bench, pid, seconds, each_second=None):
    """The share of one core the process used over `seconds`, calling `each_second` (if given)
    once a second on a fixed schedule meanwhile."""
    hz = os.sysconf("SC_CLK_TCK")
    start, t0 = bench.cpu_ticks(pid), time.monotonic()
    for i in range(seconds):
        if each_second:
            each_second()
        time.sleep(max(0.0, t0 + i + 1 - time.monotonic()))
    return (bench.cpu_ticks(pid) - start) / hz / (time.monotonic() - t0)


def p99(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * 0.99))]


def start_many(bench, t):
    t.start_file([{"name": "sleeper", "script": bench.FIXTURE, "instances": INSTANCES,
                   "exec_mode": "fork"}])
    if not bench.wait_for(lambda: bench.all_online(t, INSTANCES), 300, interval=0.5):
        raise RuntimeError(f"{t.name}: {INSTANCES} instances not online in 300 s")
    time.sleep(5)  # settle: the start's work done, a few resource samples taken


def rein_side(bench):
    t = bench.Rein()
    t.env["REIN_METRICS"] = "127.0.0.1:0"
    start_many(bench, t)
    m = re.search(r"metrics: http://127\.0\.0\.1:(\d+)/metrics", t.run("ping").stdout)
    if not m:
        raise RuntimeError("rein ping shows no metrics address")
    port = int(m.group(1))
    times, body = [], ""
    for _ in range(SCRAPES):
        ms, body = scrape(port)
        times.append(ms)
        time.sleep(0.05)
    series = sum(1 for line in body.splitlines() if line and not line.startswith("#"))
    built = re.search(r"^rein_metrics_scrape_duration_seconds (\S+)$", body, re.M)
    jl = [bench.timed([bench.REIN, "jlist"], t.env) for _ in range(10)]
    pid = t.daemon_pid()
    idle = cpu_share(bench, pid, SECONDS)
    scraped = cpu_share(bench, pid, SECONDS, lambda: scrape(port))
    t.stop()
    return dict(median=bench.median(times), p99=p99(times), bytes=len(body), series=series,
                built=float(built.group(1)) * 1000 if built else float("nan"),
                jlist=bench.median(jl), idle=idle, scraped=scraped)


def pm2_side(bench):
    t = bench.Pm2()
    start_many(bench, t)
    jl = [bench.timed([bench.PM2, "jlist"], t.env) for _ in range(10)]
    pid = t.daemon_pid()
    idle = cpu_share(bench, pid, SECONDS)
    polled = cpu_share(bench, pid, SECONDS, lambda: t.run("jlist", check=False))
    t.stop()
    return dict(jlist=bench.median(jl), idle=idle, polled=polled)


def metrics(bench):
    bench.out(f"## Metrics: /metrics with {INSTANCES} instances (issue 13)")
    bench.out()
    r = rein_side(bench)
    p = pm2_side(bench) if bench.HAVE_PM2 and os.environ.get("METRICS_PM2", "1") != "0" else {}
    na = "n/a"
    bench.out("| measure | rein | PM2 | rein target |")
    bench.out("|---|---|---|---|")
    bench.out(f"| GET /metrics, connect to last byte, median of {SCRAPES} (p99) | "
              f"{r['median']:.2f} ms ({r['p99']:.2f}) | no endpoint | < 10 ms |")
    bench.out(f"| body: bytes, series; reind's own build time | {r['bytes']} B, {r['series']} "
              f"series; {r['built']:.2f} ms | | |")
    bench.out(f"| `jlist` (what a PM2 exporter asks for), median of 10 | {r['jlist']:.1f} ms | "
              + (f"{p['jlist']:.0f} ms" if p else na) + " | |")
    bench.out(f"| daemon CPU, {SECONDS} s idle | {r['idle'] * 100:.3f} % of a core | "
              + (f"{p['idle'] * 100:.2f} %" if p else na) + " | |")
    bench.out(f"| daemon CPU, {SECONDS} s scraped (PM2: jlist) once a second | "
              f"{r['scraped'] * 100:.3f} % of a core | "
              + (f"{p['polled'] * 100:.2f} %" if p else na) + " | |")
    bench.out(f"| what the scrapes added (scraped - idle) | {(r['scraped'] - r['idle']) * 100:.3f} "
              "% of a core | " + (f"{(p['polled'] - p['idle']) * 100:.2f} %" if p else na)
              + " | < 1 % |")
    bench.out()
