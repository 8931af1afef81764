#!/usr/bin/env bash
# The container image (packaging/Dockerfile, docs/docker.md).
# Part 1, on any machine: the image's HEALTHCHECK command, read out of the Dockerfile, run with this
# build's rein against `rein run` of the image's ecosystem file (the Node example): it fails
# before, succeeds while rein run serves, fails again once rein run has ended, and never starts a
# daemon of its own.
# Part 2, where a docker engine answers: builds the image, runs it, waits until docker reports it
# healthy, asks the app over HTTP, stops it (exit status 0). Without an engine part 2 says why and
# the script exits 77 (skipped).
# Usage: tests/packaging/docker_test.sh [--healthcheck-only] [BUILD_DIR]
# (BUILD_DIR: $BUILD, else build/ of the source tree; tests/packaging/run.sh passes it.)
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-build}
only_healthcheck=
for arg in "$@"; do
  case $arg in
  --healthcheck-only) only_healthcheck=1 ;;
  *) build=$arg ;;
  esac
done
case $build in /*) ;; *) build=$root/$build ;; esac
dockerfile=$root/packaging/Dockerfile
say() { echo "docker_test: $*"; }
fail() {
  echo "docker_test: FAIL: $*" >&2
  exit 1
}
skip() {
  echo "$*"
  exit 77
}

[ -x "$build/rein" ] || fail "no $build/rein: build first (make build)"
command -v python3 >/dev/null || skip "docker_test: python3 is missing: skipped"
command -v node >/dev/null || skip "docker_test: node is missing (the example app): skipped"

# The HEALTHCHECK's command, one word per line: the JSON array after CMD (continued lines joined).
mapfile -t check < <(python3 - "$dockerfile" <<'PY'
import json, re, sys
text = re.sub(r"\\\n", " ", open(sys.argv[1]).read())
lines = [l for l in text.splitlines() if l.strip().startswith("HEALTHCHECK")]
if len(lines) != 1:
    sys.exit("expected one HEALTHCHECK line, found %d" % len(lines))
cmd = lines[0].split(" CMD ", 1)[1].strip()
print("\n".join(json.loads(cmd)))
PY
)
[ ${#check[@]} -gt 0 ] || fail "no HEALTHCHECK CMD [...] in $dockerfile"
say "health check: ${check[*]}"

tmp=$(mktemp -d /tmp/rdk.XXXXXX)
run_pid=
cleanup() {
  [ -n "$run_pid" ] && kill -KILL "$run_pid" 2>/dev/null
  local f pid
  for f in reind.pid holder.pid; do
    pid=$(cat "$tmp/home/$f" 2>/dev/null) && kill -KILL "$pid" 2>/dev/null
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

# True while `pid` runs (a zombie has ended: this machine's PID 1 may never reap it).
running() {
  local state
  state=$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
  [ "$state" != Z ]
}
# Nothing serves the home: no socket, and the last daemon (if any) has ended.
no_daemon() {
  [ ! -e "$REIN_HOME/rein.sock" ] || return 1
  [ ! -f "$REIN_HOME/reind.pid" ] || ! running "$(cat "$REIN_HOME/reind.pid")"
}
# Runs the health check as docker would (its own output aside); returns its status.
health() { "${check[@]}" >>"$tmp/health.log" 2>&1; }
# Polls `cmd...` every 100 ms for at most $1 seconds.
poll() {
  local seconds=$1 i
  shift
  for ((i = 0; i < seconds * 10; i++)); do
    "$@" && return 0
    sleep 0.1
  done
  return 1
}
http_get() {
  python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' "$1"
}

# Part 1: the health check against this build. The image's app files, on a free local port.
export REIN_HOME=$tmp/home
export PATH=$build:$PATH # the check's `rein` is this build's, as the image's is the package's
mkdir -p "$tmp/app"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cp "$root/examples/node/server.js" "$tmp/app/"
sed "s/0\.0\.0\.0:3000/127.0.0.1:$port/" "$root/packaging/docker/ecosystem.yaml" >"$tmp/app/ecosystem.yaml"
grep -q "127.0.0.1:$port" "$tmp/app/ecosystem.yaml" || fail "the image's ecosystem file does not listen on 0.0.0.0:3000"

if health; then fail "the health check passed with nothing running"; fi
no_daemon || fail "the health check started a daemon"

rein run "$tmp/app/ecosystem.yaml" >"$tmp/run.log" 2>&1 &
run_pid=$!
poll 30 health || fail "the health check never passed while rein run runs: $(cat "$tmp/run.log" "$tmp/health.log")"
poll 10 http_get "http://127.0.0.1:$port/" >/dev/null || fail "the example app does not answer on port $port"
reply=$(http_get "http://127.0.0.1:$port/")
case $reply in "pid "*) ;; *) fail "the example app answered '$reply'" ;; esac
daemon=$(cat "$REIN_HOME/reind.pid")
say "healthy while rein run serves (daemon pid $daemon, the app answers '$reply')"

kill -TERM "$run_pid"
run_ended() { ! running "$run_pid"; }
poll 30 run_ended || fail "rein run did not end on SIGTERM"
status=0
wait "$run_pid" || status=$?
run_pid=
[ "$status" -eq 0 ] || fail "rein run exited $status on SIGTERM: $(cat "$tmp/run.log")"
! running "$daemon" || fail "the daemon $daemon outlived rein run"
if health; then fail "the health check passed after rein run had ended"; fi
no_daemon || fail "the health check started a daemon after rein run had ended"
say "unhealthy once rein run has ended, and no daemon was started"
[ -z "$only_healthcheck" ] || exit 0

# Part 2: the image itself.
command -v docker >/dev/null || skip "docker: no docker client on this machine: image not built, skipped"
if ! err=$(docker info 2>&1 >/dev/null); then
  skip "docker: no engine on this machine (docker info: $(printf '%s\n' "$err" | grep -m1 . || echo "failed")): image not built, skipped"
fi
tag=rein-docker-test:$$
cid=
cleanup_docker() {
  [ -n "$cid" ] && docker rm -f "$cid" >/dev/null 2>&1
  docker rmi -f "$tag" >/dev/null 2>&1
  cleanup
}
trap cleanup_docker EXIT
revision=$(cmake -DSOURCE_DIR="$root" -P "$root/cmake/revision.cmake")
docker build -q -f "$dockerfile" -t "$tag" --build-arg REIN_REVISION="$revision" "$root" >/dev/null ||
  fail "docker build failed"
cid=$(docker run -d -p 127.0.0.1::3000 "$tag")
health_status() { [ "$(docker inspect -f '{{.State.Health.Status}}' "$cid")" = "$1" ]; }
poll 120 health_status healthy || fail "the container never became healthy: $(docker logs "$cid" 2>&1 | tail -20)"
hostport=$(docker port "$cid" 3000/tcp | head -1 | sed 's/.*://')
reply=$(http_get "http://127.0.0.1:$hostport/") || fail "the example app does not answer in the container"
case $reply in "pid "*) ;; *) fail "the example app in the container answered '$reply'" ;; esac
version=$(docker exec "$cid" rein --version)
expected="$("$build/rein" --version | cut -d' ' -f1-2) (git $revision)"
[ "$version" = "$expected" ] || fail "the image's rein --version says '$version', not '$expected'"
docker stop -t 30 "$cid" >/dev/null
code=$(docker inspect -f '{{.State.ExitCode}}' "$cid")
[ "$code" = 0 ] || fail "the container exited $code on docker stop"
say "image built, healthy, app answered '$reply', $version, stopped cleanly"
