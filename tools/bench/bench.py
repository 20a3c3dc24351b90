#!/usr/bin/env python3
"""codi's benchmark harness: one command, one table.

Runs, on this machine and on loopback, with the binaries in build/bin:

  util      steady-state utilisation (10%..90% of the job) of simulated teachers of
            max batch 32, 256 and 1024 at 1 s latency, `codi run` with DEFAULT flags;
            p50 turn latency against the unloaded latency
  replicas  4 replicas behind one `codi run`: utilisation per replica and the
            prefix-cache hit ratio by turn index
  cpu       CPU microseconds per turn of `codi run`, of each `codi-worker` and of the
            `codi-coordinator` (per turn report), beside tools/bench/python_client.py,
            all against one latency-0 simulator in the same run
  inflight  peak RSS of `codi run` holding 4,096 conversations in flight against a
            4,096-slot teacher at 2 s latency
  million   N conversations (default 1,000,000) of 2 turns, distributed, latency-0
            simulator: wall time, coordinator RSS every 10%, state directory size, a
            coordinator SIGKILL at about 50% (time until leases are served again), and
            the export counted: every conversation exactly once

Prints a Markdown table per section and, with --write, replaces the block between
`<!-- bench:begin -->` and `<!-- bench:end -->` in docs/benchmarks.md with them.

Usage: tools/bench/bench.py [--sections util,replicas,cpu,inflight] [--scale 1.0]
                            [--million N] [--write docs/benchmarks.md]
Standard library only. Every process it starts binds to 127.0.0.1 on a free port
and is killed when the harness exits.
"""
import argparse
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---- processes -----------------------------------------------------------------

class Procs:
    """Every process the harness started, killed on exit."""

    def __init__(self, work):
        self.work = work
        self.all = []

    def start(self, name, argv, wait_listen=True, env=None):
        out = open(os.path.join(self.work, name + ".out"), "w")
        err = open(os.path.join(self.work, name + ".err"), "w")
        proc = subprocess.Popen(argv, stdout=out, stderr=err, env=env)
        proc.name = name
        self.all.append(proc)
        if not wait_listen:
            return proc, None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with open(out.name) as f:
                m = re.search(r"^listening on (\S+)", f.read(), re.M)
            if m:
                return proc, m.group(1)
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        sys.exit(f"bench: {name} did not start; see {err.name}:\n" + open(err.name).read()[-2000:])

    def stop(self, proc, sig=signal.SIGTERM):
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def stop_all(self):
        for p in self.all:
            if p.poll() is None:
                p.kill()
        for p in self.all:
            p.wait()


def cpu_seconds(pid):
    """utime + stime of a live process, from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_mib(pid, key="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def dir_mib(path):
    total = 0
    for base, _, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(base, name))
            except OSError:
                pass
    return total / (1 << 20)


def sim_metrics(addr):
    """The simulator's counters that the harness reads, from /metrics."""
    with urllib.request.urlopen(f"http://{addr}/metrics", timeout=10) as reply:
        text = reply.read().decode()
    out = {"ok": 0.0, "busy": 0.0, "running": 0.0}
    for line in text.splitlines():
        if line.startswith("codi_sim_running_requests"):
            out["running"] = float(line.split()[-1])
        if line.startswith('codi_sim_requests_total{outcome="ok"}'):
            out["ok"] = float(line.split()[-1])
        elif line.startswith("codi_sim_busy_slot_seconds_total"):
            out["busy"] = float(line.split()[-1])
    return out


def read_request_log(path):
    entries = []
    with open(path) as f:
        for line in f:
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:
                pass  # a torn last line
    return entries


def percentile(values, q):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


# ---- inputs --------------------------------------------------------------------

QA_LINKS = """graph:
  start: {ask: 1}
  length: {n: TURNS}
  links:
    - {name: ask, role: USER, instruction: Ask a short question about the document., next: {answer: 1}}
    - {name: answer, role: AGENT, instruction: Answer with a short span from the document., next: {ask: 1}}
"""


def write_job(work, name, docs_path, samples, turns, max_tokens=64):
    path = os.path.join(work, name + ".yaml")
    with open(path, "w") as f:
        f.write(f"name: {name}\nseed: 1\ndocuments: {{path: {docs_path}}}\n"
                f"samples_per_document: {samples}\n")
        f.write(QA_LINKS.replace("TURNS", str(turns)))
        f.write(f'teacher: {{endpoints: ["http://127.0.0.1:9/v1"], max_tokens: {max_tokens}}}\n')
    return path


def write_synthetic_docs(path, count):
    with open(path, "w") as f:
        for i in range(count):
            f.write(json.dumps({
                "id": f"doc-{i:07d}", "title": f"Town {i}",
                "text": f"Town {i} lies on the river Tam. It was founded in {1000 + i % 900}. "
                        f"About {100 + i % 5000} people live there. The town is known for its bridge."})
                    + "\n")
    return path


# ---- sections ------------------------------------------------------------------

def run_codi(args, procs, job, teachers, out_name, extra=()):
    """Runs `codi run` to the end; returns (wall s, CPU s of the codi process)."""
    work = procs.work
    argv = [os.path.join(args.bin, "codi"), "run", job, "--state", os.path.join(work, out_name + ".state"),
            "--out", os.path.join(work, out_name + ".out.d"), "--progress", "none", *extra]
    for t in teachers:
        argv += ["--teacher", f"http://{t}/v1"]
    start = time.monotonic()
    with open(os.path.join(work, out_name + ".log"), "w") as log:
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"bench: codi run failed ({proc.returncode}); see {log.name}")
    return time.monotonic() - start, usage.ru_utime + usage.ru_stime


def util_window(samples, total, max_batch):
    """Utilisation between 10% and 90% of `total` finished requests."""
    lo = next((s for s in samples if s[1]["ok"] >= 0.1 * total), None)
    hi = next((s for s in reversed(samples) if s[1]["ok"] <= 0.9 * total), None)
    if lo is None or hi is None or hi[0] <= lo[0]:
        return float("nan")
    return (hi[1]["busy"] - lo[1]["busy"]) / (max_batch * (hi[0] - lo[0]))


def sampled_run(args, procs, job, sims, name, turns_total, extra=()):
    """codi run in a thread-free way: start it, sample every simulator's metrics
    every 0.25 s until it exits. Returns samples per sim and the run's wall/CPU."""
    work = procs.work
    argv = [os.path.join(args.bin, "codi"), "run", job, "--state", os.path.join(work, name + ".state"),
            "--out", os.path.join(work, name + ".out.d"), "--progress", "lines",
            "--progress-every", "2", *extra]
    for addr in sims:
        argv += ["--teacher", f"http://{addr}/v1"]
    samples = {addr: [] for addr in sims}
    log = open(os.path.join(work, name + ".log"), "w")
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    deadline = start + args.timeout_s
    while proc.poll() is None and time.monotonic() < deadline:
        now = time.monotonic()
        for addr in sims:
            samples[addr].append((now, sim_metrics(addr)))
        time.sleep(0.25)
    if proc.poll() is None:
        proc.kill()
        sys.exit(f"bench: {name}: codi run did not finish in {args.timeout_s} s")
    if proc.returncode != 0:
        sys.exit(f"bench: {name}: codi run failed ({proc.returncode}); see {log.name}")
    return samples, time.monotonic() - start


def last_limit(log_path):
    """The adaptive limit on the last progress line of a `codi run` log."""
    limits = re.findall(r"limit (\d+)", open(log_path, errors="replace").read())
    return int(limits[-1]) if limits else None


def section_util(args, procs, rows):
    docs = os.path.join(ROOT, "examples", "qa", "docs.jsonl")
    ndocs = sum(1 for _ in open(docs))
    table = ["| teacher (max batch, 1 s latency) | conversations × turns | utilisation 10–90% | "
             "p50 turn latency / unloaded | limit at the end | wall s |", "|---|---|---|---|---|---|"]
    for max_batch in (int(b) for b in args.max_batches.split(",")):
        turns = 6
        conversations = max(ndocs, int(args.scale * 7 * max_batch))
        samples_per_doc = -(-conversations // ndocs)
        conversations = samples_per_doc * ndocs
        log = os.path.join(procs.work, f"util{max_batch}.requests.jsonl")
        sim, addr = procs.start(f"sim-util{max_batch}", [
            os.path.join(args.bin, "codi-teacher-sim"), "--listen", "127.0.0.1:0",
            "--latency-ms", "1000", "--max-batch", str(max_batch), "--request-log", log])
        job = write_job(procs.work, f"util{max_batch}", docs, samples_per_doc, turns)
        samples, wall = sampled_run(args, procs, job, [addr], f"util{max_batch}",
                                    conversations * turns, extra=args.codi_arg)
        util = util_window(samples[addr], conversations * turns, max_batch)
        entries = [e for e in read_request_log(log) if e.get("status") == 200]
        n = len(entries)
        steady = [e["ms"] for e in entries[n // 10: n * 9 // 10] if "ms" in e]
        unloaded = min((e["ms"] for e in entries if "ms" in e), default=float("nan"))
        p50 = percentile(steady, 0.5)
        limit = last_limit(os.path.join(procs.work, f"util{max_batch}.log"))
        table.append(f"| {max_batch} | {conversations} × {turns} | **{util:.1%}** | "
                     f"{p50:.0f} ms / {unloaded:.0f} ms = {p50 / unloaded:.2f}x | {limit} | {wall:.1f} |")
        procs.stop(sim)
        print(table[-1], flush=True)
    rows.append(("Utilisation with default flags", table))


def section_replicas(args, procs, rows):
    docs = os.path.join(ROOT, "examples", "qa", "docs.jsonl")
    ndocs = sum(1 for _ in open(docs))
    max_batch, turns = 64, 6
    conversations = max(ndocs, int(args.scale * 7 * 4 * max_batch))
    samples_per_doc = -(-conversations // ndocs)
    conversations = samples_per_doc * ndocs
    sims, logs = [], []
    for i in range(4):
        log = os.path.join(procs.work, f"replica{i}.requests.jsonl")
        proc, addr = procs.start(f"sim-replica{i}", [
            os.path.join(args.bin, "codi-teacher-sim"), "--listen", "127.0.0.1:0",
            "--latency-ms", "1000", "--max-batch", str(max_batch), "--request-log", log])
        sims.append(addr)
        logs.append(log)
    job = write_job(procs.work, "replicas", docs, samples_per_doc, turns)
    samples, wall = sampled_run(args, procs, job, sims, "replicas", conversations * turns)
    table = [f"| replica (max batch {max_batch}, 1 s) | requests | utilisation 10–90% of its requests |",
             "|---|---|---|"]
    by_turn = {}
    for i, (addr, log) in enumerate(zip(sims, logs)):
        entries = [e for e in read_request_log(log) if e.get("status") == 200]
        util = util_window(samples[addr], len(entries), max_batch)
        table.append(f"| {i} | {len(entries)} | **{util:.1%}** |")
        for e in entries:
            parts = e.get("request_id", "").split("/")
            if len(parts) >= 5 and parts[-2].isdigit():
                t = by_turn.setdefault(int(parts[-2]), [0, 0])
                t[0] += e.get("cached_tokens", 0)
                t[1] += e.get("prompt_tokens", 0)
    table += ["", "| turn index | prefix-cache hit ratio |", "|---|---|"]
    for turn in sorted(by_turn):
        cached, prompt = by_turn[turn]
        table.append(f"| {turn} | {cached / prompt if prompt else 0:.2f} |")
    table.append(f"\n{conversations} conversations of {turns} turns over 4 replicas in {wall:.1f} s.")
    print("\n".join(table), flush=True)
    rows.append(("Four replicas", table))


def section_inflight(args, procs, rows):
    """Peak RSS of `codi run` holding 4,096 conversations in flight."""
    inflight, turns = 4096, 2
    docs = write_synthetic_docs(os.path.join(procs.work, "inflight-docs.jsonl"), inflight // 4)
    job = write_job(procs.work, "inflight", docs, 8, turns)  # 8,192 conversations
    sim, addr = procs.start("sim-inflight", [os.path.join(args.bin, "codi-teacher-sim"),
                                             "--listen", "127.0.0.1:0", "--latency-ms", "2000",
                                             "--max-batch", str(inflight)])
    work = procs.work
    argv = [os.path.join(args.bin, "codi"), "run", job, "--state", os.path.join(work, "inflight.state"),
            "--out", os.path.join(work, "inflight.out.d"), "--progress", "none",
            "--teacher", f"http://{addr}/v1", "--concurrency", str(inflight)]
    log = open(os.path.join(work, "inflight.log"), "w")
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    peak_running = 0.0
    while True:  # wait4 with WNOHANG, not poll(): poll() would reap the child and its rusage
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            break
        if time.monotonic() - start > args.timeout_s:
            proc.kill()
            sys.exit(f"bench: inflight: codi run did not finish in {args.timeout_s} s")
        peak_running = max(peak_running, sim_metrics(addr)["running"])
        time.sleep(0.25)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"bench: inflight: codi run failed; see {log.name}")
    wall = time.monotonic() - start
    table = ["| in flight | conversations × turns | peak requests at the teacher | codi run peak RSS | "
             "CPU µs per turn | wall s |", "|---|---|---|---|---|---|",
             f"| {inflight} (`--concurrency {inflight}`, teacher max batch {inflight}, 2 s) | "
             f"{2 * inflight} × {turns} | {peak_running:.0f} | **{usage.ru_maxrss / 1024:.0f} MiB** | "
             f"{(usage.ru_utime + usage.ru_stime) * 1e6 / (2 * inflight * turns):.0f} | {wall:.1f} |"]
    procs.stop(sim)
    print("\n".join(table), flush=True)
    rows.append(("Thousands in flight", table))


def wait_job(args, coord, job_id, on_poll=None, timeout=None):
    """Polls `codi status` until the job leaves `running`; returns the last status."""
    deadline = time.monotonic() + (timeout or args.timeout_s)
    status = {}
    while time.monotonic() < deadline:
        try:
            out = subprocess.run([os.path.join(args.bin, "codi"), "status", job_id, "--coordinator", coord,
                                  "--json", "--timeout-s", "10"], capture_output=True, text=True,
                                 timeout=30)
            if out.returncode == 0:
                status = json.loads(out.stdout)
        except (subprocess.TimeoutExpired, json.JSONDecodeError):
            pass
        if on_poll:
            on_poll(status)
        if status.get("state") not in (None, "running", "pending", "queued"):
            return status
        time.sleep(0.5)
    sys.exit(f"bench: job {job_id} did not finish in time; last status {status}")


def section_cpu(args, procs, rows):
    docs = os.path.join(ROOT, "examples", "qa", "docs.jsonl")
    ndocs = sum(1 for _ in open(docs))
    turns = 6
    samples_per_doc = max(1, int(args.scale * 20))
    conversations = samples_per_doc * ndocs
    total_turns = conversations * turns
    sim, addr = procs.start("sim-cpu", [os.path.join(args.bin, "codi-teacher-sim"),
                                        "--listen", "127.0.0.1:0", "--latency-ms", "0",
                                        "--max-batch", "256"])
    table = ["| process | turns | CPU s | CPU µs per turn |", "|---|---|---|---|"]
    # The Python yardstick: same teacher, same conversations, 32 threads.
    out = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "bench", "python_client.py"),
                          "--teacher", f"http://{addr}/v1", "--docs", docs, "--conversations",
                          str(conversations), "--turns", str(turns), "--concurrency", "32"],
                         capture_output=True, text=True, timeout=args.timeout_s)
    py = json.loads(out.stdout.strip().splitlines()[-1])
    table.append(f"| python_client.py (stdlib, 32 threads) | {py['turns']} | {py['cpu_s']:.2f} | "
                 f"{py['cpu_us_per_turn']:.0f} |")
    # codi run, default flags.
    job = write_job(procs.work, "cpu", docs, samples_per_doc, turns)
    _, cpu = run_codi(args, procs, job, [addr], "cpu")
    table.append(f"| codi run (default flags) | {total_turns} | {cpu:.2f} | {cpu * 1e6 / total_turns:.0f} |")
    # Distributed: a coordinator and two workers.
    coord_proc, coord = procs.start("coordinator-cpu", [
        os.path.join(args.bin, "codi-coordinator"), "--listen", "127.0.0.1:0",
        "--state", os.path.join(procs.work, "coordinator-cpu.state"), "--log-level", "warning"])
    workers = []
    for i in range(2):
        w, _ = procs.start(f"worker-cpu{i}", [
            os.path.join(args.bin, "codi-worker"), "--coordinator", coord, "--teacher",
            f"http://{addr}/v1", "--log-level", "warning"], wait_listen=False)
        workers.append(w)
    base = {p.pid: cpu_seconds(p.pid) for p in [coord_proc, *workers]}
    job_id = subprocess.run([os.path.join(args.bin, "codi"), "submit", job, "--coordinator", coord,
                             "--job-id", "cpu"], capture_output=True, text=True, check=True).stdout.strip()
    status = wait_job(args, coord, job_id)
    reports = int(status.get("turns", total_turns))
    used = {p.pid: cpu_seconds(p.pid) - base[p.pid] for p in [coord_proc, *workers]}
    for i, w in enumerate(workers):
        share = reports / len(workers)
        table.append(f"| codi-worker {i} (default flags) | ~{share:.0f} | {used[w.pid]:.2f} | "
                     f"{used[w.pid] * 1e6 / share:.0f} (assuming an even split) |")
    table.append(f"| codi-coordinator (per turn report) | {reports} | {used[coord_proc.pid]:.2f} | "
                 f"**{used[coord_proc.pid] * 1e6 / reports:.0f}** |")
    worker_total = sum(used[w.pid] for w in workers)
    table.append(f"| both workers together | {reports} | {worker_total:.2f} | "
                 f"**{worker_total * 1e6 / reports:.0f}** |")
    for p in [coord_proc, *workers, sim]:
        procs.stop(p)
    print("\n".join(table), flush=True)
    rows.append(("CPU per turn (latency-0 simulator)", table))


def section_million(args, procs, rows):
    n = args.million
    samples = 10
    docs = write_synthetic_docs(os.path.join(procs.work, "million-docs.jsonl"), n // samples)
    job = write_job(procs.work, "million", docs, samples, 2, max_tokens=32)
    _, addr = procs.start("sim-million", [os.path.join(args.bin, "codi-teacher-sim"),
                                          "--listen", "127.0.0.1:0", "--latency-ms", "0",
                                          "--max-batch", "1024"])
    state = os.path.join(procs.work, "million.state")
    coord_argv = [os.path.join(args.bin, "codi-coordinator"), "--listen", "127.0.0.1:0",
                  "--state", state, "--log-level", "warning"]
    coord_proc, coord = procs.start("coordinator-million", coord_argv)
    for i in range(2):
        procs.start(f"worker-million{i}", [os.path.join(args.bin, "codi-worker"), "--coordinator", coord,
                                           "--teacher", f"http://{addr}/v1", "--log-level", "warning"],
                    wait_listen=False)
    job_id = subprocess.run([os.path.join(args.bin, "codi"), "submit", job, "--coordinator", coord,
                             "--job-id", "million"], capture_output=True, text=True,
                            check=True).stdout.strip()
    start = time.monotonic()
    marks, killed = [], {}
    state_box = {"coord_proc": coord_proc, "next": 10}

    def on_poll(status):
        done = int(status.get("conversations_done", 0) or 0)
        pct = 100 * done // n
        proc = state_box["coord_proc"]
        while pct >= state_box["next"] and state_box["next"] <= 100:
            marks.append((state_box["next"], done, rss_mib(proc.pid), time.monotonic() - start))
            print(f"bench: million: {state_box['next']}% ({done}) coordinator RSS "
                  f"{marks[-1][2]:.0f} MiB", flush=True)
            state_box["next"] += 10
        if not killed and pct >= 50:
            # SIGKILL the coordinator and restart it on the same state and port.
            killed["at"] = done
            killed["peak_before"] = rss_mib(proc.pid, "VmHWM")
            proc.kill()
            proc.wait()
            t0 = time.monotonic()
            port = coord.rsplit(":", 1)[1]
            argv = list(coord_argv)
            argv[argv.index("--listen") + 1] = f"127.0.0.1:{port}"
            new_proc, _ = procs.start("coordinator-million-restarted", argv)
            state_box["coord_proc"] = new_proc
            # Served again = a conversation finishes after the restart.
            while time.monotonic() - t0 < 120:
                out = subprocess.run([os.path.join(args.bin, "codi"), "status", job_id, "--coordinator",
                                      coord, "--json", "--timeout-s", "5"], capture_output=True, text=True)
                if out.returncode == 0 and int(json.loads(out.stdout).get("conversations_done", 0)) > done:
                    break
                time.sleep(0.1)
            killed["resume_s"] = time.monotonic() - t0
            print(f"bench: million: coordinator SIGKILLed at {done}; progress again after "
                  f"{killed['resume_s']:.1f} s", flush=True)

    status = wait_job(args, coord, job_id, on_poll, timeout=args.million_timeout_s)
    wall = time.monotonic() - start
    proc = state_box["coord_proc"]
    peak = max(rss_mib(proc.pid, "VmHWM"), killed.get("peak_before", 0))
    state_size = dir_mib(state)
    # The job report (one pass over every conversation); the coordinator keeps
    # it for the export's dataset card.
    report_start = time.monotonic()
    reported = subprocess.run([os.path.join(args.bin, "codi"), "report", job_id, "--coordinator", coord,
                               "--timeout-s", "3600"], capture_output=True, text=True,
                              timeout=args.million_timeout_s)
    if reported.returncode != 0:
        sys.exit(f"bench: million: codi report failed ({reported.returncode}):\n{reported.stderr[-2000:]}")
    report_s = time.monotonic() - report_start
    export_dir = os.path.join(procs.work, "million-export")
    export_start = time.monotonic()
    exported = subprocess.run([os.path.join(args.bin, "codi"), "export", job_id, "--coordinator", coord, "--out",
                    export_dir, "--dedup", "off"], capture_output=True, text=True,
                   timeout=args.million_timeout_s)
    if exported.returncode != 0:
        sys.exit(f"bench: million: codi export failed ({exported.returncode}):\n{exported.stderr[-2000:]}")
    export_s = time.monotonic() - export_start
    keys, lines = set(), 0
    for name in os.listdir(export_dir):
        if not name.endswith(".jsonl"):
            continue
        with open(os.path.join(export_dir, name)) as f:
            for line in f:
                lines += 1
                c = json.loads(line)
                keys.add((c.get("document_id") or c.get("doc_id"), c.get("sample")))
    table = [f"| million-conversation run | value |", "|---|---|",
             f"| conversations × turns | {n} × 2 (state {status.get('state')}) |",
             f"| wall time | {wall:.0f} s ({2 * n / wall:.0f} turn reports/s) |",
             f"| coordinator RSS at 10%, 20%, … 100% | "
             + ", ".join(f"{m[2]:.0f}" for m in marks) + " MiB |",
             f"| coordinator peak RSS | {peak:.0f} MiB |",
             f"| state directory | {state_size:.0f} MiB |",
             f"| coordinator SIGKILL at | {killed.get('at', 'n/a')} conversations |",
             f"| progress again after restart | {killed.get('resume_s', float('nan')):.1f} s |",
             f"| `codi report` (a pass over every conversation) | {report_s:.0f} s |",
             f"| `codi export` (from the coordinator, --dedup off) | {export_s:.0f} s |",
             f"| exported lines / distinct conversations | {lines} / {len(keys)} "
             f"({'every one exactly once' if lines == len(keys) == n else 'NOT exactly once'}) |"]
    print("\n".join(table), flush=True)
    rows.append(("A million conversations, distributed", table))


def write_docs(path, rows, args):
    """Replaces, in the block between the bench markers of `path`, the
    subsections this run measured (by title); the others stay as they were."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    command = (f"tools/bench/bench.py --sections {args.sections} --scale {args.scale}"
               + (f" --million {args.million}" if "million" in args.sections else ""))
    text = open(path).read() if os.path.exists(path) else ""
    m = re.search(r"<!-- bench:begin -->(.*?)<!-- bench:end -->", text, flags=re.S)
    old = m.group(1) if m else ""
    # Existing subsections, in order: title -> body lines.
    subsections, order = {}, []
    for part in re.split(r"^### ", old, flags=re.M)[1:]:
        title, _, body = part.partition("\n")
        subsections[title.strip()] = body.strip("\n")
        order.append(title.strip())
    for title, table in rows:
        if title not in subsections:
            order.append(title)
        subsections[title] = "\n".join(
            [f"Measured {datetime.date.today()} with `{command}` (commit {commit}).", "", *table])
    block = ["<!-- bench:begin -->", ""]
    for title in order:
        block += [f"### {title}", "", subsections[title], ""]
    block.append("<!-- bench:end -->")
    if m:
        text = text[:m.start()] + "\n".join(block) + text[m.end():]
    else:
        text += "\n## The harness: tools/bench/bench.py\n\n" + "\n".join(block) + "\n"
    with open(path, "w") as f:
        f.write(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--sections", default="util,replicas,cpu,inflight",
                        help="comma-separated: util, replicas, cpu, inflight, million")
    parser.add_argument("--scale", type=float, default=1.0, help="job sizes (1.0: about 45 s a teacher)")
    parser.add_argument("--max-batches", default="32,256,1024",
                        help="the util section's teachers (max batch of each)")
    parser.add_argument("--codi-arg", action="append", default=[],
                        help="an extra argument for `codi run` in the util section (repeatable)")
    parser.add_argument("--million", type=int, default=1_000_000, help="conversations of the million run")
    parser.add_argument("--million-timeout-s", type=float, default=7200)
    parser.add_argument("--timeout-s", type=float, default=900, help="limit for each other job")
    parser.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    parser.add_argument("--write", metavar="FILE", help="write the tables into FILE (docs/benchmarks.md)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    for b in ("codi", "codi-coordinator", "codi-worker", "codi-teacher-sim"):
        if not os.access(os.path.join(args.bin, b), os.X_OK):
            sys.exit(f"bench: {args.bin}/{b} missing: build first (cmake --build build)")
    sections = {"util": section_util, "replicas": section_replicas, "cpu": section_cpu,
                "inflight": section_inflight, "million": section_million}
    chosen = [s.strip() for s in args.sections.split(",") if s.strip()]
    for s in chosen:
        if s not in sections:
            sys.exit(f"bench: --sections: unknown section {s!r} (have {', '.join(sections)})")
    work = tempfile.mkdtemp(prefix="codi-bench-")
    procs = Procs(work)
    rows = []
    try:
        for s in chosen:
            print(f"bench: section {s}", flush=True)
            sections[s](args, procs, rows)
    finally:
        procs.stop_all()
        if args.keep:
            print(f"bench: work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print()
    for title, table in rows:
        print(f"### {title}\n")
        print("\n".join(table))
        print()
    if args.write:
        write_docs(args.write, rows, args)
        print(f"bench: wrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
