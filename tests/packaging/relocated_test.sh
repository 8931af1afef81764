#!/usr/bin/env bash
# A relocated install: what `make install DESTDIR=$d PREFIX=/opt/rein` runs, then rein and reind
# run from $d/opt/rein, where nothing was configured to be: reind must find rein-holder and
# librein-bind.so relative to itself (no $REIN_HOLDER, no $REIN_PRELOAD), and a cluster-mode app
# binding its own port goes through the bind hand-off with that library. Needs neither root nor
# dpkg. Usage: relocated_test.sh BUILD_DIR
set -euo pipefail
here=$(dirname "$(realpath "$0")")
# shellcheck source=tests/packaging/lib.sh
source "$here/lib.sh"
build=$(realpath "${1:-build}")
[ -x "$build/reind" ] || fail "no $build/reind: build first (make build)"

home=""
destdir=$(mktemp -d /tmp/rpt-dest.XXXXXX)
cleanup() {
    [ -z "$home" ] || clean_home "$home" "$root/bin/rein"
    rm -rf "$destdir"
}
trap cleanup EXIT
root=$destdir/opt/rein
unset REIN_HOLDER REIN_PRELOAD

DESTDIR=$destdir cmake --install "$build" --prefix /opt/rein >"$destdir.log" 2>&1 || {
    cat "$destdir.log"
    rm -f "$destdir.log"
    fail "cmake --install $build --prefix /opt/rein"
}
rm -f "$destdir.log"
outside=$(find "$destdir" -mindepth 1 -maxdepth 2 ! -path "$destdir/opt" ! -path "$root")
[ -z "$outside" ] || fail "installed outside the prefix: $outside"
holder=$(find "$root" -name rein-holder -type f)
lib=$(find "$root" -name librein-bind.so -type f)
[ -n "$holder" ] && [ -n "$lib" ] || fail "no rein-holder or librein-bind.so under $root"
[ ! -e "$root/bin/rein-holder" ] && [ ! -e "$root/bin/librein-bind.so" ] ||
    fail "the companions are next to reind: this would not test the relative lookup"
grep -qx "ExecStart=/opt/rein/bin/reind --foreground --resurrect" \
    "$root/lib/systemd/system/rein@.service" || fail "the unit template does not run /opt/rein/bin/reind"

home=$(new_home)
port=$(free_port)
web_app "$home/web.yaml" "$root/share/doc/rein/examples/python/server.py" "$port"
REIN_HOME=$home "$root/bin/rein" start "$home/web.yaml" >/dev/null || fail "rein start web.yaml"
wait_until 20 "2 web instances online" online_pids "$root/bin/rein" "$home" web 2 >/dev/null
answer=$(served_by_install "$root/bin/rein" "$home" "$port" "$lib" "$holder") || exit 1
echo "from $root: reind, $holder, 2 web instances with $lib (port $port answered: $answer)"
echo "PASS: relocated_test"
