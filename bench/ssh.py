#!/usr/bin/env python3
"""rein --host over ssh against plain ssh (issue 13): `bench/run.sh ssh`.

Starts Debian's sshd on 127.0.0.1 (a free port, generated keys, everything in a temporary
folder; needs root or a user sshd accepts), then times, median of RUNS (default 20) after one
warm-up each, the two commands taking turns:
  plain ssh:   ssh -F CFG -p PORT 127.0.0.1 true
  rein --host: REIN_SSH="ssh -F CFG" rein --host ssh://127.0.0.1:PORT ls
with a fresh connection each time, and again with ControlMaster (one master kept by
ControlPersist; every run reuses it). Prints a markdown table; exit 1 when sshd is missing.
"""
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD", os.path.join(ROOT, "build"))
REIN = os.path.join(BUILD, "rein")
RUNS = int(os.environ.get("RUNS", "20"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, deadline=10.0):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.02)
    return False


def medians_ms(commands, env):
    """Runs the commands in turn RUNS times (interleaved, so that a change in the machine's load
    weighs on each alike) after one warm-up each; the median of each, in ms."""
    for argv in commands:
        subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
    times = [[] for _ in commands]
    for _ in range(RUNS):
        for argv, t in zip(commands, times):
            t0 = time.perf_counter()
            subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL,
                           stdin=subprocess.DEVNULL)
            t.append((time.perf_counter() - t0) * 1000)
    return [statistics.median(t) for t in times]


def main():
    if not os.access("/usr/sbin/sshd", os.X_OK):
        print("bench ssh: /usr/sbin/sshd is missing (Debian: openssh-server)", file=sys.stderr)
        return 1
    d = tempfile.mkdtemp(prefix="rsb.", dir="/tmp")
    home = os.path.join(d, "home")
    os.mkdir(home)
    os.makedirs("/run/sshd", exist_ok=True)
    for key in ("host_key", "client_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", f"{d}/{key}"],
                       check=True)
    shutil.copy(f"{d}/client_key.pub", f"{d}/authorized_keys")
    port = free_port()
    with open(f"{d}/sshd_config", "w") as f:
        f.write(f"ListenAddress 127.0.0.1\nPort {port}\nHostKey {d}/host_key\n"
                f"AuthorizedKeysFile {d}/authorized_keys\nPidFile {d}/sshd.pid\n"
                "UsePAM no\nStrictModes no\nPermitRootLogin prohibit-password\n"
                f"SetEnv REIN_HOME={home} PATH={BUILD}:/usr/bin:/bin\n")
    base = (f"Host *\n  IdentityFile {d}/client_key\n  IdentitiesOnly yes\n"
            f"  StrictHostKeyChecking no\n  UserKnownHostsFile {d}/known_hosts\n"
            "  BatchMode yes\n  LogLevel ERROR\n")
    with open(f"{d}/plain", "w") as f:
        f.write(base)
    with open(f"{d}/master", "w") as f:
        f.write(base + f"  ControlMaster auto\n  ControlPersist 60\n  ControlPath {d}/cm-%C\n")
    sshd = subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", f"{d}/sshd_config"],
                            stderr=open(f"{d}/sshd.log", "w"))
    rows = []
    try:
        if not wait_port(port):
            print("bench ssh: sshd did not start: " + open(f"{d}/sshd.log").read(),
                  file=sys.stderr)
            return 1
        for name in ("plain", "master"):
            cfg = f"{d}/{name}"
            env = dict(os.environ, REIN_SSH=f"ssh -F {cfg}")
            env.pop("REIN_HOST", None)
            ssh, rein = medians_ms([["ssh", "-F", cfg, "-p", str(port), "127.0.0.1", "true"],
                                    [REIN, "--host", f"ssh://127.0.0.1:{port}", "ls"]], env)
            rows.append((name, ssh, rein))
            if name == "master":
                subprocess.run(["ssh", "-F", cfg, "-p", str(port), "-O", "exit", "127.0.0.1"],
                               stderr=subprocess.DEVNULL)
    finally:
        subprocess.run([REIN, "kill"], env=dict(os.environ, REIN_HOME=home),
                       stderr=subprocess.DEVNULL)
        sshd.send_signal(signal.SIGTERM)
        sshd.wait()
        shutil.rmtree(d, ignore_errors=True)
    print(f"rein --host over ssh (median of {RUNS}, ms)\n")
    print("| connection | ssh ... true | rein --host ssh://... ls | ratio |")
    print("|---|---|---|---|")
    for name, ssh, rein in rows:
        label = "new connection each time" if name == "plain" else "ControlMaster (reused)"
        print(f"| {label} | {ssh:.1f} | {rein:.1f} | {rein / ssh:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
