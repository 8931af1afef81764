#!/usr/bin/env bash
# rein and PM2 side by side: `make bench` (or bench/run.sh [core|logs|cluster|handoff|resources|kill9|climit|metrics]...|update|ssh).
# Installs PM2 from the npm registry into bench/.cache and wrk from Debian when missing; writes
# the tables to bench/results/latest.md. RUNS=N changes the repetitions (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x bench/.cache/pm2/node_modules/.bin/pm2 ]; then
  command -v npm >/dev/null || { echo "bench: npm is needed to install PM2" >&2; exit 1; }
  npm install --silent --prefix bench/.cache/pm2 pm2@latest
fi
if ! command -v wrk >/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get install -y -qq wrk >/dev/null
fi
[ -x build/rein ] || make build
[ "${1:-}" = update ] && exec python3 bench/update.py
[ "${1:-}" = ssh ] && exec python3 bench/ssh.py # rein --host against plain ssh (issue 13)
exec python3 bench/bench.py "$@"
