#!/usr/bin/env bash
# Installs the Debian packages rein needs to build and test, skipping those already present.
# Safe to run repeatedly; needs root (or sudo) only when something is missing.
set -euo pipefail

pkgs=(cmake make g++ pkg-config libcli11-dev libspdlog-dev libfmt-dev libyaml-cpp-dev
  nlohmann-json3-dev doctest-dev libncurses-dev)
build_pkgs=("${pkgs[@]}") # REIN_DEPS=build installs only these (see below)
# The fuzzers (make fuzz) are built with clang; its runtimes (libclang_rt.fuzzer, ASan, UBSan) are
# in libclang-rt-dev, which clang only recommends and this script installs without recommends.
pkgs+=(clang libclang-rt-dev)
# Extra tools the test suite drives (tmux for monit, procps for ps in post-mortems).
pkgs+=(tmux procps)
# Node runs the cluster example that says ready the PM2 way; any node on PATH will do.
command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
# python3 runs the Python cluster example.
command -v python3 >/dev/null 2>&1 || pkgs+=(python3)
# The recipes test (tests/integration/recipes_test.cpp) runs docs/cluster.md's Python servers.
pkgs+=(gunicorn uvicorn)
# make deb: dpkg-shlibdeps (dpkg-dev) finds the package's dependencies; the package tests check it
# with lintian and look for its man pages with man (man-db, below).
pkgs+=(dpkg-dev lintian)

# The man page test renders the generated pages (groff) and reads their NAME line (lexgrog).
pkgs+=(groff-base man-db)
# The metrics tests scrape reind with a real Prometheus and check the text with promtool
# (prometheus); the --host tests reach a local sshd (openssh-server).
pkgs+=(prometheus openssh-server)

# REIN_DEPS=build: only what compiling needs, none of the test suite's tools (the container
# image's build stage, packaging/Dockerfile).
if [ "${REIN_DEPS:-all}" = build ]; then pkgs=("${build_pkgs[@]}"); fi

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps.sh: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "deps.sh: need root to install: ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
# prometheus and openssh-server start their service from postinst. Without systemd (a container,
# a chroot) nothing should run them: an absent policy-rc.d is put in place for this install only
# (101: action forbidden, the answer Docker's images give), and removed after.
policy=/usr/sbin/policy-rc.d
if [ ! -d /run/systemd/system ] && [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod 755 "$policy"
  trap '$sudo rm -f "$policy"' EXIT
fi
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
