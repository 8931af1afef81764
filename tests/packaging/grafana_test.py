#!/usr/bin/env python3
"""Checks packaging/grafana/rein.json, the Grafana dashboard (Grafana itself is not in Debian 12).

  - It is dashboard JSON Grafana imports: a title and uid, schemaVersion, the DS_PROMETHEUS input
    the import asks for, the datasource/host/namespace/app variables, unique panel ids, panels
    inside the 24-column grid, every query panel with targets that each have a refId (unique in
    the panel), an expr and the ${datasource} data source.
  - It shows what issue 13 asks for (a metric for each of: instances by status, restarts, CPU,
    memory and its limit, log throughput and drops, reload durations, control requests, daemon
    memory and fds).
  - Every metric name its queries use is in a real `rein metrics` output: this build's daemon
    running an app with max_memory_restart, after one reload and one restart (so the histograms
    have series). A histogram is queried by its _bucket/_sum/_count samples, never by its bare
    family name.
  - Every query parses as PromQL (promtool check rules, with Grafana's variables filled in), when
    promtool is installed (packaging/deps.sh installs it).

Usage: grafana_test.py [DASHBOARD [EXPOSITION]]; BUILD names the build directory (default build).
Exit 0 when everything holds; 1 with one line per problem otherwise.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("BUILD", os.path.join(ROOT, "build"))
PROMTOOL = "/usr/bin/promtool"
# Metric names in PromQL text (no rein or process label, function or keyword starts like this).
METRIC = re.compile(r"\b((?:rein|process)_[a-z0-9_]+)\b")
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")
# One metric per thing the dashboard must show (issue 13, docs/fleet.md).
REQUIRED = ["rein_instance_status", "rein_instance_restarts_total",
            "rein_instance_cpu_seconds_total", "rein_instance_memory_bytes",
            "rein_instance_memory_limit_bytes",
            "rein_instance_log_lines_total", "rein_instance_log_dropped_lines_total",
            "rein_reload_duration_seconds_bucket", "rein_control_requests_total",
            "process_resident_memory_bytes", "process_open_fds"]
problems = []


def problem(text):
    problems.append(text)


def panels_of(dash):
    """Every panel, those inside collapsed rows included."""
    for p in dash.get("panels", []):
        yield p
        yield from p.get("panels", [])


def check_structure(dash):
    for key in ("title", "uid"):
        if not isinstance(dash.get(key), str) or not dash[key]:
            problem(f"dashboard has no {key}")
    if not isinstance(dash.get("schemaVersion"), int) or dash["schemaVersion"] < 36:
        problem("schemaVersion missing or older than 36 (Grafana 9)")
    inputs = {i.get("name"): i for i in dash.get("__inputs", [])}
    if inputs.get("DS_PROMETHEUS", {}).get("pluginId") != "prometheus":
        problem("no __inputs entry DS_PROMETHEUS of plugin prometheus")
    variables = dash.get("templating", {}).get("list", [])
    names = [v.get("name") for v in variables]
    if len(names) != len(set(names)):
        problem(f"template variables named twice: {names}")
    by_name = {v.get("name"): v for v in variables}
    ds = by_name.get("datasource", {})
    if ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        problem("no datasource variable of type prometheus")
    if "${DS_PROMETHEUS}" not in json.dumps(ds):
        problem("the datasource variable does not default to ${DS_PROMETHEUS}")
    for name in ("host", "namespace", "app"):
        if by_name.get(name, {}).get("type") != "query":
            problem(f"no query variable '{name}'")
    ids = []
    for p in panels_of(dash):
        title = p.get("title", "?")
        ids.append(p.get("id"))
        grid = p.get("gridPos", {})
        if not all(isinstance(grid.get(k), int) for k in "hwxy") or grid["x"] + grid["w"] > 24:
            problem(f"panel '{title}': gridPos {grid} is not inside the 24-column grid")
        if p.get("type") == "row":
            continue
        if p.get("type") not in ("stat", "timeseries", "table", "bargauge", "gauge", "text"):
            problem(f"panel '{title}': unexpected type {p.get('type')}")
        targets = p.get("targets", [])
        if not targets:
            problem(f"panel '{title}' has no targets")
        refs = [t.get("refId") for t in targets]
        if len(refs) != len(set(refs)) or not all(refs):
            problem(f"panel '{title}': refIds missing or repeated: {refs}")
        for t in targets:
            if not isinstance(t.get("expr"), str) or not t["expr"].strip():
                problem(f"panel '{title}' target {t.get('refId')}: no expr")
            if t.get("datasource", p.get("datasource", {})).get("uid") != "${datasource}":
                problem(f"panel '{title}' target {t.get('refId')}: "
                        "data source is not ${datasource}")
    if len(ids) != len(set(ids)) or not all(isinstance(i, int) for i in ids):
        problem(f"panel ids missing or repeated: {ids}")


def queries(dash):
    """(where, PromQL) of every panel target and every query variable."""
    out = []
    for p in panels_of(dash):
        for t in p.get("targets", []):
            if isinstance(t.get("expr"), str):
                out.append((f"panel '{p.get('title')}' {t.get('refId')}", t["expr"]))
    for v in dash.get("templating", {}).get("list", []):
        if v.get("type") == "query":
            q = v.get("query")
            q = q.get("query", "") if isinstance(q, dict) else q or ""
            # label_values(SELECTOR, label): the selector is PromQL; label_values(label) has none.
            m = re.fullmatch(r"\s*label_values\((.*),\s*\w+\s*\)\s*", q)
            out.append((f"variable '{v.get('name')}'", m.group(1) if m else q))
    return out


def exposition_from_daemon():
    """`rein metrics` of a daemon running an app with max_memory_restart, after a reload and a
    restart. The daemon and its app are killed at the end, whatever happened."""
    rein, fixture = os.path.join(BUILD, "rein"), os.path.join(BUILD, "tests", "rein-fixture")
    home = tempfile.mkdtemp(prefix="rg.", dir="/tmp")
    env = dict(os.environ, REIN_HOME=home)
    env.pop("REIN_METRICS", None)  # `rein metrics` answers over the control socket either way

    def rein_run(*args):
        return subprocess.run([rein, *args], env=env, capture_output=True, text=True, timeout=60)

    def online():
        rows = json.loads(rein_run("jlist").stdout or "[]")
        return len(rows) == 2 and all(r["status"] == "online" for r in rows)

    def wait(pred, what):
        deadline = time.monotonic() + 20
        while not pred():
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out waiting for {what}")
            time.sleep(0.05)

    try:
        eco = os.path.join(home, "eco.yaml")
        with open(eco, "w") as f:
            f.write(f"apps:\n  - name: web\n    script: {fixture}\n    instances: 2\n"
                    "    max_memory_restart: 200M\n")
        for step in (("start", eco), ("reload", "web"), ("restart", "web")):
            r = rein_run(*step)
            if r.returncode != 0:
                raise RuntimeError(f"rein {' '.join(step)} failed: {r.stderr.strip()}")
            wait(online, f"web online after rein {step[0]}")
        r = rein_run("metrics")
        if r.returncode != 0:
            raise RuntimeError(f"rein metrics failed: {r.stderr.strip()}")
        return r.stdout
    finally:
        subprocess.run([rein, "kill"], env=env, capture_output=True, check=False, timeout=60)
        shutil.rmtree(home, ignore_errors=True)


def check_names(dash, text):
    samples, types = set(), {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            parts = line.split()
            if len(parts) >= 4:
                types[parts[2]] = parts[3]
        elif line and not line.startswith("#"):
            samples.add(re.split(r"[{\s]", line, maxsplit=1)[0])
    if not samples:
        problem("the exposition has no samples")
        return
    used = set()
    for where, expr in queries(dash):
        for name in METRIC.findall(expr):
            used.add(name)
            if types.get(name) in ("histogram", "summary"):
                problem(f"{where}: {name} is a {types[name]}: query its _bucket, _sum or _count")
            elif name not in samples:
                base = next((name[: -len(s)] for s in HISTOGRAM_SUFFIXES if name.endswith(s)), None)
                if base and types.get(base) not in ("histogram", "summary"):
                    problem(f"{where}: {name}: {base} is not a histogram in rein metrics")
                else:
                    problem(f"{where}: {name} is not in rein metrics' output")
    for name in REQUIRED:
        if name not in used:
            problem(f"no panel queries {name}")


def check_promql(dash):
    if not os.access(PROMTOOL, os.X_OK):
        print(f"grafana_test: {PROMTOOL} not installed: PromQL syntax not checked")
        return
    fill = {"$__rate_interval": "1m", "$__interval": "1m", "$__range": "1h"}
    rules = ["groups:", "  - name: dashboard", "    rules:"]
    for i, (where, expr) in enumerate(queries(dash)):
        for var, value in fill.items():
            expr = expr.replace(var, value)
        expr = re.sub(r"\$\w+", ".*", expr)  # $host, $app, ...: every value
        rules.append(f"      - record: dashboard:query_{i}")
        rules.append(f"        expr: {json.dumps(expr)}")  # a JSON string is a YAML string
    with tempfile.NamedTemporaryFile("w", suffix=".yml") as f:
        f.write("\n".join(rules) + "\n")
        f.flush()
        r = subprocess.run([PROMTOOL, "check", "rules", f.name], capture_output=True, text=True)
    if r.returncode != 0:
        problem(f"promtool check rules: {(r.stdout + r.stderr).strip()}")


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "packaging", "grafana",
                                                              "rein.json")
    try:
        with open(path) as f:
            dash = json.load(f)
    except (OSError, ValueError) as e:
        print(f"grafana_test: {path}: {e}")
        return 1
    if not isinstance(dash, dict):
        print(f"grafana_test: {path}: not a JSON object")
        return 1
    check_structure(dash)
    check_promql(dash)
    if len(sys.argv) > 2:
        with open(sys.argv[2]) as f:
            text = f.read()
    else:
        try:
            text = exposition_from_daemon()
        except (RuntimeError, OSError, subprocess.SubprocessError) as e:
            problem(f"no exposition: {e}")
            text = None
    if text is not None:
        check_names(dash, text)
    for p in problems:
        print(f"grafana_test: {p}")
    print(f"grafana_test: {len(queries(dash))} queries, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
