#!/usr/bin/env bash
# Runs every tests/packaging/*_test.sh against BUILD_DIR (`make package-test`), one at a time;
# exit status 77 is a skip, which the test explains. Fails when any test failed.
set -uo pipefail
build=$(realpath "${1:-build}")
here=$(dirname "$(realpath "$0")")
failed=()
for test in "$here"/*_test.sh; do
    name=$(basename "$test" .sh)
    started=$SECONDS
    "$test" "$build"
    status=$?
    case $status in
    0) echo "== $name: passed ($((SECONDS - started)) s)" ;;
    77) echo "== $name: skipped" ;;
    *)
        echo "== $name: FAILED (status $status, $((SECONDS - started)) s)"
        failed+=("$name")
        ;;
    esac
done
[ ${#failed[@]} -eq 0 ] || { echo "package tests failed: ${failed[*]}"; exit 1; }
