#!/usr/bin/env bash
# Runs every fuzz target of an already built fuzz build (`make fuzz` builds it first) for
# FUZZ_SECONDS each, FUZZ_JOBS at a time, and fails when any of them finds a crash.
#   fuzz/run.sh [BUILD_DIR] [TARGET...]      (default build-fuzz, every target)
# Each target first replays its known crashers in fuzz/regressions/<name>, then fuzzes a copy of
# its seed corpus in BUILD_DIR/corpus/<name> (kept between runs, so coverage accumulates; the
# committed fuzz/corpus is never written), writes what it finds to BUILD_DIR/artifacts/<name>/
# and its log to BUILD_DIR/logs/<name>.log.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${1:-build-fuzz}
shift || true
seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-2}
# UBSan's reports carry a stack (ASan's always do).
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
all=(protocol_request ecosystem_yaml ecosystem_json cron units shell_split line_splitter handover)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")

# Per-target options. protocol_request takes inputs past the 1 MiB line cap, so that a line
# over the cap and a request nested 100,000 deep are both reachable; handover needs room for a
# whole state file.
options_for() {
  case "$1" in
    protocol_request) echo "-max_len=1100000" ;;
    handover) echo "-max_len=16384" ;;
    *) echo "-max_len=4096" ;;
  esac
}

run_one() {
  local name=$1 bin="$build/fuzz/${1}_fuzz"
  local corpus="$build/corpus/$name" artifacts="$build/artifacts/$name/" log="$build/logs/$name.log"
  [ -x "$bin" ] || { echo "fuzz/run.sh: $bin is not built (make fuzz builds it)" >&2; return 2; }
  mkdir -p "$corpus" "$artifacts" "$build/logs"
  cp -f fuzz/corpus/"$name"/* "$corpus"/
  local extra=()
  [ -f "fuzz/$name.dict" ] && extra+=("-dict=fuzz/$name.dict")
  # Scratch files (fuzz_support.hpp's scratch_dir) go to a folder of the target's own, emptied
  # here: a crashed run leaves its files for the post-mortem until the next run.
  local tmp="${TMPDIR:-/tmp}/rein-fuzz.$name"
  rm -rf "$tmp" && mkdir -p "$tmp"
  local common=(-rss_limit_mb=2048 -timeout=10)
  # shellcheck disable=SC2207 # options_for prints whitespace-free words
  common+=($(options_for "$name"))
  : >"$log"
  # Known crashers first, each replayed once (not fuzzed: they stay out of the corpus): one that
  # still crashes fails the target at once.
  local known=()
  [ -d "fuzz/regressions/$name" ] && known=(fuzz/regressions/"$name"/*)
  if [ ${#known[@]} -gt 0 ] && [ -f "${known[0]}" ]; then
    TMPDIR="$tmp" "$bin" "${common[@]}" "${known[@]}" >>"$log" 2>&1 || return
  fi
  TMPDIR="$tmp" "$bin" "${common[@]}" -max_total_time="$seconds" -artifact_prefix="$artifacts" \
    -print_final_stats=1 "${extra[@]}" "$corpus" >>"$log" 2>&1
}

# Each finished fuzzer's exit status, by name.
declare -A status
declare -A pid_of
running=0
finish_one() {
  local done_pid rc=0 n
  wait -n -p done_pid || rc=$?
  for n in "${!pid_of[@]}"; do
    if [ "${pid_of[$n]}" = "$done_pid" ]; then
      status[$n]=$rc
      unset "pid_of[$n]"
    fi
  done
  running=$((running - 1))
}

echo "fuzz: ${#targets[@]} targets, ${seconds} s each, ${jobs} at a time (logs in $build/logs)"
for name in "${targets[@]}"; do
  [ "$running" -ge "$jobs" ] && finish_one
  run_one "$name" &
  pid_of[$name]=$!
  running=$((running + 1))
done
while [ "$running" -gt 0 ]; do finish_one; done

# One line per target from libFuzzer's last status line, then the failures in detail.
failed=0
for name in "${targets[@]}"; do
  log="$build/logs/$name.log"
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  execs=$(grep -oE 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -oE '[0-9]+$' || true)
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[^ ]+' <<<"$last" || echo 'cov: ?')
  result=ok
  [ "${status[$name]}" -ne 0 ] && result=FAILED
  printf '%-17s %-6s %s  %s exec/s\n' "$name" "$result" "$cov" "${execs:-?}"
done
for name in "${targets[@]}"; do
  [ "${status[$name]}" -eq 0 ] && continue
  failed=1
  echo
  echo "fuzz: $name FAILED (exit ${status[$name]}); log: $build/logs/$name.log"
  found=$(grep -oE 'Test unit written to .*' "$build/logs/$name.log" | sed 's/^Test unit written to //' || true)
  # A known crasher replayed as a file has no artifact: the file is the input.
  [ -z "$found" ] && found=$(grep -oE '^Running: .*' "$build/logs/$name.log" | tail -1 | sed 's/^Running: //' || true)
  echo "fuzz: input: ${found:-none written (see the log)}"
  grep -E -m1 -A25 '^==[0-9]+==ERROR|runtime error|invariant failed|^SUMMARY|deadly signal|timeout after' \
    "$build/logs/$name.log" || tail -25 "$build/logs/$name.log"
done
[ "$failed" -eq 0 ] && echo "fuzz: no crash in ${#targets[@]} targets"
exit "$failed"
