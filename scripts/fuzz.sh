#!/usr/bin/env bash
# Fuzzes codi's parsers of outside input with libFuzzer (tests/fuzz).
# Usage: scripts/fuzz.sh SECONDS [TARGET...]
# Configures and builds the clang sanitizer build (scripts/configure-sanitizers.sh,
# which turns CODI_FUZZ on) in CODI_FUZZ_BUILD_DIR (default build-fuzz), then
# runs each target (default: all of tests/fuzz/*_fuzz.cc) for SECONDS on a copy
# of its seed corpus, so new inputs go to a scratch directory (CODI_FUZZ_WORK_DIR,
# default a new one under /tmp), never into the repository. Prints per target
# the executions, executions per second, coverage (libFuzzer's cov: and ft:)
# and the path of any crash input; exits 1 if any target crashed.
# SECONDS 0 only builds. CODI_FUZZ_NO_BUILD=1 skips configuring and building;
# CODI_FUZZ_BUILD_JOBS sets the build's -j (default: all cores).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 1 ] || ! [[ "$1" =~ ^[0-9]+$ ]]; then
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
seconds="$1"
shift
root="$PWD"
dir="${CODI_FUZZ_BUILD_DIR:-build-fuzz}"

all=()
for src in tests/fuzz/*_fuzz.cc; do
  name="$(basename "$src" _fuzz.cc)"
  all+=("$name")
done
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then targets=("${all[@]}"); fi
for t in "${targets[@]}"; do
  if ! [ -f "tests/fuzz/${t}_fuzz.cc" ]; then
    echo "fuzz: unknown target '$t' (targets: ${all[*]})" >&2
    exit 2
  fi
done

if [ "${CODI_FUZZ_NO_BUILD:-0}" != 1 ]; then
  bash scripts/configure-sanitizers.sh "$dir"
  cmake --build "$dir" -j "${CODI_FUZZ_BUILD_JOBS:-$(nproc)}" \
    --target "${targets[@]/#/fuzz_}" >/dev/null
  echo "fuzz: built ${targets[*]/#/fuzz_} in $dir"
fi
if [ "$seconds" -eq 0 ]; then exit 0; fi

work="${CODI_FUZZ_WORK_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/codi-fuzz.XXXXXX")}"
mkdir -p "$work"
echo "fuzz: ${#targets[@]} targets, ${seconds} s each; corpora, logs and crashes under $work"
printf '%-18s %12s %9s %7s %7s  %s\n' target executions exec/s cov ft result
crashed=0
for t in "${targets[@]}"; do
  corpus="$work/$t/corpus"
  mkdir -p "$corpus" "$work/$t/crashes"
  cp -n tests/fuzz/corpus/"$t"/* "$corpus"/
  log="$work/$t/fuzz.log"
  dict=()
  case "$t" in
    spec_loader) dict=(-dict="$root/tests/fuzz/dict/spec.dict") ;;
    key_codec) ;;
    *) dict=(-dict="$root/tests/fuzz/dict/json.dict") ;;
  esac
  # -timeout: an input that takes 20 s is a hang; -rss_limit_mb also bounds
  # any single allocation (malloc_limit_mb defaults to it).
  rc=0
  (cd "$work/$t" &&
    ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=0" \
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    "$root/$dir/bin/fuzz_$t" "$corpus" -max_total_time="$seconds" -print_final_stats=1 \
      -timeout=20 -rss_limit_mb=2048 -artifact_prefix="$work/$t/crashes/" "${dict[@]}" \
      >"$log" 2>&1) || rc=$?
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)"
  cov="$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)"
  ft="$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)"
  crash="$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)"
  result=ok
  if [ "$rc" -ne 0 ] || [ -n "$crash" ]; then
    crashed=1
    result="CRASH (exit $rc) ${crash:-no input written}; log $log"
  fi
  printf '%-18s %12s %9s %7s %7s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" \
    "$result"
done
if [ "$crashed" -ne 0 ]; then
  echo "fuzz: a target crashed; reproduce with $dir/bin/fuzz_TARGET CRASH_FILE," \
    "or with $dir/bin/fuzz_replay_TARGET CRASH_FILE in any build" >&2
  exit 1
fi
echo "fuzz: no crash"
