#!/usr/bin/env bash
# `apt upgrade` with apps running: the .deb is installed, apps are started (fork mode, and cluster
# mode through the bind hand-off) under two daemons, root's and nobody's; a rebuilt package
# (newer release, `make deb REIN_DEB_RELEASE=...`) is installed over it. The maintainer script
# must have run `rein update` for both: same daemon and app pids, and each daemon's
# /proc/PID/exe is the new /usr/bin/reind, no longer "(deleted)". Usage: upgrade_test.sh BUILD_DIR
set -euo pipefail
here=$(dirname "$(realpath "$0")")
# shellcheck source=tests/packaging/lib.sh
source "$here/lib.sh"
build=$(realpath "${1:-build}")
package_preconditions "$build"

REIN=/usr/bin/rein
DOC=/usr/share/doc/rein
NOBODY=65534
homes=()
work=$(mktemp -d /tmp/rpt-up.XXXXXX)
cleanup() {
    local home
    rm -rf "$work"
    for home in "${homes[@]}"; do clean_home "$home" "$REIN"; done
    [ ! -e "$PKG_MARK" ] || remove_package
}
trap cleanup EXIT

# The same build packaged again with a newer release: what apt sees as an upgrade.
release=$(dpkg-deb -f "$DEB" Version)
release=${release##*-}
(cd "$build" && REIN_DEB_RELEASE="$release+rebuild1" cpack -G DEB -B "$work/new" >/dev/null) ||
    fail "cpack of the rebuilt package"
new_deb=$(echo "$work"/new/rein_*.deb)
[ -f "$new_deb" ] || fail "cpack made no package in $work/new"

install_deb "$DEB"

# as_user UID COMMAND...: runs COMMAND as that user (root: as is).
as_user() {
    local uid=$1
    shift
    if [ "$uid" = 0 ]; then "$@"; else setpriv --reuid="$uid" --regid="$uid" --clear-groups "$@"; fi
}

# Root's daemon: the demo's ticker and a cluster app binding its own port; nobody's: the ticker.
root_home=$(new_home)
homes+=("$root_home")
nobody_home=$(new_home)
homes+=("$nobody_home")
chown "$NOBODY:$NOBODY" "$nobody_home"
port=$(free_port)
web_app "$work/web.yaml" "$DOC/examples/python/server.py" "$port"
chmod 755 "$work"
REIN_HOME=$root_home "$REIN" start "$DOC/ecosystem.example.yaml" --only ticker >/dev/null
REIN_HOME=$root_home "$REIN" start "$work/web.yaml" >/dev/null
as_user $NOBODY env REIN_HOME="$nobody_home" "$REIN" start "$DOC/ecosystem.example.yaml" \
    --only ticker >/dev/null || fail "nobody's rein start"

# snapshot HOME UID: the daemon's pid, then each app's online pids.
snapshot() {
    local home=$1 uid=$2
    cat "$home/reind.pid"
    for app in ticker web; do
        as_user "$uid" env REIN_HOME="$home" "$REIN" jlist | python3 -c '
import json, sys
print(sys.argv[1], sorted(a["pid"] for a in json.load(sys.stdin) if a["name"] == sys.argv[1]))' "$app"
    done
}
wait_until 20 "root's ticker online" online_pids "$REIN" "$root_home" ticker 1 >/dev/null
wait_until 20 "root's 2 web instances online" online_pids "$REIN" "$root_home" web 2 >/dev/null
wait_until 20 "nobody's ticker online" as_user $NOBODY \
    bash -c "source '$here/lib.sh'; online_pids '$REIN' '$nobody_home' ticker 1" >/dev/null
before_root=$(snapshot "$root_home" 0)
before_nobody=$(snapshot "$nobody_home" $NOBODY)
for home in "$root_home" "$nobody_home"; do
    exe=$(readlink "/proc/$(cat "$home/reind.pid")/exe")
    [ "$exe" = /usr/bin/reind ] || fail "the daemon of $home runs $exe"
done

started=$SECONDS
apt_quiet install "$new_deb"
echo "upgraded to $(dpkg-query -W -f='${Version}' rein) in $((SECONDS - started)) s; the" \
    "maintainer script said:"
grep "^rein: " <<<"$APT_LOG" || true

for home in "$root_home" "$nobody_home"; do
    daemon=$(cat "$home/reind.pid")
    alive "$daemon" || fail "the daemon $daemon of $home is gone after the upgrade"
    exe=$(readlink "/proc/$daemon/exe")
    [ "$exe" = /usr/bin/reind ] ||
        fail "the daemon of $home runs '$exe' after the upgrade: the maintainer script did not" \
            "run \`rein update\` for it"
done
after_root=$(snapshot "$root_home" 0)
after_nobody=$(snapshot "$nobody_home" $NOBODY)
[ "$before_root" = "$after_root" ] ||
    fail "root's daemon and apps changed pids: before: $before_root; after: $after_root"
[ "$before_nobody" = "$after_nobody" ] ||
    fail "nobody's daemon and apps changed pids: before: $before_nobody; after: $after_nobody"
[ -n "$(http_get "$port")" ] || fail "web no longer answers on port $port after the upgrade"
# shellcheck disable=SC2086 # one line
echo "same pids across the upgrade:" $after_root "|" $after_nobody
echo "PASS: upgrade_test"
