#!/usr/bin/env python3
"""Checks that the source tree keeps the architecture docs/architecture.md draws.

1. The build graph: configures the project in a scratch directory with
   `cmake --graphviz` and checks which libraries each binary reaches:
   codi-worker and codi-teacher-sim reach no RocksDB, codi-teacher-sim no
   gRPC, and every library reaches only the layers below it.
2. One clock: no absl::Now() or absl::SleepFor in coordinator/, worker/ or cli/
   (time comes from common/base/clock.h).
3. Folders stay small: no source folder holds more than 24 source files.
4. One mutex: codi's code locks with codi::Mutex (common/base/mutex.h), never
   absl::Mutex & co directly, so the ThreadSanitizer build
   (scripts/test-tsan.sh) sees every lock.

Usage: check_layout.py SOURCE_DIR [--self-test]
Prints one line per check and exits 1 if any fails.
"""
import collections
import os
import re
import subprocess
import sys
import tempfile

# Libraries each target must NOT reach (directly or through others).
FORBIDDEN = {
    "codi-worker": ["RocksDB::rocksdb", "codi_storage", "codi_coordinator"],
    "codi-teacher-sim": ["RocksDB::rocksdb", "gRPC::grpc++", "codi_grpc", "codi_proto",
                         "codi_storage", "codi_service"],
    "codi_base": ["codi_proto", "gRPC::grpc++", "RocksDB::rocksdb", "yaml-cpp"],
    "codi_method": ["gRPC::grpc++", "RocksDB::rocksdb", "codi_teacher", "PkgConfig::HTTPLIB"],
    "codi_spec": ["gRPC::grpc++", "RocksDB::rocksdb", "codi_teacher"],
    "codi_format": ["gRPC::grpc++", "RocksDB::rocksdb"],
    "codi_teacher": ["codi_proto", "gRPC::grpc++", "RocksDB::rocksdb"],
    "codi_storage": ["gRPC::grpc++", "codi_teacher"],
    "codi_worker": ["RocksDB::rocksdb", "codi_storage", "yaml-cpp"],
    "codi_security": ["codi_proto", "RocksDB::rocksdb", "codi_storage", "codi_service"],
}
CLOCK_DIRS = ["coordinator", "worker", "cli"]
CLOCK_CALLS = re.compile(r"absl::(Now|SleepFor)\s*\(")
MAX_SOURCES = 20
CODE_DIRS = ["common", "coordinator", "worker", "cli", "tools", "tests"]
# Abseil's synchronisation types; TSan cannot see them (Debian's Abseil is not
# built for it). Only the wrapper may name them.
ABSL_SYNC = re.compile(r"absl::(Mutex|MutexLock|ReaderMutexLock|WriterMutexLock|"
                       r"ReleasableMutexLock|CondVar|Notification|BlockingCounter|Barrier)\b")
MUTEX_WRAPPER = os.path.join("common", "base", "mutex.h")


def read_graph(dot_path):
    names, edges = {}, collections.defaultdict(set)
    for line in open(dot_path):
        m = re.match(r'\s*"(node\d+)" \[ label = "([^"]+)"', line)
        if m:
            names[m.group(1)] = m.group(2)
        m = re.match(r'\s*"(node\d+)" -> "(node\d+)"', line)
        if m:
            edges[m.group(1)].add(m.group(2))
    graph = collections.defaultdict(set)
    for a, bs in edges.items():
        for b in bs:
            graph[names[a]].add(names[b])
    return graph


def reach(graph, start):
    seen, stack = set(), [start]
    while stack:
        for nxt in graph.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def check_graph(graph):
    failures = []
    for target, banned in FORBIDDEN.items():
        if target not in graph:
            failures.append(f"graph: target {target} not found in the build graph")
            continue
        reached = reach(graph, target)
        for b in banned:
            if b in reached:
                failures.append(f"graph: {target} depends on {b}")
    return failures


def check_clock(source_dir):
    failures = []
    for d in CLOCK_DIRS:
        for root, _, files in os.walk(os.path.join(source_dir, d)):
            for f in files:
                if not f.endswith((".cc", ".h")):
                    continue
                path = os.path.join(root, f)
                for n, line in enumerate(open(path, encoding="utf-8"), 1):
                    if CLOCK_CALLS.search(line):
                        rel = os.path.relpath(path, source_dir)
                        failures.append(f"clock: {rel}:{n} calls absl time directly: "
                                        f"{line.strip()}")
    return failures


def check_mutex(source_dir):
    failures = []
    for d in CODE_DIRS:
        for root, _, files in os.walk(os.path.join(source_dir, d)):
            for f in files:
                path = os.path.join(root, f)
                rel = os.path.relpath(path, source_dir)
                if not f.endswith((".cc", ".h")) or rel == MUTEX_WRAPPER:
                    continue
                for n, line in enumerate(open(path, encoding="utf-8"), 1):
                    m = ABSL_SYNC.search(line)
                    if m:
                        failures.append(f"mutex: {rel}:{n} uses {m.group(0)}; use the codi:: "
                                        f"type from {MUTEX_WRAPPER}")
    return failures


def check_folders(source_dir):
    failures = []
    for top in CODE_DIRS:
        for root, _, files in os.walk(os.path.join(source_dir, top)):
            n = sum(1 for f in files if f.endswith((".cc", ".h")))
            if n > MAX_SOURCES:
                failures.append(f"folders: {os.path.relpath(root, source_dir)} holds {n} "
                                f"source files (at most {MAX_SOURCES})")
    return failures


def self_test():
    graph = {"codi-worker": {"codi_worker"}, "codi_worker": {"codi_storage"},
             "codi_storage": {"RocksDB::rocksdb"}}
    bad = check_graph(graph)
    assert "graph: codi-worker depends on RocksDB::rocksdb" in bad, bad
    assert "graph: codi-teacher-sim not found in the build graph" not in bad
    assert any("codi-teacher-sim" in f for f in bad), bad
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "worker"))
        with open(os.path.join(tmp, "worker", "x.cc"), "w") as f:
            f.write("int f() {\n  absl::SleepFor(absl::Seconds(1));\n}\n")
        bad = check_clock(tmp)
        assert bad == ["clock: worker/x.cc:2 calls absl time directly: "
                       "absl::SleepFor(absl::Seconds(1));"], bad
        with open(os.path.join(tmp, "worker", "y.h"), "w") as f:
            f.write("class A {\n  absl::Mutex mu_;\n  Mutex ok_;\n};\n")
        os.makedirs(os.path.join(tmp, "common", "base"))
        with open(os.path.join(tmp, "common", "base", "mutex.h"), "w") as f:
            f.write("using Mutex = absl::Mutex;\n")
        bad = check_mutex(tmp)
        assert bad == ["mutex: worker/y.h:2 uses absl::Mutex; use the codi:: type from "
                       "common/base/mutex.h"], bad
        with open(os.path.join(tmp, "worker", "y.h"), "w") as f:
            f.write("absl::MutexLock lock(&mu_);\nabsl::Notification done;\n")
        assert len(check_mutex(tmp)) == 2, check_mutex(tmp)
        os.makedirs(os.path.join(tmp, "common", "big"))
        for i in range(MAX_SOURCES + 1):
            open(os.path.join(tmp, "common", "big", f"f{i}.h"), "w").close()
        assert check_folders(tmp) == [
            f"folders: common/big holds {MAX_SOURCES + 1} source files (at most {MAX_SOURCES})"]
    print("self-test: the checks catch a forbidden dependency, a direct clock call, a direct "
          "absl::Mutex and a large folder")


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    source_dir = os.path.abspath(sys.argv[1])
    if "--self-test" in sys.argv:
        self_test()
    with tempfile.TemporaryDirectory() as build:
        dot = os.path.join(build, "graph", "deps.dot")
        os.makedirs(os.path.dirname(dot))
        r = subprocess.run(["cmake", "-S", source_dir, "-B", build, "-G", "Ninja",
                            "-DCODI_BUILD_TESTS=OFF", f"--graphviz={dot}"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            print("graph: cmake failed:\n" + r.stdout + r.stderr)
            return 1
        graph = read_graph(dot)
    failures = check_graph(graph) + check_clock(source_dir) + check_mutex(source_dir)
    failures += check_folders(source_dir)
    for target in ["codi", "codi-coordinator", "codi-worker", "codi-teacher-sim"]:
        libs = sorted(x for x in reach(graph, target) if x.startswith("codi"))
        print(f"{target}: {' '.join(libs)}")
    for f in failures:
        print("FAIL " + f)
    print(f"layout: {len(failures)} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
