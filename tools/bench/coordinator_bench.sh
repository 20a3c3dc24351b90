#!/usr/bin/env bash
# Coordinator benchmark: a job of N conversations (default 100,000) run by
# codi-coordinator with two workers against a zero-latency codi-teacher-sim,
# all on loopback. Prints the coordinator's RSS as the job grows, its peak
# RSS (VmHWM), the turn reports it checkpointed per second and the CPU time
# (user + system, from /proc/PID/stat) it spent per turn report.
# Usage: tools/bench/coordinator_bench.sh [CONVERSATIONS] [SAMPLES_PER_DOC]
# Environment: WORKERS (worker processes, default 2), CONCURRENCY (each, default 32),
# WORKER_ARGS (more codi-worker flags, e.g. "--coalesce-ms 0"), CORES (CPU list the
# coordinator is pinned to with taskset, e.g. 0 or 0,1; default: not pinned),
# OTHER_CORES (CPU list for the simulator and the workers; default: not pinned).
# Pinning the coordinator to one core and then to two shows how its reports/s
# grow with its cores (its CPU per report is measured either way).
set -euo pipefail
cd "$(dirname "$0")/../.."
CONVERSATIONS=${1:-100000}
SAMPLES=${2:-10}
WORKERS=${WORKERS:-2}
CONCURRENCY=${CONCURRENCY:-32}
DOCS=$((CONVERSATIONS / SAMPLES))
BIN=build/bin
PIN_COORD=()
PIN_OTHER=()
[ -n "${CORES:-}" ] && PIN_COORD=(taskset -c "$CORES")
[ -n "${OTHER_CORES:-}" ] && PIN_OTHER=(taskset -c "$OTHER_CORES")
for b in codi codi-coordinator codi-worker codi-teacher-sim; do
  [ -x "$BIN/$b" ] || { echo "bench: build first (cmake --build build)"; exit 2; }
done
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# Short synthetic documents: the benchmark measures the coordinator, not the teacher.
awk -v n="$DOCS" 'BEGIN { for (i = 0; i < n; i++)
  printf "{\"id\":\"doc-%07d\",\"title\":\"Town %d\",\"text\":\"Town %d lies on the river Tam. It was founded in %d. About %d people live there. The town is known for its bridge.\"}\n", i, i, i, 1000 + i % 900, 100 + i % 5000 }' >"$WORK/docs.jsonl"
cat >"$WORK/job.yaml" <<YAML
name: bench
seed: 1
documents: {path: $WORK/docs.jsonl}
samples_per_document: $SAMPLES
graph:
  start: {ask: 1}
  length: {n: 2}
  links:
    - {name: ask, role: USER, instruction: Ask a short question., next: {answer: 1}}
    - {name: answer, role: AGENT, instruction: Answer with a span., next: {ask: 1}}
teacher: {endpoints: ["http://127.0.0.1:9/v1"], max_tokens: 32}
YAML

start_server() {  # name, args... ; sets ADDR
  local name=$1; shift
  "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  PIDS+=($!)
  for _ in $(seq 1 100); do
    ADDR=$(sed -n 's/^listening on //p' "$WORK/$name.out" | head -n1)
    [ -n "$ADDR" ] && return 0
    sleep 0.1
  done
  echo "bench: $name did not start"; cat "$WORK/$name.err"; exit 1
}
start_server sim "${PIN_OTHER[@]}" "$BIN/codi-teacher-sim" --listen 127.0.0.1:0 --latency-ms 0 --max-batch 256
SIM=$ADDR
start_server coordinator "${PIN_COORD[@]}" "$BIN/codi-coordinator" --listen 127.0.0.1:0 --state "$WORK/state" --log-level warning
COORD=$ADDR
COORD_PID=${PIDS[-1]}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
WORKER_PIDS=()
for i in $(seq 1 "$WORKERS"); do
  "${PIN_OTHER[@]}" "$BIN/codi-worker" --coordinator "$COORD" --teacher "http://$SIM/v1" --concurrency "$CONCURRENCY" \
    --lease-wait-ms 1000 ${WORKER_ARGS:-} --log-level warning >/dev/null 2>"$WORK/worker$i.err" &
  PIDS+=($!)
  WORKER_PIDS+=($!)
done

JOB=$("$BIN/codi" submit "$WORK/job.yaml" --coordinator "$COORD" --job-id bench)
START=$(date +%s.%N)
CPU_START=$(cpu_ticks "$COORD_PID")
echo "bench: $CONVERSATIONS conversations ($DOCS documents x $SAMPLES samples, 2 turns each), $WORKERS workers x $CONCURRENCY"
echo "bench: coordinator cores ${CORES:-any}, simulator and worker cores ${OTHER_CORES:-any}, worker flags: ${WORKER_ARGS:-none}"
NEXT_MARK=10
while :; do
  STATUS=$("$BIN/codi" status "$JOB" --coordinator "$COORD" --json)
  DONE=$(echo "$STATUS" | sed -n 's/.*"conversations_done": *"\{0,1\}\([0-9]*\).*/\1/p')
  STATE=$(echo "$STATUS" | sed -n 's/.*"state": *"\([a-z]*\)".*/\1/p')
  RSS=$(awk '/VmRSS/ {print $2}' /proc/$COORD_PID/status)
  PCT=$((100 * ${DONE:-0} / CONVERSATIONS))
  if [ "$PCT" -ge "$NEXT_MARK" ]; then
    printf 'bench: %3d%% done (%d conversations): coordinator RSS %d MiB\n' "$PCT" "$DONE" $((RSS / 1024))
    NEXT_MARK=$((NEXT_MARK + 10))
  fi
  [ "$STATE" != "running" ] && break
  sleep 1
done
END=$(date +%s.%N)
CPU_END=$(cpu_ticks "$COORD_PID")
WORKER_TICKS=0
for p in "${WORKER_PIDS[@]}"; do WORKER_TICKS=$((WORKER_TICKS + $(cpu_ticks "$p"))); done
HZ=$(getconf CLK_TCK)
HWM=$(awk '/VmHWM/ {print $2}' /proc/$COORD_PID/status)
TURNS=$(echo "$STATUS" | sed -n 's/.*"turns": *"\{0,1\}\([0-9]*\).*/\1/p')
ELAPSED=$(echo "$END - $START" | bc -l)
printf 'bench: state %s, %s conversations, %s turn reports in %.1f s\n' "$STATE" "$DONE" "$TURNS" "$ELAPSED"
printf 'bench: coordinator turn reports/s: %.0f\n' "$(echo "$TURNS / $ELAPSED" | bc -l)"
CPU_S=$(echo "($CPU_END - $CPU_START) / $HZ" | bc -l)
printf 'bench: coordinator CPU %.2f s (user+system, from the submit): %.1f us per turn report\n' \
  "$CPU_S" "$(echo "1000000 * $CPU_S / $TURNS" | bc -l)"
printf 'bench: workers CPU %.2f s: %.1f us per turn\n' "$(echo "$WORKER_TICKS / $HZ" | bc -l)" \
  "$(echo "1000000 * $WORKER_TICKS / $HZ / $TURNS" | bc -l)"
printf 'bench: coordinator peak RSS (VmHWM): %d MiB\n' $((HWM / 1024))
printf 'bench: state directory: %s\n' "$(du -sh "$WORK/state" | cut -f1)"
