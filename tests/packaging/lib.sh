# shellcheck shell=bash
# Shared by the package tests (sourced): failing and skipping, polling with a deadline, apps of a
# ecosystem file, and the clean-up of every process a test started, by pid. Bash.

export LC_ALL=C # sort and comm agree on the order

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

skip() {
    echo "SKIP: $*"
    exit 77
}

# True while PID runs; a zombie (this machine's PID 1 reaps no orphans) counts as ended.
alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [ "${stat%% *}" != Z ]
}

# wait_until SECONDS WHAT COMMAND...: runs COMMAND every 50 ms until it succeeds; fails the test
# naming WHAT after SECONDS.
wait_until() {
    local seconds=$1 what=$2
    shift 2
    local deadline=$((SECONDS + seconds))
    until "$@"; do
        [ "$SECONDS" -lt "$deadline" ] || fail "after ${seconds} s: $what"
        sleep 0.05
    done
}

# A short REIN_HOME of its own (its socket path must fit a Unix socket address).
new_home() {
    mktemp -d /tmp/rpt.XXXXXX
}

# The pids of the instances of app NAME, one a line, from `REIN jlist` for HOME, when all N of
# them are online; nothing (and false) otherwise.
online_pids() {
    local rein=$1 home=$2 name=$3 n=$4
    REIN_HOME=$home "$rein" jlist 2>/dev/null | python3 -c '
import json, sys
name, n = sys.argv[1], int(sys.argv[2])
up = [a["pid"] for a in json.load(sys.stdin) if a["name"] == name and a["status"] == "online"]
if len(up) != n: sys.exit(1)
print("\n".join(str(p) for p in sorted(up)))' "$name" "$n"
}

# web_app FILE SERVER PORT: writes the ecosystem file FILE of app "web": the example Python SERVER
# in cluster mode, 2 instances binding PORT themselves (so through the bind hand-off).
web_app() {
    printf '%s\n' "apps:" "  - name: web" "    script: $2" "    exec_mode: cluster" \
        "    instances: 2" "    env:" "      PORT: \"$3\"" >"$1"
}

# A TCP port nobody listens on now.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The body of http://127.0.0.1:PORT/ ("" when nothing answers within 2 s).
http_get() {
    python3 -c '
import sys, urllib.request
try: print(urllib.request.urlopen("http://127.0.0.1:" + sys.argv[1] + "/", timeout=2).read().decode().strip())
except Exception: pass' "$1"
}

# Every process that belongs to HOME: those with REIN_HOME=HOME in their environment (the
# daemon, the apps), and the holder and daemon its pid files name.
home_pids() {
    local home=$1 file pid
    # One grep over every environment (NUL-separated entries).
    grep -lzxF "REIN_HOME=$home" /proc/[0-9]*/environ 2>/dev/null | while read -r file; do
        file=${file#/proc/}
        echo "${file%/environ}"
    done
    for pid in $(cat "$home/holder.pid" "$home/reind.pid" 2>/dev/null); do
        [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" && echo "$pid"
    done
}

# Stops everything of HOME: `rein kill` (as HOME's owner) when a rein is given, then SIGKILL to
# whatever of it is left (by pid), then removes HOME.
clean_home() {
    local home=$1 rein=${2:-} pid uid
    [ -d "$home" ] || return 0
    uid=$(stat -c %u "$home")
    if [ -n "$rein" ] && [ -x "$rein" ]; then
        REIN_HOME=$home timeout 20 setpriv --reuid="$uid" --regid="$(stat -c %g "$home")" \
            --clear-groups "$rein" kill >/dev/null 2>&1 || true
    fi
    for pid in $(home_pids "$home" | sort -u); do
        kill -KILL "$pid" 2>/dev/null
    done
    for pid in $(home_pids "$home" | sort -u); do
        wait_until 5 "process $pid of $home ended" eval "! alive $pid"
    done
    rm -rf "$home"
}

# --- The .deb: root, dpkg and apt, and no rein package these tests did not install. ---

# Present while a package installed by these tests is (a run that died leaves it; the next removes
# it). Any other rein package is someone's: the tests then skip.
PKG_MARK=/var/tmp/rein-package-test.installed

# The package of BUILD (one rein_*.deb), after the checks; holds a lock for the test's lifetime
# (one package test at a time on the machine).
package_preconditions() {
    local build=$1 debs
    [ "$(id -u)" = 0 ] || skip "installing a .deb needs root (run \`make package-test\` as root)"
    command -v dpkg >/dev/null && command -v apt-get >/dev/null ||
        skip "no dpkg or apt-get: not a Debian-like system"
    exec 9>/var/lock/rein-package-test.lock
    flock -w 300 9 || fail "another package test held /var/lock/rein-package-test.lock for 5 min"
    if dpkg-query -W -f='${Status}' rein 2>/dev/null | grep -qv "not-installed"; then
        [ -e "$PKG_MARK" ] || skip "a rein package these tests did not install is on this machine" \
            "($(dpkg-query -W -f='${Version}' rein)); they leave it alone"
        remove_package
    fi
    debs=("$build"/rein_*.deb)
    [ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] ||
        fail "expected one $build/rein_*.deb (run \`make deb\`), found: ${debs[*]}"
    # shellcheck disable=SC2034 # the tests' package
    DEB=$(realpath "${debs[0]}")
}

# apt-get with what every call here needs: no questions, and a wait for a dpkg lock another apt
# holds.
apt_quiet() {
    local log
    log=$(DEBIAN_FRONTEND=noninteractive apt-get -y -o DPkg::Lock::Timeout=120 "$@" 2>&1) || {
        printf '%s\n' "$log" >&2
        fail "apt-get $*"
    }
    # shellcheck disable=SC2034 # what the maintainer scripts printed, for the tests
    APT_LOG=$log
}

# Installs the .deb; offline: every package it depends on must be installed already.
install_deb() {
    local others
    others=$(DEBIAN_FRONTEND=noninteractive apt-get install -s "$1" 2>&1 |
        awk '$1 == "Inst" && $2 != "rein" { print $2 }')
    [ -z "$others" ] || fail "the package needs packages that are not installed:" "$others" \
        "(packaging/deps.sh installs them); this test downloads nothing"
    touch "$PKG_MARK"
    apt_quiet install "$1"
}

# Removes the package with its files (purge), when installed.
remove_package() {
    if dpkg-query -W -f='${Status}' rein 2>/dev/null | grep -qv "not-installed"; then
        apt_quiet remove --purge rein
    fi
    rm -f "$PKG_MARK"
}

# served_by_install REIN HOME PORT LIB HOLDER: the daemon of HOME runs the reind beside REIN, every
# online instance of app "web" has loaded the hand-off library LIB, PORT answers from one of them,
# and the holder runs HOLDER. Prints what PORT answered.
served_by_install() {
    local rein=$1 home=$2 port=$3 lib=$4 holder=$5 web pid daemon answer=""
    daemon=$(cat "$home/reind.pid")
    [ "$(readlink "/proc/$daemon/exe")" = "$(dirname "$rein")/reind" ] ||
        fail "the daemon runs $(readlink "/proc/$daemon/exe"), not $(dirname "$rein")/reind"
    web=$(online_pids "$rein" "$home" web 2)
    for pid in $web; do
        grep -qF "$lib" "/proc/$pid/maps" || fail "web instance $pid has not loaded $lib"
    done
    wait_until 10 "web answers on port $port" eval 'answer=$(http_get "$port"); [ -n "$answer" ]'
    grep -qxF "${answer#pid }" <<<"$web" || fail "port $port answered '$answer', not a web instance"
    wait_until 10 "rein-holder started" test -s "$home/holder.pid"
    [ "$(readlink "/proc/$(cat "$home/holder.pid")/exe")" = "$holder" ] ||
        fail "the holder runs $(readlink "/proc/$(cat "$home/holder.pid")/exe"), not $holder"
    echo "$answer"
}
