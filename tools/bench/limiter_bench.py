#!/usr/bin/env python3
"""Adaptive-concurrency benchmark (stdlib only).

For each teacher size it starts `codi-teacher-sim --latency-ms LAT --max-batch B`
on loopback, runs `codi run` with DEFAULT concurrency flags on a job sized to
keep that teacher busy for about --seconds, and prints:
  - steady-state utilisation between 10% and 90% of the job's turns:
    delta(codi_sim_busy_slot_seconds_total) / (B * delta(t));
  - the limit the run ended with and its peak;
  - the mean round trip of the limiter's windows (median over the progress
    lines in that span) against the measured unloaded latency.
Then, with --rss, `codi run --concurrency 4096` against a 4,096-slot teacher
at 2 s latency, printing the peak resident memory (VmHWM) of codi.

Usage: tools/bench/limiter_bench.py [--batches 32,256,1024] [--latency-ms 1000]
       [--seconds 40] [--rss]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, "build", "bin")


def start_sim(work, batch, latency_ms):
    out = open(os.path.join(work, f"sim{batch}.out"), "w+")
    proc = subprocess.Popen(
        # Threads (connections served at once) well above what codi may open, so
        # that the simulator never caps the client and /metrics always answers.
        [os.path.join(BIN, "codi-teacher-sim"), "--listen", "127.0.0.1:0", "--latency-ms",
         str(latency_ms), "--max-batch", str(batch), "--threads", str(batch * 2 + 1400)],
        stdout=out, stderr=subprocess.DEVNULL)
    for _ in range(400):
        out.seek(0)
        for line in out:
            if line.startswith("listening on "):
                return proc, line[len("listening on "):].strip()
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("simulator did not start")


def scrape(address):
    text = urllib.request.urlopen(f"http://{address}/metrics", timeout=10).read().decode()
    figures = {}
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = re.match(r"^(\w+)(\{[^}]*\})?\s+([0-9.eE+-]+)$", line)
        if m:
            figures[m.group(1)] = figures.get(m.group(1), 0.0) + float(m.group(3))
    return figures


def write_job(work, name, conversations, turns, address):
    docs = os.path.join(work, f"{name}.docs.jsonl")
    with open(docs, "w") as f:
        for i in range(conversations):
            f.write(json.dumps({"id": f"doc-{i:07d}", "title": f"Town {i}",
                                "text": f"Town {i} lies on the river Tam. It was founded in "
                                        f"{1000 + i % 900}. About {100 + i % 5000} people live "
                                        "there. The town is known for its bridge."}) + "\n")
    job = os.path.join(work, f"{name}.yaml")
    with open(job, "w") as f:
        f.write(f"""name: {name}
seed: 1
documents: {{path: {docs}}}
samples_per_document: 1
graph:
  start: {{ask: 1}}
  length: {{n: {turns}}}
  links:
    - {{name: ask, role: USER, instruction: Ask a short question., next: {{answer: 1}}}}
    - {{name: answer, role: AGENT, instruction: Answer with a span., next: {{ask: 1}}}}
teacher: {{endpoints: ["http://{address}/v1"], max_tokens: 32}}
""")
    return job


def run_utilisation(work, batch, latency_ms, seconds, turns=4):
    sim, address = start_sim(work, batch, latency_ms)
    try:
        total_turns = int(batch * seconds * 1000 / latency_ms)
        conversations = max(total_turns // turns, 1)
        total_turns = conversations * turns
        job = write_job(work, f"util{batch}", conversations, turns, address)
        err_path = os.path.join(work, f"run{batch}.err")
        samples = []  # (t, busy, requests)
        started = time.monotonic()
        with open(err_path, "w") as err:
            run = subprocess.Popen(
                [os.path.join(BIN, "codi"), "run", job, "--state", os.path.join(work, f"st{batch}"),
                 "--out", os.path.join(work, f"out{batch}"), "--progress", "lines",
                 "--progress-every", "1"],
                stdout=subprocess.DEVNULL, stderr=err)
            while run.poll() is None and time.monotonic() - started < 20 * seconds + 120:
                try:
                    m = scrape(address)
                    samples.append((time.monotonic(), m.get("codi_sim_busy_slot_seconds_total", 0),
                                    m.get("codi_sim_requests_total", 0)))
                except OSError:
                    pass  # a slow scrape loses one sample, not the run
                time.sleep(0.25)
            if run.poll() is None:
                run.kill()
            rc = run.wait()
        wall = time.monotonic() - started
        lo = [s for s in samples if s[2] >= 0.1 * total_turns]
        hi = [s for s in samples if s[2] <= 0.9 * total_turns]
        util = float("nan")
        if lo and hi and hi[-1][0] > lo[0][0]:
            util = (hi[-1][1] - lo[0][1]) / (batch * (hi[-1][0] - lo[0][0]))
        lines = open(err_path).read()
        limits = [(int(m.group(1)), float(m.group(2)), float(m.group(3)))
                  for m in re.finditer(r"\| limit (\d+) \(\d+ sent, queue [0-9.]+, rtt ([0-9.]+)s, "
                                       r"unloaded ([0-9.?]+)s\)", lines)]
        mid = limits[len(limits) // 10: max(len(limits) * 9 // 10, 1)] or limits
        rtts = sorted(r for _, r, _ in mid if r > 0)
        return {"batch": batch, "rc": rc, "turns": total_turns, "wall_s": wall,
                "utilisation": util, "final_limit": limits[-1][0] if limits else None,
                "peak_limit": max(l for l, _, _ in limits) if limits else None,
                "rtt_p50_s": rtts[len(rtts) // 2] if rtts else None,
                "unloaded_s": limits[-1][2] if limits else None}
    finally:
        sim.kill()
        sim.wait()


def vm_hwm_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_rss(work, in_flight=4096, latency_ms=2000):
    sim, address = start_sim(work, in_flight, latency_ms)
    try:
        job = write_job(work, "rss", in_flight * 2, 2, address)
        run = subprocess.Popen(
            [os.path.join(BIN, "codi"), "run", job, "--state", os.path.join(work, "strss"),
             "--out", os.path.join(work, "outrss"), "--progress", "none", "--concurrency",
             str(in_flight)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        peak_running = 0
        hwm = 0
        started = time.monotonic()
        while run.poll() is None and time.monotonic() - started < 600:
            hwm = max(hwm, vm_hwm_kib(run.pid))
            try:
                m = scrape(address)
                peak_running = max(peak_running, m.get("codi_sim_running_requests", 0))
            except OSError:
                pass
            time.sleep(0.2)
        if run.poll() is None:
            run.kill()
        rc = run.wait()
        return {"in_flight": in_flight, "rc": rc, "wall_s": time.monotonic() - started,
                "peak_running_at_teacher": int(peak_running), "codi_vm_hwm_mib": hwm / 1024}
    finally:
        sim.kill()
        sim.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", default="32,256,1024")
    parser.add_argument("--latency-ms", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument("--rss", action="store_true")
    args = parser.parse_args()
    for b in ("codi", "codi-teacher-sim"):
        if not os.access(os.path.join(BIN, b), os.X_OK):
            sys.exit("bench: build first (cmake --build build)")
    with tempfile.TemporaryDirectory() as work:
        print("| max batch | turns | wall s | utilisation 10-90% | final limit | peak limit | "
              "rtt p50 | unloaded | rc |")
        print("|---|---|---|---|---|---|---|---|---|")
        for batch in [int(b) for b in args.batches.split(",") if b]:
            r = run_utilisation(work, batch, args.latency_ms, args.seconds)
            print(f"| {r['batch']} | {r['turns']} | {r['wall_s']:.1f} | {r['utilisation']:.1%} | "
                  f"{r['final_limit']} | {r['peak_limit']} | {r['rtt_p50_s']} s | "
                  f"{r['unloaded_s']} s | {r['rc']} |", flush=True)
        if args.rss:
            r = run_rss(work)
            print(f"\nRSS: codi run --concurrency {r['in_flight']}: peak {r['peak_running_at_teacher']} "
                  f"requests running at the teacher, codi VmHWM {r['codi_vm_hwm_mib']:.0f} MiB, "
                  f"{r['wall_s']:.1f} s, rc {r['rc']}")


if __name__ == "__main__":
    main()
