#!/usr/bin/env bash
# The main job end to end on a fresh machine: install dependencies, build,
# start the simulated teacher on a free loopback port, synthesise
# conversations from the bundled documents, print where the output is.
# Usage: scripts/demo.sh [examples/qa/job.yaml | examples/inbox/job.yaml]
set -euo pipefail
cd "$(dirname "$0")/.."
JOB=${1:-examples/qa/job.yaml}
NAME=$(sed -n 's/^name: *//p' "$JOB" | head -n1)

bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target codi codi-teacher-sim

mkdir -p out
SIM_OUT=$(mktemp)
./build/bin/codi-teacher-sim --listen 127.0.0.1:0 --latency-ms 20 >"$SIM_OUT" 2>out/teacher-sim.log &
SIM_PID=$!
trap 'kill $SIM_PID 2>/dev/null || true; rm -f "$SIM_OUT"' EXIT
for _ in $(seq 1 100); do
  ADDR=$(sed -n 's/^listening on //p' "$SIM_OUT" | head -n1)
  [ -n "$ADDR" ] && break
  sleep 0.1
done
if [ -z "${ADDR:-}" ]; then
  echo "demo: the simulated teacher did not start; see out/teacher-sim.log" >&2
  exit 1
fi
echo "demo: simulated teacher listening on $ADDR"

# A fresh state directory each time, so the demo always shows a full run.
rm -rf "state/$NAME" "out/$NAME"
./build/bin/codi run "$JOB" --teacher "http://$ADDR/v1" --state "state/$NAME" --out "out/$NAME"
echo
echo "demo: conversations are in $(pwd)/out/$NAME ($(cat out/$NAME/*.jsonl | wc -l) lines); report: out/$NAME/report.json"
echo "demo: first conversation:"
head -c 1500 "out/$NAME/$NAME-00000-of-00004.jsonl"; echo
