#!/usr/bin/env bash
# The .deb as an admin uses it: lintian; `apt-get install ./build/rein_*.deb`; apps started with
# /usr/bin/rein on a fresh REIN_HOME (one in cluster mode, through the installed bind hand-off
# library); the man pages and the bash completion (commands, app names); `rein startup --print`
# naming /usr/bin/reind; then `apt-get remove --purge`, after which every path the package
# installed is gone. Usage: deb_test.sh BUILD_DIR
set -euo pipefail
here=$(dirname "$(realpath "$0")")
# shellcheck source=tests/packaging/lib.sh
source "$here/lib.sh"
package_preconditions "$(realpath "${1:-build}")"

REIN=/usr/bin/rein
DOC=/usr/share/doc/rein
home=""
work=$(mktemp -d /tmp/rpt-deb.XXXXXX)
cleanup() {
    rm -rf "$work"
    [ -z "$home" ] || clean_home "$home" "$REIN"
    [ ! -e "$PKG_MARK" ] || remove_package
}
trap cleanup EXIT

# What only a merged tree can pass (the man pages and completion come from cmake/docs.cmake, in
# another branch until merged) is collected and reported at the end, after everything else ran.
problems=()
problem() { problems+=("$*"); }

if command -v lintian >/dev/null; then
    # Every exception is overridden with its reason (packaging/debian/lintian-overrides).
    tags=$(lintian --no-cfg "$DEB" 2>&1 | grep -v "running with root privileges" || true)
    [ -z "$tags" ] || problem "lintian reports tags that are not overridden:
$tags"
else
    echo "note: lintian is not installed (packaging/deps.sh installs it); not checked"
fi

# The paths of the package that exist before it is installed (/usr/bin ...) stay after it is gone.
dpkg-deb -c "$DEB" | awk '{ print substr($6, 2) }' | sed 's|/$||' | grep . | sort >"$work/paths"
while read -r path; do [ ! -e "$path" ] || echo "$path"; done <"$work/paths" >"$work/before"

started=$SECONDS
install_deb "$DEB"
echo "installed $(basename "$DEB") in $((SECONDS - started)) s"
dpkg -L rein | grep -vx "/." | sort >"$work/installed"
[ -x "$REIN" ] && [ -x /usr/bin/reind ] || fail "the package installed no /usr/bin/rein and reind"

# Apps from /usr/bin on a fresh home: the demo of the docs, and the Python example server in
# cluster mode binding a port itself (the bind hand-off, with the library of the package).
home=$(new_home)
port=$(free_port)
web_app "$work/web.yaml" "$DOC/examples/python/server.py" "$port"
REIN_HOME=$home "$REIN" start "$DOC/ecosystem.example.yaml" >/dev/null ||
    fail "rein start $DOC/ecosystem.example.yaml"
REIN_HOME=$home "$REIN" start "$work/web.yaml" >/dev/null || fail "rein start web.yaml"
wait_until 20 "ticker online" online_pids "$REIN" "$home" ticker 1 >/dev/null
wait_until 20 "2 worker instances online" online_pids "$REIN" "$home" worker 2 >/dev/null
wait_until 20 "2 web instances online" online_pids "$REIN" "$home" web 2 >/dev/null
lib=$(find /usr/lib -path '*/rein/librein-bind.so' | head -n 1)
[ -n "$lib" ] || fail "the package has no librein-bind.so under /usr/lib"
# The daemon, the hand-off library and the holder (it keeps the apps' descriptors) of the package.
answer=$(served_by_install "$REIN" "$home" "$port" "$lib" /usr/libexec/rein/rein-holder) || exit 1
echo "apps online from /usr/bin: ticker, 2 worker, 2 web (port $port answered: $answer)"

# The unit `rein startup` would write runs the packaged reind.
REIN_HOME=$home "$REIN" startup --print | grep -qx "ExecStart=/usr/bin/reind --foreground --resurrect" ||
    fail "rein startup --print does not name /usr/bin/reind"
grep -qx "ExecStart=/usr/bin/reind --foreground --resurrect" /lib/systemd/system/rein@.service ||
    fail "/lib/systemd/system/rein@.service does not run /usr/bin/reind"

# Man pages and completion files at the design's paths.
for page in "1 rein" "8 reind" "5 rein-ecosystem"; do
    read -r section name <<<"$page"
    man -w "$section" "$name" >/dev/null 2>&1 ||
        problem "man -w $section $name finds no page (/usr/share/man/man$section/$name.$section.gz)"
done
for file in /usr/share/bash-completion/completions/rein /usr/share/zsh/vendor-completions/_rein \
    /usr/share/fish/vendor_completions.d/rein.fish; do
    [ -f "$file" ] || problem "missing completion file $file"
done

# Bash completion, as bash's programmable completion calls it: the function `complete` names.
# complete_words WORD...: the completions of the last word.
complete_words() {
    REIN_HOME=$home bash -c '
        source /usr/share/bash-completion/completions/rein
        fn=$(complete -p rein | sed -n "s/.* -F \([^ ]*\) .*/\1/p")
        COMP_WORDS=("$@")
        COMP_CWORD=$(($# - 1))
        COMP_LINE="$*"
        COMP_POINT=${#COMP_LINE}
        "$fn" rein "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
        printf "%s\n" "${COMPREPLY[@]}"' bash "$@"
}
if [ -f /usr/share/bash-completion/completions/rein ]; then
    words=$(complete_words rein st)
    for want in start stop; do
        grep -qx "$want" <<<"$words" || problem "bash completion of 'rein st' lacks $want: $words"
    done
    words=$(complete_words rein stop "")
    for want in ticker worker web; do
        grep -qx "$want" <<<"$words" || problem "bash completion of 'rein stop ' lacks $want: $words"
    done
fi

# Removal: the apps are stopped first (removing stops nobody's apps), then every path the package
# installed and that was not there before must be gone.
clean_home "$home" "$REIN"
home=""
remove_package
left=$(comm -23 "$work/installed" "$work/before" | while read -r path; do
    [ ! -e "$path" ] || echo "$path"
done)
[ -z "$left" ] || fail "left behind after apt-get remove --purge rein: $left"
echo "removed: none of the $(wc -l <"$work/installed") paths of dpkg -L rein is left"

if [ ${#problems[@]} -gt 0 ]; then
    printf 'FAIL: %s\n' "${problems[@]}" >&2
    exit 1
fi
echo "PASS: deb_test"
