#!/bin/sh
# Renders each generated man page as man(1) would, with every groff warning on, and reads its
# NAME line as mandb does: any warning or an unreadable NAME fails. Exit 77 (skipped) without
# groff or lexgrog (packaging/deps.sh installs them).
for tool in groff lexgrog; do
  command -v "$tool" >/dev/null || { echo "man_lint: $tool is not installed: skipped"; exit 77; }
done
[ $# -gt 0 ] || { echo "usage: man_lint.sh PAGE..."; exit 2; }
status=0
for page in "$@"; do
  warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
  if [ -n "$warnings" ]; then
    echo "$page: groff warns:"; echo "$warnings"; status=1
  fi
  lexgrog "$page" >/dev/null 2>&1 || { echo "$page: lexgrog cannot read its NAME section"; status=1; }
done
exit $status
